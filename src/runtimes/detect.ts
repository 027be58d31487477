// The runtime type label: CRI's Version.runtime_name, normalised so that
// dashboards can rely on a handful of values.

const ALIASES: Readonly<Record<string, string>> = {
  crio: 'cri-o',
  'cri-o': 'cri-o',
  docker: 'docker',
  'cri-dockerd': 'docker',
  dockershim: 'docker',
  containerd: 'containerd',
};

export function runtimeType(runtimeName: string): string {
  const name = runtimeName.trim().toLowerCase();
  return ALIASES[name] ?? (name === '' ? 'unknown' : name);
}

export type LogFormat = 'cri' | 'docker-json';

/** dockershim wrote Docker's json-file logs; every CRI runtime since writes the CRI format. */
export function logFormatOf(runtimeName: string): LogFormat {
  return runtimeName.trim().toLowerCase() === 'docker' ? 'docker-json' : 'cri';
}

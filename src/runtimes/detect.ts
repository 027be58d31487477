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

/**
 * Under dockershim and cri-dockerd the kubelet's log path is a symlink to
 * Docker's json-file log; every other CRI runtime writes the CRI format.
 */
export function logFormatOf(type: string): LogFormat {
  return type === 'docker' ? 'docker-json' : 'cri';
}

// The container's cgroup, which cAdvisor uses as the `id` label. Runtimes
// give it in the OCI spec inside verbose ContainerStatus info, either as a
// cgroupfs path or in systemd's "slice:prefix:name" form.

/** cgroupsPath from a verbose info map (containerd and CRI-O put the OCI spec under "info"). */
export function cgroupPathFromInfo(info: Readonly<Record<string, string>>): string {
  const doc = info.info;
  if (doc === undefined) return '';
  try {
    const parsed = JSON.parse(doc) as { runtimeSpec?: { linux?: { cgroupsPath?: unknown } } };
    const path = parsed.runtimeSpec?.linux?.cgroupsPath;
    return typeof path === 'string' ? path : '';
  } catch {
    return '';
  }
}

/** cAdvisor's `id`: the cgroup path as it appears under the hierarchy root. */
export function cgroupIdOf(cgroupsPath: string): string {
  if (cgroupsPath === '') return '';
  const parts = cgroupsPath.split(':');
  if (parts.length === 3 && !cgroupsPath.startsWith('/')) {
    const [slice, prefix, name] = parts as [string, string, string];
    return `${expandSlice(slice)}/${prefix}-${name}.scope`;
  }
  return cgroupsPath.startsWith('/') ? cgroupsPath : `/${cgroupsPath}`;
}

/** systemd nests "a-b-c.slice" as /a.slice/a-b.slice/a-b-c.slice. */
function expandSlice(slice: string): string {
  if (slice === '' || slice === '-.slice') return '';
  const base = slice.replace(/\.slice$/, '');
  const words = base.split('-');
  let path = '';
  for (let i = 1; i <= words.length; i++) path += `/${words.slice(0, i).join('-')}.slice`;
  return path;
}

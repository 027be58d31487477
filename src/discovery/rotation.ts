// The kubelet's log rotation names. When a container log passes
// containerLogMaxSize the kubelet renames `N.log` to `N.log.<YYYYMMDD-hhmmss>`
// and asks the runtime to reopen `N.log`; later it gzips every rotated file
// but the newest, writing `<rotated>.gz.tmp` first and renaming it to
// `<rotated>.gz`. Only the finished names are logs a shipper should read.

const TIMESTAMP = /^\d{8}-\d{6}$/;

/** True when `name` is a finished rotated sibling of the log file named `base` (both basenames). */
export function isRotatedSibling(base: string, name: string): boolean {
  if (!name.startsWith(`${base}.`)) return false;
  const rest = name.slice(base.length + 1);
  const stamp = rest.endsWith('.gz') ? rest.slice(0, -'.gz'.length) : rest;
  return TIMESTAMP.test(stamp);
}

/** The rotated siblings of `base` among a directory's entries, oldest first (the timestamp sorts as text). */
export function rotatedSiblings(base: string, entries: Iterable<string>): string[] {
  const found: string[] = [];
  for (const name of entries) if (isRotatedSibling(base, name)) found.push(name);
  return found.sort();
}

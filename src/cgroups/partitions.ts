// Pure parser of /proc/partitions: block device numbers → names, which is
// how the device label of container_fs_* is made (/dev/<name>).

/** "major:minor" → "/dev/<name>". */
export function parsePartitions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+\d+\s+(\S+)\s*$/.exec(line);
    if (m) out.set(`${m[1]}:${m[2]}`, `/dev/${m[3]}`);
  }
  return out;
}

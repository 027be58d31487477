// A host file (cgroup or /proc) that exists but could not be read or parsed.

export class HostFileError extends Error {
  constructor(readonly path: string, cause: Error) {
    super(`${path}: ${cause.message}`, { cause });
    this.name = 'HostFileError';
  }
}

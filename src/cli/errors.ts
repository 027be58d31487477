/** A problem that stops a command before it does its work; exit code 1 (2 is for usage errors). */
export class StartupError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * The command line was misused (an unknown command or action, a missing argument): the
 * `tessera` command prints the message and that command's usage, and exits 2.
 */
export class UsageError extends Error {
  /** The command whose usage to show; none: the list of commands. */
  readonly command?: string;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

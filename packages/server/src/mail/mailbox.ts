import { chmod, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import { randomToken } from '../ids.js';
import { mailLogFields } from './log-fields.js';
import type { Mailer, MailKind, MailMessage } from './mailer.js';
import { assertSendable } from './sendable.js';

/** One mail kept in the development mailbox: one JSON file. */
export interface MailboxEntry {
  id: string;
  /** Epoch milliseconds it was sent at. */
  at: number;
  to: string;
  subject: string;
  text: string;
  html: string;
  kind: MailKind;
}

export const MAILBOX_LIMIT = 200;
const ENTRY_FILE = /^m\d{15}-\d{6}-[A-Za-z0-9]{6}\.json$/;

/**
 * The development mailbox (`tessera start --demo` without SMTP): each mail a JSON file in
 * `dir` (0600, the directory 0700), named so that names sort by time; at most `limit`
 * are kept, the oldest deleted first.
 */
export class Mailbox {
  private sequence = 0;
  private ready: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    private readonly options: { limit?: number; clock?: Clock } = {},
  ) {}

  async write(message: MailMessage): Promise<MailboxEntry> {
    await this.prepare();
    const at = (this.options.clock ?? systemClock).now();
    this.sequence = (this.sequence + 1) % 1_000_000;
    const id = `m${String(at).padStart(15, '0')}-${String(this.sequence).padStart(6, '0')}-${randomToken(6)}`;
    const entry: MailboxEntry = {
      id,
      at,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      kind: message.kind,
    };
    const temporary = join(this.dir, `.${id}.tmp`);
    await writeFile(temporary, JSON.stringify(entry), { mode: 0o600 });
    await rename(temporary, join(this.dir, `${id}.json`));
    await this.prune();
    return entry;
  }

  /** The kept mails, newest first. */
  async list(): Promise<MailboxEntry[]> {
    const names = await this.names();
    const entries = await Promise.all(names.map((name) => this.read(name)));
    return entries.filter((entry): entry is MailboxEntry => entry !== null);
  }

  /** Entry file names, newest first. */
  private async names(): Promise<string[]> {
    try {
      return (await readdir(this.dir))
        .filter((name) => ENTRY_FILE.test(name))
        .sort()
        .reverse();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private async read(name: string): Promise<MailboxEntry | null> {
    try {
      return JSON.parse(await readFile(join(this.dir, name), 'utf8')) as MailboxEntry;
    } catch {
      return null; // deleted meanwhile, or not ours
    }
  }

  private async prune(): Promise<void> {
    const names = await this.names();
    for (const name of names.slice(this.options.limit ?? MAILBOX_LIMIT)) {
      await unlink(join(this.dir, name)).catch(() => undefined);
    }
  }

  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await chmod(this.dir, 0o700);
    })();
    return this.ready;
  }
}

/** The mailer of the demo without SMTP: `send` keeps the mail in the mailbox (shown at `/demo/mailbox`). */
export class MailboxMailer implements Mailer {
  readonly available = true;
  private readonly writing = new Set<Promise<unknown>>();

  constructor(
    readonly mailbox: Mailbox,
    private readonly logger: Logger,
  ) {}

  async send(message: MailMessage): Promise<void> {
    assertSendable(message);
    const written = this.mailbox.write(message);
    this.writing.add(written);
    try {
      await written;
      this.logger.info(mailLogFields(message), 'mail: kept in the demo mailbox (see /demo/mailbox)');
    } finally {
      this.writing.delete(written);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.writing]);
  }
}

/** The mailbox behind this mailer, or null when mail goes out over SMTP or nowhere. */
export function mailboxOf(mailer: Mailer): Mailbox | null {
  return mailer instanceof MailboxMailer ? mailer.mailbox : null;
}

import type { Logger } from 'pino';
import { TesseraError } from '../errors.js';
import { mailLogFields } from './log-fields.js';
import type { Mailer, MailMessage } from './mailer.js';
import { assertSendable } from './sendable.js';
import { DeliveryError, type MailTransport } from './transport.js';

/** Waits before the second, third and fourth attempt: four attempts in all, over about half a minute. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 25_000];

export interface OutboxOptions {
  transport: MailTransport;
  logger: Logger;
  /** One wait per retry after a transient failure (tests pass short ones). */
  retryDelaysMs?: readonly number[];
  /** Mails waiting or being sent at most; beyond it `send` is UNAVAILABLE. */
  maxQueued?: number;
  /** Deliveries under way at once. */
  concurrency?: number;
  /** How long `close()` waits for the queue before it drops what is left (with a warning). */
  closeTimeoutMs?: number;
}

interface Job {
  message: MailMessage;
  /** Attempts made so far. */
  attempts: number;
}

/**
 * The mailer over a transport (SMTP): `send` checks the mail and queues it at once, off the
 * request path; deliveries run in the background, a transient failure (4xx, a lost connection)
 * is retried after each of `retryDelaysMs`, a permanent one (5xx) is given up with a warning.
 * Logs carry the kind, tenant, a hash of the recipient, the attempt and the SMTP reply code only.
 */
export class Outbox implements Mailer {
  readonly available = true;
  private readonly transport: MailTransport;
  private readonly logger: Logger;
  private readonly retryDelaysMs: readonly number[];
  private readonly maxQueued: number;
  private readonly concurrency: number;
  private readonly closeTimeoutMs: number;
  private readonly ready: Job[] = [];
  private readonly backingOff = new Map<NodeJS.Timeout, Job>();
  private sending = 0;
  private idleWaiters: Array<() => void> = [];
  private closing: Promise<void> | null = null;
  private stopped = false;

  constructor(options: OutboxOptions) {
    this.transport = options.transport;
    this.logger = options.logger;
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.concurrency = options.concurrency ?? 3;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  }

  /** Mails not yet delivered or given up: waiting, backing off, or being sent. */
  get pending(): number {
    return this.ready.length + this.backingOff.size + this.sending;
  }

  async send(message: MailMessage): Promise<void> {
    if (this.closing) throw new TesseraError('UNAVAILABLE', 'the server is shutting down and sends no more mail');
    assertSendable(message);
    if (this.pending >= this.maxQueued) {
      this.logger.warn({ ...mailLogFields(message), pending: this.pending }, 'mail: queue full, mail refused');
      throw new TesseraError('UNAVAILABLE', 'too much mail is waiting to be sent; try again later', { retryAfterMs: 30_000 });
    }
    this.ready.push({ message: { ...message }, attempts: 0 });
    this.pump();
  }

  /** Waits (up to `closeTimeoutMs`) until every queued mail is delivered or given up, then closes the transport. */
  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    const idle = new Promise<boolean>((resolve) => {
      if (this.pending === 0) resolve(true);
      else this.idleWaiters.push(() => resolve(true));
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.closeTimeoutMs);
    });
    const drained = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    this.stopped = true;
    if (!drained) {
      for (const waiting of this.backingOff.keys()) clearTimeout(waiting);
      this.logger.warn({ undelivered: this.pending }, 'mail: closed before every queued mail was sent');
      this.backingOff.clear();
      this.ready.length = 0;
    }
    await this.transport.close();
  }

  private pump(): void {
    while (!this.stopped && this.sending < this.concurrency && this.ready.length > 0) {
      void this.attempt(this.ready.shift()!);
    }
  }

  private async attempt(job: Job): Promise<void> {
    this.sending++;
    job.attempts++;
    const fields = { ...mailLogFields(job.message), attempt: job.attempts };
    try {
      const delivered = await this.transport.deliver(job.message);
      this.logger.info({ ...fields, responseCode: delivered.responseCode }, 'mail: delivered');
    } catch (error) {
      this.failed(job, fields, error instanceof DeliveryError ? error : new DeliveryError(true));
    } finally {
      this.sending--;
      this.pump();
      this.notifyIfIdle();
    }
  }

  private failed(job: Job, fields: object, failure: DeliveryError): void {
    const codes = { responseCode: failure.responseCode, errorCode: failure.errorCode };
    const delayMs = this.retryDelaysMs[job.attempts - 1];
    if (failure.transient && delayMs !== undefined && !this.stopped) {
      this.logger.warn({ ...fields, ...codes, retryInMs: delayMs }, 'mail: delivery failed, will retry');
      const timer = setTimeout(() => {
        this.backingOff.delete(timer);
        this.ready.push(job);
        this.pump();
      }, delayMs);
      timer.unref();
      this.backingOff.set(timer, job);
      return;
    }
    this.logger.warn({ ...fields, ...codes, permanent: !failure.transient }, 'mail: not delivered, giving up');
  }

  private notifyIfIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

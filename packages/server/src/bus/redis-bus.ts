import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Bus, BusEvent } from './bus.js';

export const DEFAULT_CHANNEL = 'tessera:events';
/** Events kept for re-publishing while Redis is unreachable; older ones are dropped (nodes re-check anyway). */
const OUTBOX_LIMIT = 10_000;
const PING_INTERVAL_MS = 2_000;
const PING_TIMEOUT_MS = 3_000;

interface Envelope {
  from: string;
  event: BusEvent;
}

export interface RedisBusOptions {
  /** The connection for PUBLISH (shared with rate limits); it must not queue commands while offline. */
  publisher: Redis;
  /** A connection of its own: once subscribed, Redis allows it nothing else. */
  subscriber: Redis;
  logger: Logger;
  channel?: string;
}

/**
 * The bus over Redis pub/sub. A publish reaches this node's subscribers at once (in
 * process) and every other node's through the channel. While the subscription is
 * down the bus says it is not `reliable`; when it is back it says so again, and its
 * listeners drop what they cached, since events may have been missed in between.
 * Events this node could not publish are kept and sent once Redis is back.
 */
export class RedisBus implements Bus {
  private readonly nodeId = randomUUID();
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly logger: Logger;
  private readonly handlers = new Set<(event: BusEvent) => void>();
  private readonly reliabilityHandlers = new Set<(reliable: boolean) => void>();
  private readonly outbox: string[] = [];
  private readonly pinger: NodeJS.Timeout;
  private subscribed = false;
  private closed = false;

  constructor(options: RedisBusOptions) {
    this.channel = options.channel ?? DEFAULT_CHANNEL;
    this.publisher = options.publisher;
    this.subscriber = options.subscriber;
    this.logger = options.logger;

    this.subscriber.on('ready', () => void this.resubscribe());
    for (const event of ['close', 'end', 'reconnecting'] as const) this.subscriber.on(event, () => this.setSubscribed(false));
    this.subscriber.on('error', (error: Error) => this.logger.debug({ err: error }, 'redis subscriber error'));
    this.subscriber.on('message', (channel: string, raw: string) => {
      if (channel === this.channel) this.receive(raw);
    });
    this.publisher.on('ready', () => void this.flushOutbox());
    if (this.subscriber.status === 'ready') void this.resubscribe();

    // A connection can die without a FIN (a partition): a ping that goes unanswered forces a reconnect.
    this.pinger = setInterval(() => this.checkSubscriber(), PING_INTERVAL_MS);
    this.pinger.unref();
  }

  get reliable(): boolean {
    return this.subscribed;
  }

  /** Resolves once subscribed, or after `timeoutMs` (the node then starts degraded and catches up later). */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.subscribed && !this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.subscribed;
  }

  async publish(event: BusEvent): Promise<void> {
    this.deliver(event);
    const payload = JSON.stringify({ from: this.nodeId, event } satisfies Envelope);
    try {
      await this.publisher.publish(this.channel, payload);
    } catch (error) {
      this.keep(payload);
      this.logger.warn(
        { err: error, event: event.type },
        'redis unreachable: event kept for re-publishing; other nodes re-check sessions against the database',
      );
    }
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onReliabilityChange(handler: (reliable: boolean) => void): () => void {
    this.reliabilityHandlers.add(handler);
    return () => this.reliabilityHandlers.delete(handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pinger);
    this.handlers.clear();
    this.reliabilityHandlers.clear();
    this.subscribed = false;
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  private async resubscribe(): Promise<void> {
    if (this.closed) return;
    try {
      await this.subscriber.subscribe(this.channel);
      this.setSubscribed(true);
    } catch (error) {
      this.logger.debug({ err: error }, 'redis subscribe failed; retrying on reconnect');
    }
  }

  private setSubscribed(subscribed: boolean): void {
    if (this.closed || this.subscribed === subscribed) return;
    this.subscribed = subscribed;
    if (subscribed) {
      this.logger.info({ channel: this.channel }, 'redis bus subscribed: cross-node events flow');
      void this.flushOutbox();
    } else
      this.logger.warn('redis bus disconnected: cross-node events may be missed; session state is read from the database until it returns');
    for (const handler of this.reliabilityHandlers) {
      try {
        handler(subscribed);
      } catch (error) {
        this.logger.error({ err: error }, 'bus reliability handler failed');
      }
    }
  }

  private receive(raw: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if (envelope.from === this.nodeId || typeof envelope.event?.type !== 'string') return;
    this.deliver(envelope.event);
  }

  private deliver(event: BusEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (error) {
        this.logger.error({ err: error, event: event.type }, 'bus handler failed');
      }
    }
  }

  private keep(payload: string): void {
    this.outbox.push(payload);
    if (this.outbox.length > OUTBOX_LIMIT) this.outbox.shift();
  }

  private async flushOutbox(): Promise<void> {
    while (this.outbox.length > 0 && !this.closed) {
      const payload = this.outbox[0]!;
      try {
        await this.publisher.publish(this.channel, payload);
        this.outbox.shift();
      } catch {
        return;
      }
    }
  }

  private checkSubscriber(): void {
    if (!this.subscribed || this.subscriber.status !== 'ready') return;
    const timer = setTimeout(() => {
      this.logger.warn('redis subscriber unresponsive: reconnecting');
      this.setSubscribed(false);
      this.subscriber.disconnect(true);
    }, PING_TIMEOUT_MS);
    timer.unref();
    this.subscriber.ping().then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
  }
}

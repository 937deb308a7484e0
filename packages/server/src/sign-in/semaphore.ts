import { TesseraError } from '../errors.js';

export interface SemaphoreOptions {
  /** Tasks running at once. */
  concurrency: number;
  /** Tasks allowed to wait; one more is refused with `RATE_LIMITED`. */
  maxQueue: number;
  /** What the refusal is about, for its message. Default "work". */
  name?: string;
}

/**
 * A counting semaphore with a bounded FIFO queue: at most `concurrency` tasks run,
 * at most `maxQueue` wait, and the rest are refused at once with `RATE_LIMITED` and
 * an estimate of when a slot frees up (from the average run time seen so far).
 */
export class Semaphore {
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly name: string;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** Exponentially weighted average of task durations, for `retryAfterMs`. */
  private averageMs = 50;

  constructor(options: SemaphoreOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new TypeError('concurrency must be a positive integer');
    }
    if (!Number.isInteger(options.maxQueue) || options.maxQueue < 0) {
      throw new TypeError('maxQueue must be a non-negative integer');
    }
    this.concurrency = options.concurrency;
    this.maxQueue = options.maxQueue;
    this.name = options.name ?? 'work';
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `task` when a slot is free; refuses at once when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) {
        const retryAfterMs = Math.max(1, Math.ceil(((this.waiting.length + this.concurrency) / this.concurrency) * this.averageMs));
        throw new TesseraError('RATE_LIMITED', `too much ${this.name} at once, try again shortly`, { retryAfterMs });
      }
      // The slot is handed over by release(): `running` is not decremented in between.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    const started = performance.now();
    try {
      return await task();
    } finally {
      this.averageMs = this.averageMs * 0.8 + (performance.now() - started) * 0.2;
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

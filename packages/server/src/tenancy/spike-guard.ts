import type { Clock } from '../clock.js';

export interface SpikeGuardOptions {
  /** A minute is a spike when its count exceeds max(factor × baseline, floorPerMinute). */
  factor: number;
  /** Below this many requests in a minute nothing is ever a spike. */
  floorPerMinute: number;
  /** Minutes of history (since the key's first request on this node) before spikes are judged. */
  warmupMinutes: number;
  /** Weight of the newest minute in the baseline (an exponentially weighted moving average). */
  smoothing: number;
  /** How long a key that spiked is refused. */
  throttleSeconds: number;
}

export const DEFAULT_SPIKE_GUARD: SpikeGuardOptions = {
  factor: 10,
  floorPerMinute: 120,
  warmupMinutes: 10,
  smoothing: 0.2,
  throttleSeconds: 300,
};

export type SpikeVerdict =
  | { allowed: true }
  /** `started`: this request is the one that tripped the guard (audit it once). */
  | { allowed: false; retryAfterMs: number; started: boolean; count: number; baseline: number; threshold: number };

interface KeyRate {
  minute: number;
  count: number;
  baseline: number;
  minutesSeen: number;
  throttledUntil: number;
}

/** Entries of keys quiet for this long are dropped. */
const FORGET_AFTER_MINUTES = 24 * 60;
const MAX_TRACKED_KEYS = 100_000;

/**
 * The compromised-key alarm: learns each key's own per-minute request rate (an EWMA
 * of whole minutes) and throttles a key whose current minute jumps far above it.
 * Spikes are folded into the baseline only up to the threshold, so an attacker
 * cannot teach the guard a higher rate by bursting. Per node, in memory; time comes
 * from the injected clock.
 */
export class SpikeGuard {
  private readonly rates = new Map<string, KeyRate>();

  constructor(
    private readonly clock: Clock,
    private readonly options: SpikeGuardOptions = DEFAULT_SPIKE_GUARD,
  ) {
    if (!(options.factor > 1)) throw new TypeError('spike guard factor must be > 1');
    if (!(options.smoothing > 0 && options.smoothing <= 1)) throw new TypeError('spike guard smoothing must be in (0, 1]');
  }

  /** Counts one request of `keyId` and says whether it may proceed. */
  hit(keyId: string): SpikeVerdict {
    const now = this.clock.now();
    const minute = Math.floor(now / 60_000);
    let rate = this.rates.get(keyId);
    if (!rate || minute - rate.minute > FORGET_AFTER_MINUTES) {
      if (!rate && this.rates.size >= MAX_TRACKED_KEYS) this.rates.delete(this.rates.keys().next().value as string);
      rate = { minute, count: 0, baseline: 0, minutesSeen: 0, throttledUntil: 0 };
      this.rates.set(keyId, rate);
    } else if (minute > rate.minute) {
      this.roll(rate, minute);
    }
    if (rate.throttledUntil > now) {
      return {
        allowed: false,
        retryAfterMs: rate.throttledUntil - now,
        started: false,
        count: rate.count,
        baseline: rate.baseline,
        threshold: this.threshold(rate),
      };
    }
    rate.count += 1;
    const threshold = this.threshold(rate);
    if (rate.minutesSeen >= this.options.warmupMinutes && rate.count > threshold) {
      rate.throttledUntil = now + this.options.throttleSeconds * 1000;
      return {
        allowed: false,
        retryAfterMs: rate.throttledUntil - now,
        started: true,
        count: rate.count,
        baseline: rate.baseline,
        threshold,
      };
    }
    return { allowed: true };
  }

  private threshold(rate: KeyRate): number {
    return Math.max(this.options.factor * rate.baseline, this.options.floorPerMinute);
  }

  /** Folds the finished minute (capped at the threshold) and any idle minutes into the baseline. */
  private roll(rate: KeyRate, minute: number): void {
    const { smoothing } = this.options;
    const finished = Math.min(rate.count, this.threshold(rate));
    rate.baseline = rate.minutesSeen === 0 ? finished : smoothing * finished + (1 - smoothing) * rate.baseline;
    const idle = minute - rate.minute - 1;
    if (idle > 0) rate.baseline *= (1 - smoothing) ** idle;
    rate.minutesSeen += minute - rate.minute;
    rate.minute = minute;
    rate.count = 0;
  }
}

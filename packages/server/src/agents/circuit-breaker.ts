import type { Clock } from '../clock.js';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit fails fast before it lets one trial call through. */
  coolDownMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerOptions = { failureThreshold: 5, coolDownMs: 10_000 };

/** A call the breaker let through: report how it ended, exactly once. */
export interface CircuitPass {
  succeeded(): void;
  failed(): void;
  /** It ended neither way (the caller stopped it): the circuit stays as it was. */
  abandoned(): void;
}

interface Circuit {
  failures: number;
  /** When the circuit opened; null while closed. */
  openedAt: number | null;
  /** A half-open circuit's one trial call is in flight. */
  trying: boolean;
}

/**
 * A circuit breaker per key (a tenant), in this node's memory: after `failureThreshold`
 * consecutive failures calls fail fast for `coolDownMs`; then one trial call goes through
 * (half-open), and its success closes the circuit while its failure opens it again.
 */
export class CircuitBreaker {
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly clock: Clock,
    private readonly options: CircuitBreakerOptions = DEFAULT_CIRCUIT_BREAKER,
  ) {}

  /** A pass for one call, or null: the circuit is open and the call must fail fast. */
  pass(key: string): CircuitPass | null {
    const circuit = this.circuits.get(key);
    if (circuit?.openedAt != null) {
      if (circuit.trying || this.clock.now() - circuit.openedAt < this.options.coolDownMs) return null;
      circuit.trying = true;
      return this.passFor(key, true);
    }
    return this.passFor(key, false);
  }

  /** Whether calls for `key` fail fast right now. */
  isOpen(key: string): boolean {
    const circuit = this.circuits.get(key);
    return circuit?.openedAt != null && (circuit.trying || this.clock.now() - circuit.openedAt < this.options.coolDownMs);
  }

  private passFor(key: string, trial: boolean): CircuitPass {
    let reported = false;
    const report = (outcome: 'succeeded' | 'failed' | 'abandoned') => {
      if (reported) return;
      reported = true;
      this.settle(key, trial, outcome);
    };
    return {
      succeeded: () => report('succeeded'),
      failed: () => report('failed'),
      abandoned: () => report('abandoned'),
    };
  }

  private settle(key: string, trial: boolean, outcome: 'succeeded' | 'failed' | 'abandoned'): void {
    const circuit = this.circuits.get(key) ?? { failures: 0, openedAt: null, trying: false };
    if (trial) circuit.trying = false;
    if (outcome === 'succeeded') {
      this.circuits.delete(key);
      return;
    }
    if (outcome === 'failed') {
      circuit.failures += 1;
      // A failed trial opens the circuit again, for a whole new cool-down.
      if (trial || circuit.failures >= this.options.failureThreshold) circuit.openedAt = this.clock.now();
    }
    if (circuit.failures === 0 && circuit.openedAt === null) this.circuits.delete(key);
    else this.circuits.set(key, circuit);
  }
}

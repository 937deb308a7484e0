import type { Clock } from '../../src/clock.js';

interface Timer {
  id: number;
  atMs: number;
  callback: () => void;
}

/** A clock whose time only moves when the test says so. */
export class FakeClock implements Clock {
  private timers: Timer[] = [];
  private nextId = 1;
  /** Every delay ever scheduled, in order. */
  readonly delays: number[] = [];

  constructor(private nowMs = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.nowMs;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.delays.push(delayMs);
    this.timers.push({ id, atMs: this.nowMs + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward, firing due timers in order and letting promises settle in between. */
  async advance(ms: number): Promise<void> {
    const targetMs = this.nowMs + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((timer) => timer.atMs <= targetMs).sort((a, b) => a.atMs - b.atMs || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.nowMs = due.atMs;
      due.callback();
      await settle();
    }
    this.nowMs = targetMs;
    await settle();
  }

  /** Time jumps without timers firing: a device asleep. */
  jump(ms: number): void {
    this.nowMs += ms;
  }
}

/** Lets pending promise chains (and fetch fakes) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

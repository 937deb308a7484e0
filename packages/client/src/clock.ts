/** Time and timers, injected so tests control them (never patched). */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `delayMs`, or at once when `wake()` is called. */
export function sleep(clock: Clock, delayMs: number): { done: Promise<void>; wake: () => void } {
  let wake!: () => void;
  const done = new Promise<void>((resolve) => {
    const handle = clock.setTimeout(resolve, delayMs);
    wake = () => {
      clock.clearTimeout(handle);
      resolve();
    };
  });
  return { done, wake };
}

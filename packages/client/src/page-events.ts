/**
 * Moments the page may have slept through something: it became visible again
 * (`visible`), the network came back (`online`), it was restored from the
 * back/forward cache (`pageshow`).
 */
export type PageWake = 'visible' | 'online' | 'pageshow';

/** True while the page is in the background (never outside a browser). */
export function isPageHidden(): boolean {
  return (globalThis as { document?: Document }).document?.visibilityState === 'hidden';
}

/** Calls `listener` on each of `wakes`; returns the unsubscribe. A no-op outside a browser. */
export function onPageWake(wakes: readonly PageWake[], listener: () => void): () => void {
  const target = globalThis as unknown as Partial<EventTarget>;
  const doc = (globalThis as { document?: Document }).document;
  const undo: Array<() => void> = [];
  if (wakes.includes('visible')) {
    const onVisibility = () => {
      if (!isPageHidden()) listener();
    };
    doc?.addEventListener('visibilitychange', onVisibility);
    undo.push(() => doc?.removeEventListener('visibilitychange', onVisibility));
  }
  for (const type of ['online', 'pageshow'] as const) {
    if (!wakes.includes(type)) continue;
    target.addEventListener?.(type, listener);
    undo.push(() => target.removeEventListener?.(type, listener));
  }
  return () => {
    for (const run of undo.splice(0)) run();
  };
}

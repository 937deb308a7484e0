import type { SignInFlowCredentials } from '@tessera/client';
import { readTabValue, writeTabValue } from './tab-storage.js';

/** A sign-in flow this tab started and has not redeemed yet, with when it stops being redeemable. */
export interface PendingFlow extends SignInFlowCredentials {
  /** Epoch ms, server clock. */
  expiresAt: number;
}

export interface PendingFlowMemory {
  /** The flow kept by this tab, unless it has expired (then it is dropped). */
  read(): PendingFlow | null;
  keep(flow: PendingFlow): void;
  forget(): void;
}

/**
 * The flow in this tab's sessionStorage, so that it survives the page going to the provider
 * and back (redirect mode) or a reload while the popup is open. It expires with the flow, and
 * is forgotten before it is redeemed: it is never redeemed twice.
 */
export function createPendingFlowMemory(tesseraUrl: string, now: () => number): PendingFlowMemory {
  const key = `tessera.widget.flow:${tesseraUrl}`;
  const forget = () => writeTabValue(key, null);
  return {
    read() {
      const text = readTabValue(key);
      if (!text) return null;
      try {
        const { flowId, flowSecret, expiresAt } = JSON.parse(text) as Partial<PendingFlow>;
        if (typeof flowId === 'string' && typeof flowSecret === 'string' && typeof expiresAt === 'number' && expiresAt > now()) {
          return { flowId, flowSecret, expiresAt };
        }
      } catch {
        // not ours, or damaged: dropped below
      }
      forget();
      return null;
    },
    keep: ({ flowId, flowSecret, expiresAt }) => writeTabValue(key, JSON.stringify({ flowId, flowSecret, expiresAt })),
    forget,
  };
}

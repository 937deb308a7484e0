import { TesseraError } from './errors.js';
import type { HandshakeFailure } from './socket.js';

/** How `ws` ("Unexpected server response: 403") and React Native ("... 403 Forbidden") name a refused upgrade. */
const FORBIDDEN_STATUS = /\b403\b/;

/**
 * Whether a socket whose handshake failed was refused for good: the server does not allow this
 * page's origin (HTTP 403 on the upgrade), which no retry can change. Browsers hide the upgrade's
 * status, so `probe` asks over HTTP with the same credentials (the same origin rule guards it);
 * `ws` and React Native name the status in the error event. Null for anything else (no network,
 * a restart): those are retried.
 */
export async function originRefusalOf(failure: HandshakeFailure, probe: () => Promise<unknown>): Promise<TesseraError | null> {
  try {
    await probe();
  } catch (error) {
    if (error instanceof TesseraError && error.code === 'ORIGIN_NOT_ALLOWED') return error;
  }
  if (failure.message !== undefined && FORBIDDEN_STATUS.test(failure.message)) {
    return new TesseraError('ORIGIN_NOT_ALLOWED', 'the server refused the socket from this origin (HTTP 403)', { status: 403 });
  }
  return null;
}

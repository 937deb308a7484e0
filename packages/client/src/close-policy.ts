import { CLOSE } from '@tessera/protocol';

/**
 * What the client does when the server closes its socket:
 * - `refresh`: the access token expired (4001): refresh, then reconnect
 * - `newer-token`: the session's auth changed (4002): reconnect with the newer token, refreshing first if we have none
 * - `stop`: invalid or revoked (1008): clear the tokens and stop
 * - `closed`: normal close (1000, logout): stop
 * - `reconnect`: anything else (1012 restart, 1006 network, 1011, ...): reconnect with backoff
 */
export type CloseAction = 'refresh' | 'newer-token' | 'stop' | 'closed' | 'reconnect';

export function closeAction(code: number): CloseAction {
  switch (code) {
    case CLOSE.TOKEN_EXPIRED:
      return 'refresh';
    case CLOSE.AUTH_CHANGED:
      return 'newer-token';
    case CLOSE.POLICY_VIOLATION:
      return 'stop';
    case CLOSE.NORMAL:
      return 'closed';
    default:
      return 'reconnect';
  }
}

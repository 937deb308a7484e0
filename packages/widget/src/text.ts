import type { ConnectionState } from '@tessera/client';

/** What the widget says to people. Codes stay for programs; these are for humans. */
export const STATE_TEXT: Record<ConnectionState, string> = {
  disconnected: 'Offline',
  connecting: 'Connecting…',
  connected: 'Online',
  reconnecting: 'Reconnecting…',
  closed: 'Not connected',
};

export function errorText(error: unknown): string {
  const { code, retryAfterMs } = (error ?? {}) as { code?: string; retryAfterMs?: number };
  switch (code) {
    case 'RATE_LIMITED': {
      const seconds = Math.max(1, Math.ceil((retryAfterMs ?? 0) / 1000));
      return retryAfterMs
        ? `You're sending messages too quickly. Please wait ${seconds} second${seconds === 1 ? '' : 's'} and try again.`
        : "You're sending messages too quickly. Please wait a moment and try again.";
    }
    case 'PAYLOAD_TOO_LARGE':
      return 'That message is too long. Please shorten it.';
    case 'INVALID_CREDENTIALS':
      return 'That email and password did not match an account.';
    case 'ORIGIN_NOT_ALLOWED':
      return 'This chat is not enabled on this website.';
    case 'SESSION_REVOKED':
    case 'INVALID_TOKEN':
    case 'REFRESH_TOKEN_REUSED':
    case 'TOKEN_EXPIRED':
    case 'UNAUTHENTICATED':
      return 'Your chat session has ended.';
    case 'NETWORK_ERROR':
    case 'TIMEOUT':
      return "Can't reach the chat service right now. Retrying…";
    case 'UNAVAILABLE':
      return 'The chat service is restarting. Retrying…';
    case 'CONFLICT':
      return 'This chat is already signed in as someone else. Sign out first.';
    case 'FORBIDDEN':
      return 'Sign-in is not available here.';
    case 'BAD_REQUEST':
      return "The chat service didn't accept that. Please check and try again.";
    case 'AGENT_UNAVAILABLE':
      return "The assistant couldn't answer that just now. Please try again.";
    case 'AGENT_TIMEOUT':
      return 'The assistant took too long to answer. Please try again.';
    case 'FLOW_DENIED':
      return 'Sign-in was cancelled.';
    case 'FLOW_EXPIRED':
      return 'That sign-in expired. Please try again.';
    case 'CLIENT_CLOSED':
      return 'The chat was closed before that was sent.';
    default:
      return 'Something went wrong. Please try again.';
  }
}

/** Failures the widget recovers from by itself, shown only as the connection state. */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'NETWORK_ERROR' || code === 'TIMEOUT' || code === 'UNAVAILABLE' || code === 'CLIENT_CLOSED';
}

export function formatDate(epochMs: number): string {
  try {
    return new Date(epochMs).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  } catch {
    return new Date(epochMs).toISOString();
  }
}

/**
 * How a failed HTTP exchange with an agent backend is reported (undici's error codes and
 * Node's socket errors): a timeout is AGENT_TIMEOUT, anything else AGENT_UNAVAILABLE.
 */
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Failures that happen before a request reaches the agent, or as its connection breaks: worth one retry. */
const CONNECTION_FAILURES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isTimeout(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && TIMEOUTS.has(code);
}

/** The connection failed (refused, reset, closed) before any answer came: the request may be sent again. */
export function isConnectionFailure(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && CONNECTION_FAILURES.has(code);
}

/** A short, non-secret description for logs: the error's code, never its message (it may quote a URL). */
export function failureCode(error: unknown): string {
  return codeOf(error) ?? (error instanceof Error ? error.name : 'unknown');
}

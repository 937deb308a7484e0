/** WebSocket close codes of the contract. */
export const CLOSE = {
  NORMAL: 1000,
  UNSUPPORTED_DATA: 1003,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TOKEN_EXPIRED: 4001,
  AUTH_CHANGED: 4002,
} as const;

export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];

/** The subprotocol every Tessera socket speaks; the token rides as `bearer.<token>`. */
export const SUBPROTOCOL = 'tessera.v1';
export const BEARER_PROTOCOL_PREFIX = 'bearer.';

/** Largest frame a client may send, in bytes. */
export const MAX_FRAME_BYTES = 64 * 1024;

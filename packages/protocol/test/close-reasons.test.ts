import { describe, expect, it } from 'vitest';
import { CLOSE, CLOSE_REASONS, closeCodeOf, ERROR_CODES } from '../src/index.js';

describe('close reasons', () => {
  it('gives each reason the close code of the contract', () => {
    expect(closeCodeOf('LOGGED_OUT')).toBe(CLOSE.NORMAL);
    expect(closeCodeOf('AUTH_CHANGED')).toBe(4002);
    expect(closeCodeOf('TOKEN_EXPIRED')).toBe(4001);
    expect(closeCodeOf('SESSION_REVOKED')).toBe(1008);
    expect(closeCodeOf('UNSUPPORTED_DATA')).toBe(1003);
    expect(closeCodeOf('UNAVAILABLE')).toBe(1012);
  });

  it('closes a refused handshake with 1008 for an error an open socket answers with a frame', () => {
    expect(ERROR_CODES.INVALID_API_KEY.ws).toBeNull();
    expect(closeCodeOf('INVALID_API_KEY')).toBe(CLOSE.POLICY_VIOLATION);
  });

  it('answers a bad frame with an error frame, not a close (what the gateway does)', () => {
    expect(ERROR_CODES.BAD_REQUEST.ws).toBeNull();
  });

  it('declares no reason twice: a close reason is never also an error code', () => {
    for (const reason of Object.keys(CLOSE_REASONS)) expect(Object.hasOwn(ERROR_CODES, reason)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../src/backoff.js';
import { closeAction } from '../src/close-policy.js';
import { createConnectionState, type StateChange } from '../src/connection.js';
import { decodeJwtPayload } from '../src/jwt.js';
import { makeAccessToken } from './support/tokens.js';

describe('connection state machine', () => {
  it('goes through one transition function and refuses impossible moves', () => {
    const changes: StateChange[] = [];
    const machine = createConnectionState((change) => changes.push(change));
    expect(machine.state).toBe('disconnected');
    machine.transition('connecting');
    machine.transition('connected');
    machine.transition('reconnecting', '1012');
    expect(machine.transition('reconnecting')).toBe(false);
    machine.transition('connected');
    machine.transition('closed', 'logout');
    expect(() => machine.transition('connected')).toThrow(/closed -> connected/);
    machine.transition('connecting');
    expect(changes.map((c) => `${c.previous}>${c.state}`)).toEqual([
      'disconnected>connecting',
      'connecting>connected',
      'connected>reconnecting',
      'reconnecting>connected',
      'connected>closed',
      'closed>connecting',
    ]);
    expect(changes[2]!.reason).toBe('1012');
  });

  it('maps every close code of the contract to an action', () => {
    expect(closeAction(4001)).toBe('refresh');
    expect(closeAction(4002)).toBe('newer-token');
    expect(closeAction(1008)).toBe('stop');
    expect(closeAction(1000)).toBe('closed');
    for (const code of [1012, 1006, 1011, 1001, 4000]) expect(closeAction(code)).toBe('reconnect');
  });
});

describe('backoff', () => {
  it('is full jitter: uniform below min(cap, base * 2^attempt)', () => {
    const options = { minDelayMs: 500, maxDelayMs: 20_000 };
    const ceilings = Array.from({ length: 10 }, (_, attempt) => backoffDelayMs(attempt, { ...options, random: () => 0.999_999 }));
    expect(ceilings).toEqual([499, 999, 1999, 3999, 7999, 15_999, 19_999, 19_999, 19_999, 19_999]);
    expect(backoffDelayMs(3, { ...options, random: () => 0 })).toBe(0);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelayMs(i % 12, options);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(20_000, 500 * 2 ** (i % 12)));
    }
    expect(backoffDelayMs(1e6, { ...options, random: () => 0.5 })).toBe(10_000);
  });
});

describe('jwt payload', () => {
  it('reads claims (unicode included) without verifying, and rejects junk', () => {
    const token = makeAccessToken({ sub: 'usr_1', custom: { name: 'Zoë 👋' } });
    expect(decodeJwtPayload(token)).toMatchObject({ sub: 'usr_1', custom: { name: 'Zoë 👋' } });
    expect(decodeJwtPayload('nope')).toBeNull();
    expect(decodeJwtPayload('a.%%%.c')).toBeNull();
  });
});

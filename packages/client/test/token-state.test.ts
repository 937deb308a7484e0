import { describe, expect, it } from 'vitest';
import { INITIAL_TOKEN_SNAPSHOT, isNewerPair, nextTokenSnapshot, refreshDueAtMs, type TokenEvent } from '../src/token-state.js';
import { makePair } from './support/tokens.js';

const NOW = Date.UTC(2026, 0, 1);
const run = (...events: TokenEvent[]) => events.reduce(nextTokenSnapshot, INITIAL_TOKEN_SNAPSHOT);

describe('token state (pure transitions)', () => {
  it('a pair makes it valid; a refresh moves through refreshing and retrying and settles on what it holds', () => {
    const pair = makePair(NOW);
    const taken = run({ type: 'tokens', tokens: pair, source: 'provider', nowMs: NOW });
    expect(taken).toMatchObject({ state: 'valid', pair, offsetKnown: true });
    expect(refreshDueAtMs(taken, 5 * 60_000)).toBe(pair.expiresAt - 5 * 60_000 - taken.offsetMs);
    const retrying = [{ type: 'refreshing' }, { type: 'retrying' }].reduce(nextTokenSnapshot, taken);
    expect(retrying.state).toBe('retrying');
    expect(nextTokenSnapshot(retrying, { type: 'settled' }).state).toBe('valid');
    expect(nextTokenSnapshot(nextTokenSnapshot(retrying, { type: 'ended' }), { type: 'settled' }).state).toBe('empty');
  });

  it('a failed round delays the next until a check; clear keeps a refresh in flight in its state', () => {
    const taken = run({ type: 'tokens', tokens: makePair(NOW), source: 'server', nowMs: NOW });
    const failed = nextTokenSnapshot(taken, { type: 'round-failed', retryAtMs: NOW + 60 * 60_000 });
    expect(refreshDueAtMs(failed, 5 * 60_000)).toBe(NOW + 60 * 60_000);
    expect(refreshDueAtMs(nextTokenSnapshot(failed, { type: 'check' }), 5 * 60_000)).toBe(refreshDueAtMs(taken, 5 * 60_000));
    const refreshing = nextTokenSnapshot(taken, { type: 'refreshing' });
    expect(nextTokenSnapshot(refreshing, { type: 'cleared', refreshInFlight: true })).toMatchObject({ state: 'refreshing', pair: null });
    expect(nextTokenSnapshot(taken, { type: 'cleared', refreshInFlight: false })).toMatchObject({ state: 'empty', pair: null });
  });

  it('adopts only a newer pair of the same session', () => {
    const held = makePair(NOW);
    expect(isNewerPair(makePair(NOW + 60_000), held)).toBe(true);
    expect(isNewerPair(makePair(NOW + 60_000, 15 * 60_000, { sid: 'sess_2' }), held)).toBe(false);
    expect(isNewerPair(makePair(NOW - 60_000), held)).toBe(false);
    expect(isNewerPair(held, held)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { createAsyncStorage } from '../src/storage/async-storage.js';
import { createCookieStorage } from '../src/storage/cookie-storage.js';
import { createMemoryStorage } from '../src/storage/memory-storage.js';
import { createLocalStorage, createSessionStorage } from '../src/storage/web-storage.js';
import { parseTokens } from '../src/storage/token-storage.js';
import { makePair } from './support/tokens.js';

const pair = makePair(Date.UTC(2026, 0, 1));

function mapStorage() {
  const data = new Map<string, string>();
  return {
    data,
    storage: {
      getItem: (key: string) => data.get(key) ?? null,
      setItem: (key: string, value: string) => void data.set(key, value),
      removeItem: (key: string) => void data.delete(key),
    } as unknown as Storage,
  };
}

describe('storage adapters', () => {
  it('memory keeps a copy', async () => {
    const storage = createMemoryStorage();
    await storage.save(pair);
    expect(await storage.load()).toEqual(pair);
    await storage.clear();
    expect(await storage.load()).toBeNull();
  });

  for (const [name, create] of [
    ['localStorage', createLocalStorage],
    ['sessionStorage', createSessionStorage],
  ] as const) {
    it(`${name} stores JSON under its key and survives a broken store`, async () => {
      const { data, storage } = mapStorage();
      const adapter = create({ storage, key: 'app.chat' });
      await adapter.save(pair);
      expect(JSON.parse(data.get('app.chat')!)).toEqual(pair);
      expect(await adapter.load()).toEqual(pair);
      await adapter.clear();
      expect(data.has('app.chat')).toBe(false);

      const throwing = {
        getItem() {
          throw new Error('SecurityError');
        },
        setItem() {
          throw new Error('QuotaExceededError');
        },
        removeItem() {
          throw new Error('SecurityError');
        },
      } as unknown as Storage;
      const broken = create({ storage: throwing });
      expect(() => broken.save(pair)).not.toThrow();
      expect(await broken.load()).toBeNull();
    });
  }

  it('localStorage tells of changes made by other tabs', async () => {
    const { storage } = mapStorage();
    const events = new EventTarget();
    const adapter = createLocalStorage({ storage, events });
    const seen: unknown[] = [];
    const stop = adapter.watch!((tokens) => seen.push(tokens));
    events.dispatchEvent(Object.assign(new Event('storage'), { key: 'tessera.tokens', newValue: JSON.stringify(pair) }));
    events.dispatchEvent(Object.assign(new Event('storage'), { key: 'other', newValue: 'x' }));
    events.dispatchEvent(Object.assign(new Event('storage'), { key: 'tessera.tokens', newValue: null }));
    stop();
    events.dispatchEvent(Object.assign(new Event('storage'), { key: 'tessera.tokens', newValue: JSON.stringify(pair) }));
    expect(seen).toEqual([pair, null]);
  });

  it('async storage works with the AsyncStorage shape', async () => {
    const data = new Map<string, string>();
    const adapter = createAsyncStorage({
      getItem: async (key) => data.get(key) ?? null,
      setItem: async (key, value) => void data.set(key, value),
      removeItem: async (key) => void data.delete(key),
    });
    await adapter.save(pair);
    expect(await adapter.load()).toEqual(pair);
    await adapter.clear();
    expect(await adapter.load()).toBeNull();
  });

  it('async storage works with the SecureStore shape', async () => {
    const data = new Map<string, string>();
    const adapter = createAsyncStorage({
      getItemAsync: async (key) => data.get(key) ?? null,
      setItemAsync: async (key, value) => void data.set(key, value),
      deleteItemAsync: async (key) => void data.delete(key),
    });
    await adapter.save(pair);
    expect([...data.keys()]).toEqual(['tessera.tokens']);
    expect(await adapter.load()).toEqual(pair);
    await adapter.clear();
    expect(data.size).toBe(0);
  });

  it('cookie mode never holds the refresh token', async () => {
    const adapter = createCookieStorage();
    expect(adapter.cookieMode).toBe(true);
    await adapter.save(pair);
    expect(await adapter.load()).toEqual({ accessToken: pair.accessToken, expiresAt: pair.expiresAt });
  });

  it('ignores stored values that are not a token pair', () => {
    expect(parseTokens('not json')).toBeNull();
    expect(parseTokens(JSON.stringify({ accessToken: 1, expiresAt: 'soon' }))).toBeNull();
    expect(parseTokens(null)).toBeNull();
  });
});

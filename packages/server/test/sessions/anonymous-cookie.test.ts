import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AnonymousCookies } from '../../src/sessions/index.js';

describe('AnonymousCookies', () => {
  const cookies = new AnonymousCookies(randomBytes(32));
  const id = 'anon_AbCdEfGhIjKlMnOpQrSt';

  it('opens what it sealed, and nothing else', () => {
    const sealed = cookies.seal(id);
    expect(sealed).toMatch(/^anon_AbCdEfGhIjKlMnOpQrSt\.[A-Za-z0-9_-]{43}$/);
    expect(cookies.open(sealed)).toBe(id);
    const mac = sealed.split('.')[1]!;
    for (const forged of [
      undefined,
      '',
      id,
      `${id}.`,
      `${id}.${'A'.repeat(43)}`,
      `anon_XbCdEfGhIjKlMnOpQrSt.${mac}`,
      `${id}.${mac}x`,
      `${id}.${mac}.${mac}`,
      `usr_AbCdEfGhIjKlMnOpQrSt.${mac}`,
    ]) {
      expect(cookies.open(forged)).toBeUndefined();
    }
  });

  it('a value sealed under another secret is not opened', () => {
    expect(cookies.open(new AnonymousCookies(randomBytes(32)).seal(id))).toBeUndefined();
  });
});

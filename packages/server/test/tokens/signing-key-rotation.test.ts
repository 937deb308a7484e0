import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SigningKeyStore } from '../../src/tokens/index.js';

describe('signing key rotation across processes', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a rotated-in key before it signs, and a running node picks it up from the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
    dirs.push(dir);
    let now = 1_800_000_000_000;
    const clock = { now: () => now };
    const running = await SigningKeyStore.open(dir, clock);
    const original = running.signingKey(now);

    // Another process (the CLI) rotates with a 10-minute activation delay.
    const cli = await SigningKeyStore.open(dir, clock);
    const next = await cli.rotate({ activateAfterMs: 600_000 });

    now += 6_000; // past the reload check interval
    const published = running.published(now, 3_600_000).map((key) => key.kid);
    expect(published).toEqual([original.kid, next.kid]);
    expect(running.signingKey(now).kid).toBe(original.kid);

    now += 600_000;
    expect(running.signingKey(now).kid).toBe(next.kid);
    expect(running.byKid(original.kid, now)).toBeDefined();

    now += 3_600_000;
    expect(running.published(now, 3_600_000).map((key) => key.kid)).toEqual([next.kid]);
  });
});

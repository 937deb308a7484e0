import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A random server secret kept in the data directory (mode 0600), created on first use. */
export function loadServerSecret(dataDir: string, name: string): Buffer {
  const dir = join(dataDir, 'keys');
  const path = join(dir, `${name}.secret`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(path, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
}

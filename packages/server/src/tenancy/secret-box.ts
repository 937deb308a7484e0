import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const SEALED_VERSION = 'v1';

/**
 * Secrets that must be read back (an agent's signing secret, a provider's client secret)
 * are kept sealed with AES-256-GCM under a server secret from the data directory. The
 * `context` (tenant and row) is authenticated too, so a sealed value copied to another
 * row or tenant does not open.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('a secret box key must be 32 bytes');
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${SEALED_VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
  }

  /** The plaintext; throws when `sealed` was not made by this key for this context. */
  open(sealed: string, context: string): string {
    const [version, payload] = sealed.split('.');
    if (version !== SEALED_VERSION || payload === undefined) throw new Error('unknown sealed format');
    const bytes = Buffer.from(payload, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  }
}

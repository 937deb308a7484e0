import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software WebAuthn authenticator for tests, written from the spec (no WebAuthn library): an
 * ES256 key per credential (node:crypto), attestation `none`, `clientDataJSON` and authenticator
 * data built by hand, so tests can change any part of what a browser and authenticator send.
 */

/** A passkey this authenticator holds. */
export interface SoftCredential {
  /** base64url credential id. */
  id: string;
  privateKey: KeyObject;
  /** The COSE_Key of the public key. */
  cosePublicKey: Buffer;
  rpId: string;
  /** base64url user handle (`user.id` of the creation options). */
  userHandle: string;
  /** The signature counter, raised by each assertion. */
  counter: number;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

/** What tests change in a ceremony. */
export interface CeremonyOverrides {
  /** The page's origin, as the browser reports it (default: the authenticator's origin). */
  origin?: string;
  /** The RP ID whose hash goes into authenticator data (default: the options' RP ID, else the credential's). */
  rpId?: string;
  /** The challenge signed (default: the options'). */
  challenge?: string;
  /** `webauthn.create` / `webauthn.get` by default. */
  type?: string;
  /** The UV flag (default true); UP is always set. */
  userVerified?: boolean;
  /** The counter to report (default: the credential's plus one for assertions, 0 at creation). */
  counter?: number;
  /** The user handle to report in an assertion (default: the credential's). */
  userHandle?: string;
  /** Sign with this key instead of the credential's (a forgery). */
  signWith?: KeyObject;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(readonly origin: string) {}

  /**
   * Answers `PublicKeyCredentialCreationOptionsJSON` as `navigator.credentials.create()` would (JSON-encoded):
   * a new credential, or `credential` again (the same key registered twice).
   */
  create(options: CreationOptions, overrides: CeremonyOverrides & { credential?: SoftCredential } = {}) {
    const rpId = overrides.rpId ?? options.rp.id ?? new URL(this.origin).hostname;
    const credential = overrides.credential ?? newCredential(rpId, options.user.id, overrides.counter ?? 0);
    const rawId = Buffer.from(credential.id, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(rawId.length);
    const authData = Buffer.concat([
      authenticatorData(rpId, FLAG_UP | (overrides.userVerified === false ? 0 : FLAG_UV) | FLAG_AT, credential.counter),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      rawId,
      credential.cosePublicKey,
    ]);
    const attestationObject = cbor(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    if (!this.credentials.includes(credential)) this.credentials.push(credential);
    return {
      credential,
      response: {
        id: credential.id,
        rawId: credential.id,
        type: 'public-key' as const,
        response: {
          clientDataJSON: this.clientData('webauthn.create', options.challenge, overrides).toString('base64url'),
          attestationObject: attestationObject.toString('base64url'),
          transports: ['internal'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      },
    };
  }

  /** Answers `PublicKeyCredentialRequestOptionsJSON` with `credential` (default: the newest), as `navigator.credentials.get()` would. */
  get(options: RequestOptions, overrides: CeremonyOverrides & { credential?: SoftCredential } = {}) {
    const credential = overrides.credential ?? this.credentials.at(-1);
    if (!credential) throw new Error('this authenticator holds no passkey');
    credential.counter = overrides.counter ?? credential.counter + 1;
    const rpId = overrides.rpId ?? options.rpId ?? credential.rpId;
    const authData = authenticatorData(rpId, FLAG_UP | (overrides.userVerified === false ? 0 : FLAG_UV), credential.counter);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, overrides);
    const signed = Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]);
    const signature = sign('sha256', signed, overrides.signWith ?? credential.privateKey); // DER, as WebAuthn wants for ES256
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: overrides.userHandle ?? credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private clientData(type: string, challenge: string, overrides: CeremonyOverrides): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: overrides.type ?? type,
        challenge: overrides.challenge ?? challenge,
        origin: overrides.origin ?? this.origin,
        crossOrigin: false,
      }),
    );
  }
}

/** The parts of the creation options an authenticator reads. */
export interface CreationOptions {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
}

export interface RequestOptions {
  challenge: string;
  rpId?: string;
}

/** An ES256 key pair and a random 32-byte id. */
function newCredential(rpId: string, userHandle: string, counter: number): SoftCredential {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const cosePublicKey = cbor(
    new Map<number, unknown>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]),
  );
  return { id: randomBytes(32).toString('base64url'), privateKey, cosePublicKey, rpId, userHandle, counter };
}

/** rpIdHash (32) | flags (1) | signCount (4, big-endian). */
function authenticatorData(rpId: string, flags: number, counter: number): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), count]);
}

/** CBOR (RFC 8949) of the few types WebAuthn needs: integers, byte and text strings, maps. */
function cbor(value: unknown): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Map) {
    const entries = [...value].flatMap(([key, item]) => [cbor(key), cbor(item)]);
    return Buffer.concat([head(5, value.size), ...entries]);
  }
  throw new Error(`cbor: cannot encode ${typeof value}`);
}

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const bytes = Buffer.alloc(5);
  bytes[0] = (major << 5) | 26;
  bytes.writeUInt32BE(length, 1);
  return bytes;
}

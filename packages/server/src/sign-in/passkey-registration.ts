import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newId } from '../ids.js';
import type { Identity, Passkey, Session, Store, User } from '../store/index.js';
import type { Audit, Tenants } from '../tenancy/index.js';
import { passkeySettingsOf } from '../tenancy/passkey-settings.js';
import { PASSKEY_CHALLENGE_TTL_MS, type PasskeyChallenges } from './passkey-challenges.js';
import { passkeyOwner } from './passkey-owner.js';

/** EdDSA, ES256, RS256 (COSE ids): what the options offer and the answer may use. */
const ALGORITHMS = [-8, -7, -257];
const DEFAULT_NAME = 'Passkey';

export interface PasskeyRegistrationDeps {
  store: Store;
  clock: Clock;
  tenants: Tenants;
  audit: Audit;
  challenges: PasskeyChallenges;
}

/** The user handle a user's passkeys carry: the internal user id (random, no personal data). */
export const userHandleOf = (user: User): string => Buffer.from(user.id, 'utf8').toString('base64url');

/**
 * A signed-in user adds a passkey: options with a challenge bound to the session, then the
 * authenticator's answer verified (attestation `none`, user verification required) and kept,
 * with a `passkey` identity, in one transaction.
 */
export class PasskeyRegistration {
  constructor(private readonly deps: PasskeyRegistrationDeps) {}

  async options(session: Session, publicUrl: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { store, tenants, challenges } = this.deps;
    const user = await passkeyOwner(store, session);
    const rp = passkeySettingsOf(await tenants.get(session.tenantId), publicUrl);
    const existing = await store.passkeys.listByUser(user.id);
    const label = user.email ?? user.externalId;
    const options = await generateRegistrationOptions({
      rpName: rp.rpName,
      rpID: rp.rpId,
      userID: Buffer.from(user.id, 'utf8'),
      userName: label,
      userDisplayName: user.name ?? label,
      timeout: PASSKEY_CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports ?? undefined })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      supportedAlgorithmIDs: ALGORITHMS,
    });
    await challenges.issue(session.id, 'registration', { challenge: options.challenge, publicUrl });
    return options;
  }

  /** Verifies the answer to this session's registration options and keeps the passkey. */
  async register(session: Session, response: unknown, name: string | undefined): Promise<Passkey> {
    const { store, clock, tenants, audit, challenges } = this.deps;
    const user = await passkeyOwner(store, session);
    const issued = await challenges.take(session.id, 'registration');
    if (!issued) throw new TesseraError('INVALID_CREDENTIALS', 'no passkey registration in progress for this session (or it expired)');
    const tenant = await tenants.get(session.tenantId);
    const rp = passkeySettingsOf(tenant, issued.publicUrl);
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        expectedChallenge: issued.challenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.rpId,
        requireUserPresence: true,
        requireUserVerification: true,
        supportedAlgorithmIDs: ALGORITHMS,
      });
    } catch (error) {
      throw new TesseraError('INVALID_CREDENTIALS', 'the passkey could not be verified', { cause: error });
    }
    if (!verified.verified) throw new TesseraError('INVALID_CREDENTIALS', 'the passkey could not be verified');
    const { credential } = verified.registrationInfo;
    const now = clock.now();
    const passkey: Passkey = {
      id: newId('pkey'),
      tenantId: tenant.id,
      userId: user.id,
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports?.length ? credential.transports : null,
      name: name?.trim() || DEFAULT_NAME,
      createdAt: now,
      lastUsedAt: null,
    };
    const identity: Identity = {
      id: newId('idn'),
      tenantId: tenant.id,
      userId: user.id,
      kind: 'passkey',
      provider: null,
      subject: credential.id,
      email: null,
      createdAt: now,
    };
    const taken = () => new TesseraError('CONFLICT', 'this passkey is already registered');
    if (await store.passkeys.findByCredential(tenant.id, credential.id)) throw taken();
    try {
      await store.transaction(async (tx) => {
        await tx.passkeys.insert(passkey);
        await tx.identities.insert(identity);
      });
    } catch (error) {
      // The same credential registered twice at once: the unique (tenant, credential) index let one in.
      if (await store.passkeys.findByCredential(tenant.id, credential.id)) throw taken();
      throw error;
    }
    await audit.record({
      tenantId: tenant.id,
      actor: session.id,
      action: 'passkey.registered',
      target: user.externalId,
      details: { passkeyId: passkey.id, name: passkey.name },
    });
    return passkey;
  }
}

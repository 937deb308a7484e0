import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import type { Passkey, Session, Store } from '../store/index.js';
import type { Audit, Tenants, UserIdentities } from '../tenancy/index.js';
import { PasskeyAuthentication } from './passkey-authentication.js';
import { PasskeyChallenges } from './passkey-challenges.js';
import { passkeyOwner } from './passkey-owner.js';
import { PasskeyRegistration } from './passkey-registration.js';
import type { Proof } from './proof.js';

export interface PasskeysDeps {
  store: Store;
  clock: Clock;
  tenants: Tenants;
  audit: Audit;
  identities: UserIdentities;
}

/**
 * Passkeys (WebAuthn, @simplewebauthn/server): registered by signed-in users, used to sign a
 * chat in (or re-authenticate it). The relying party is the tenant's (`passkeySettingsOf`), its
 * defaults derived from `publicUrl`, the deployment's public URL the edges pass in.
 */
export class Passkeys {
  private readonly registration: PasskeyRegistration;
  private readonly authentication: PasskeyAuthentication;

  constructor(private readonly deps: PasskeysDeps) {
    const challenges = new PasskeyChallenges(deps.store, deps.clock);
    this.registration = new PasskeyRegistration({ ...deps, challenges });
    this.authentication = new PasskeyAuthentication({ ...deps, challenges });
  }

  /** `PublicKeyCredentialCreationOptionsJSON` for the session's user (FORBIDDEN while anonymous). */
  registrationOptions(session: Session, publicUrl: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return this.registration.options(session, publicUrl);
  }

  /** Verifies the answer to the session's registration options and keeps the passkey (and its identity). */
  register(session: Session, response: unknown, name?: string): Promise<Passkey> {
    return this.registration.register(session, response, name);
  }

  /** `PublicKeyCredentialRequestOptionsJSON` for any chat of the tenant (discoverable credentials). */
  authenticationOptions(session: Session, publicUrl: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.authentication.options(session, publicUrl);
  }

  /** Verifies an assertion against the session's authentication challenge: whose passkey it is. */
  prove(session: Session, response: unknown): Promise<Proof> {
    return this.authentication.prove(session, response);
  }

  /** The session's user's own passkeys. */
  async list(session: Session): Promise<Passkey[]> {
    const user = await passkeyOwner(this.deps.store, session);
    return this.deps.store.passkeys.listByUser(user.id);
  }

  /**
   * Removes one of the session's user's passkeys, and its identity: NOT_FOUND for anyone else's,
   * CONFLICT when it is the user's last way to sign in.
   */
  async remove(session: Session, passkeyId: string): Promise<void> {
    const { store, audit } = this.deps;
    const user = await passkeyOwner(store, session);
    const removed = (await store.passkeys.listByUser(user.id)).find((candidate) => candidate.id === passkeyId);
    if (!removed) throw new TesseraError('NOT_FOUND', 'no such passkey');
    const identity = (await store.identities.listByUser(user.id)).find(
      (candidate) => candidate.kind === 'passkey' && candidate.subject === removed.credentialId,
    );
    // Removing the identity removes its credential (never the user's last way to sign in).
    if (identity) await this.deps.identities.remove(user, identity.id);
    else await store.passkeys.delete(removed.id);
    await audit.record({
      tenantId: session.tenantId,
      actor: session.id,
      action: 'passkey.deleted',
      target: user.externalId,
      details: { passkeyId: removed.id, name: removed.name },
    });
  }
}

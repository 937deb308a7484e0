import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import type { Passkey, Session, Store } from '../store/index.js';
import type { Audit, Tenants } from '../tenancy/index.js';
import { passkeySettingsOf } from '../tenancy/passkey-settings.js';
import { PASSKEY_CHALLENGE_TTL_MS, type PasskeyChallenges } from './passkey-challenges.js';
import { userHandleOf } from './passkey-registration.js';
import type { Proof } from './proof.js';

export interface PasskeyAuthenticationDeps {
  store: Store;
  clock: Clock;
  tenants: Tenants;
  audit: Audit;
  challenges: PasskeyChallenges;
}

const refused = (message: string, cause?: unknown) => new TesseraError('INVALID_CREDENTIALS', message, { cause });

/**
 * Signing a chat in with a passkey (discoverable: the authenticator says whose): options with a
 * challenge bound to the session, then the assertion checked against that challenge, the tenant's
 * relying party, and the passkey's signature counter.
 */
export class PasskeyAuthentication {
  constructor(private readonly deps: PasskeyAuthenticationDeps) {}

  /** For any chat, anonymous or signed in (a signed-in one re-authenticates). No credentials are listed. */
  async options(session: Session, publicUrl: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const rp = passkeySettingsOf(await this.deps.tenants.get(session.tenantId), publicUrl);
    const options = await generateAuthenticationOptions({ rpID: rp.rpId, userVerification: 'required', timeout: PASSKEY_CHALLENGE_TTL_MS });
    await this.deps.challenges.issue(session.id, 'authentication', { challenge: options.challenge, publicUrl });
    return options;
  }

  /**
   * Whose passkey answered this session's challenge. Every refusal is INVALID_CREDENTIALS: no
   * challenge (none asked, expired, already answered), a credential unknown in this tenant, a
   * failed verification, a counter that did not move forward, or a use that lost a race.
   */
  async prove(session: Session, response: unknown): Promise<Proof> {
    const { store, clock, tenants, challenges } = this.deps;
    // Taken first, whatever follows: an answer is checked once, right or wrong.
    const issued = await challenges.take(session.id, 'authentication');
    if (!issued) throw refused('no passkey sign-in in progress for this session (or it expired): ask for new options');
    const assertion = response as AuthenticationResponseJSON;
    const passkey = await store.passkeys.findByCredential(session.tenantId, assertion.id);
    if (!passkey) throw refused('this passkey is not registered here');
    const rp = passkeySettingsOf(await tenants.get(session.tenantId), issued.publicUrl);
    let newCounter: number;
    try {
      // The counter is compared below, once the signature is known to be the passkey's: a forged
      // answer with a low counter is just refused, not reported as a cloned authenticator.
      const verified = await verifyAuthenticationResponse({
        response: assertion,
        expectedChallenge: issued.challenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.rpId,
        credential: {
          id: passkey.credentialId,
          publicKey: Buffer.from(passkey.publicKey, 'base64url'),
          counter: 0,
          transports: passkey.transports ?? undefined,
        },
        requireUserVerification: true,
      });
      if (!verified.verified) throw new Error('signature not verified');
      newCounter = verified.authenticationInfo.newCounter;
    } catch (error) {
      throw refused('the passkey could not be verified', error);
    }
    if (passkey.counter > 0 && newCounter <= passkey.counter) {
      await this.counterRegressed(session, passkey, newCounter);
      throw refused('the passkey could not be verified');
    }
    const userHandle = assertion.response?.userHandle;
    const user = await store.users.get(passkey.userId);
    if (!user || (userHandle && userHandle !== userHandleOf(user))) throw refused('the passkey could not be verified');
    // A passkey whose identity was removed (an admin's `DELETE .../identities/{id}`) no longer signs in.
    const identities = await store.identities.listByUser(user.id);
    if (!identities.some((identity) => identity.kind === 'passkey' && identity.subject === passkey.credentialId))
      throw refused('this passkey is not registered here');
    if (!(await store.passkeys.recordUse(passkey.id, passkey.counter, newCounter, clock.now())))
      throw refused('the passkey was used by another sign-in at the same time');
    return { user, amr: ['hwk'] };
  }

  /** A genuine signature with a counter at or below the stored one: a cloned authenticator, or a replay. */
  private async counterRegressed(session: Session, passkey: Passkey, counter: number): Promise<void> {
    const user = await this.deps.store.users.get(passkey.userId);
    await this.deps.audit.record({
      tenantId: session.tenantId,
      actor: session.id,
      action: 'passkey.counter_regressed',
      target: user?.externalId ?? passkey.userId,
      details: { passkeyId: passkey.id, storedCounter: passkey.counter, presentedCounter: counter },
    });
  }
}

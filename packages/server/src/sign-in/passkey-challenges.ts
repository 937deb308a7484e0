import type { Clock } from '../clock.js';
import type { Store, WebauthnPurpose } from '../store/index.js';

/** How long a session has to answer its WebAuthn options (also the `timeout` the browser gets). */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60_000;

/** A challenge as it was issued: the value the authenticator signs, and where the options were asked for. */
export interface IssuedChallenge {
  /** base64url, as it appears in `clientDataJSON.challenge`. */
  challenge: string;
  /**
   * The deployment's public URL when the options were made: the default RP ID and origin of the
   * answer are derived from it, so an answer is checked against what its options named, whichever
   * edge (HTTP or a socket) brings it back.
   */
  publicUrl: string;
}

/**
 * WebAuthn challenges: one per session and purpose (asking again replaces it), valid 5 minutes,
 * taken once (a second answer to the same challenge finds none). Stored with the public URL the
 * options were made for.
 */
export class PasskeyChallenges {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async issue(sessionId: string, purpose: WebauthnPurpose, issued: IssuedChallenge): Promise<void> {
    await this.store.webauthnChallenges.put({
      sessionId,
      purpose,
      challenge: JSON.stringify({ challenge: issued.challenge, publicUrl: issued.publicUrl }),
      expiresAt: this.clock.now() + PASSKEY_CHALLENGE_TTL_MS,
    });
  }

  /** The session's challenge for `purpose`, removed in the same statement; null when none, or expired. */
  async take(sessionId: string, purpose: WebauthnPurpose): Promise<IssuedChallenge | null> {
    const stored = await this.store.webauthnChallenges.take(sessionId, purpose, this.clock.now());
    if (stored === null) return null;
    try {
      const { challenge, publicUrl } = JSON.parse(stored) as Partial<IssuedChallenge>;
      return typeof challenge === 'string' && typeof publicUrl === 'string' ? { challenge, publicUrl } : null;
    } catch {
      return null;
    }
  }
}

import { randomInt } from 'node:crypto';
import type { SignInFlowStart } from '@tessera/protocol';
import type { RateLimits } from '../bus/index.js';
import type { Clock } from '../clock.js';
import { isTesseraError, TesseraError } from '../errors.js';
import { newSecret } from '../ids.js';
import { magicLinkMail, type Mailer } from '../mail/index.js';
import { hashSecret, safeEqual } from '../secrets.js';
import { hasEnded } from '../sessions/index.js';
import type { Session, SignInFlow, Store } from '../store/index.js';
import { signupAllowed, type Tenants, type Users } from '../tenancy/index.js';
import { normalizeEmail } from './email-address.js';
import { MAIL_SENDS_PER_ADDRESS, MAIL_SENDS_PER_IP, throttle } from './throttle.js';
import type { FlowOutcomes } from './flow-outcomes.js';
import { accountOfAddress, assertCanMail } from './mail-accounts.js';
import { FLOW_TTL_MS, newFlow } from './new-flow.js';

/** Wrong match codes a link takes before it dies (two digits: a guess wins 1 in 100). */
export const MAX_MATCH_CODE_TRIES = 3;

export interface MagicLinksDeps {
  store: Store;
  clock: Clock;
  tenants: Tenants;
  users: Users;
  mail: Mailer;
  rateLimits: RateLimits;
  outcomes: FlowOutcomes;
}

export interface MagicLinkStart extends SignInFlowStart {
  matchCode: string;
  /** For a cookie on the starting browser: confirming there takes one click, elsewhere the match code too. */
  browserKey: string;
}

/** What the link's page shows before anything is consumed. */
export type MagicLinkView = { state: 'pending'; needsMatchCode: boolean; email: string } | { state: 'used' };

/**
 * Magic links as sign-in flows. The mail's link opens a page that consumes nothing (mail
 * scanners fetch links); confirming it (a POST) completes the flow, and the chat that asked is
 * signed in live. In the browser that started the flow a cookie vouches for it; anywhere else
 * the page also wants the two-digit match code the chat shows, so a link requested into someone
 * else's chat cannot sign that chat in as the mail's owner.
 */
export class MagicLinks {
  constructor(private readonly deps: MagicLinksDeps) {}

  async start(
    session: Session,
    rawEmail: string,
    context: { origin: string | null; publicUrl: string; ip: string },
  ): Promise<MagicLinkStart> {
    const { store, clock, tenants, mail } = this.deps;
    const email = normalizeEmail(rawEmail);
    assertCanMail(mail);
    await throttle(this.deps.rateLimits, 'magic-link-ip', context.ip, MAIL_SENDS_PER_IP, 'links asked for');
    await throttle(this.deps.rateLimits, 'magic-link-address', `${session.tenantId}:${email}`, MAIL_SENDS_PER_ADDRESS, 'links asked for');
    const tenant = await tenants.get(session.tenantId);
    const now = clock.now();
    const token = newSecret(43);
    const flowSecret = newSecret(43);
    const browserKey = newSecret(32);
    const matchCode = String(randomInt(0, 100)).padStart(2, '0');
    const flow = newFlow(session, now, context.origin, {
      method: 'magic_link',
      secretHash: hashSecret(flowSecret),
      stateHash: hashSecret(token),
      email,
      matchCode,
      browserHash: hashSecret(browserKey),
    });
    await store.signInFlows.insert(flow);
    // The same answer for every address: an address with no account, where sign-up is off, gets no mail.
    if (signupAllowed(tenant.settings) || (await store.users.findByEmail(tenant.id, email))) {
      const url = `${context.publicUrl}/v1/auth/magic/${token}`;
      await mail.send(magicLinkMail({ tenantId: tenant.id, tenantName: tenant.name, to: email, url, minutes: FLOW_TTL_MS / 60_000 }));
    }
    return { flowId: flow.id, flowSecret, expiresAt: flow.expiresAt, matchCode, browserKey };
  }

  /** The link's page, for a GET: consumes nothing. */
  async view(token: string, browserKeyOf: (flowId: string) => string | undefined): Promise<MagicLinkView> {
    const flow = await this.live(token);
    if (!flow) return { state: 'used' };
    return { state: 'pending', needsMatchCode: !this.sameBrowser(flow, browserKeyOf(flow.id)), email: maskEmail(flow.email ?? '') };
  }

  /**
   * Confirms the link: completes its flow (the chat is told and redeems it). From another browser
   * the match code must be right; a third wrong one kills the link. A used or expired link is
   * FLOW_EXPIRED.
   */
  async confirm(token: string, input: { browserKey: (flowId: string) => string | undefined; matchCode?: string }): Promise<SignInFlow> {
    const { store, clock } = this.deps;
    const flow = await this.live(token);
    if (!flow) throw new TesseraError('FLOW_EXPIRED', 'this link was already used or has expired');
    if (!this.sameBrowser(flow, input.browserKey(flow.id)) && !safeEqual(input.matchCode?.trim() ?? '', flow.matchCode ?? '')) {
      const tries = await store.signInFlows.countTry(flow.id);
      if (tries >= MAX_MATCH_CODE_TRIES)
        await this.deps.outcomes.fail(flow, new TesseraError('CODE_INVALID', 'too many wrong match codes'));
      throw new TesseraError('CODE_INVALID', 'wrong match code: type the two digits the chat shows');
    }
    const claimed = await store.signInFlows.claim(flow.stateHash ?? '', clock.now());
    if (!claimed) throw new TesseraError('FLOW_EXPIRED', 'this link was already used or has expired');
    try {
      const session = await store.sessions.get(claimed.sessionId);
      if (!session || hasEnded(session, clock.now())) throw new TesseraError('FLOW_EXPIRED', 'the chat that asked for this link has ended');
      const user = await accountOfAddress(this.deps, claimed.tenantId, claimed.email ?? '');
      if (!user) throw new TesseraError('FLOW_EXPIRED', 'there is no account for this address');
      if (session.userId !== null && session.userId !== user.id)
        throw new TesseraError('CONFLICT', 'the chat is signed in as someone else');
      await this.deps.outcomes.complete(claimed, user, ['email']);
      return claimed;
    } catch (error) {
      const failure = isTesseraError(error) ? error : new TesseraError('INTERNAL', 'the sign-in failed', { cause: error });
      await this.deps.outcomes.fail(claimed, failure);
      throw failure;
    }
  }

  private async live(token: string): Promise<SignInFlow | null> {
    if (token.length > 128) return null;
    const flow = await this.deps.store.signInFlows.findByState(hashSecret(token));
    if (flow?.method !== 'magic_link' || flow.status !== 'pending' || flow.expiresAt <= this.deps.clock.now()) return null;
    return flow;
  }

  private sameBrowser(flow: SignInFlow, browserKey: string | undefined): boolean {
    return browserKey !== undefined && flow.browserHash !== null && safeEqual(hashSecret(browserKey), flow.browserHash);
  }
}

/** `a***@example.com`: enough for the person to recognise, not enough to harvest. */
function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

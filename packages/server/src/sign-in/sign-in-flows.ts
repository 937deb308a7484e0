import type { SignInFlowStart, SignInFlowState } from '@tessera/protocol';
import type { RateLimits } from '../bus/index.js';
import type { Clock } from '../clock.js';
import { isTesseraError, TesseraError } from '../errors.js';
import { newSecret } from '../ids.js';
import { hashSecret, hmac, safeEqual } from '../secrets.js';
import { hasEnded } from '../sessions/index.js';
import type { Session, SignInFlow, Store, User } from '../store/index.js';
import type { Tenants } from '../tenancy/index.js';
import type { OAuthProviders } from './oauth/oauth-providers.js';
import type { AuthorizationRequest } from './oauth/provider-client.js';
import type { ProviderAccounts } from './provider-accounts.js';
import { failureOf, type FlowOutcomes } from './flow-outcomes.js';
import { newFlow } from './new-flow.js';
import { throttle } from './throttle.js';

const STARTS_PER_SESSION = { points: 20, durationSeconds: 60 };

export interface SignInFlowsDeps {
  store: Store;
  clock: Clock;
  tenants: Tenants;
  providers: OAuthProviders;
  accounts: ProviderAccounts;
  rateLimits: RateLimits;
  outcomes: FlowOutcomes;
  /** 32 bytes from the data directory: each round trip's PKCE verifier and nonce derive from its `state` with it. */
  serverSecret: Buffer;
}

export interface OAuthFlowInput {
  method: 'oauth';
  provider: string;
  /** Redirect mode: the page the callback sends the browser back to (an allowed origin's page). */
  returnTo?: string;
}

export interface FlowRequestContext {
  /** The `Origin` of the page that starts the flow, if a browser's: the callback page tells only it. */
  origin: string | null;
  /** This deployment's public URL: providers redirect to `{base}/v1/auth/oauth/{id}/callback`. */
  publicUrl: string;
}

/** How a callback ended, for the page that answers it. */
export interface CallbackOutcome {
  /** The flow the callback was for, when it named one (null: unknown or forged `state`). */
  flow: SignInFlow | null;
  error: TesseraError | null;
}

/**
 * Sign-ins that finish elsewhere. A chat starts a flow and gets its id and a secret; the flow
 * completes out of band (a provider's callback); every socket of the session is told; the chat
 * redeems it once with the secret (SignIn → the one link operation). Only hashes of the secret
 * and of the round trip's `state` are stored; PKCE verifier and nonce are derived from `state`.
 */
export class SignInFlows {
  constructor(private readonly deps: SignInFlowsDeps) {}

  async start(session: Session, input: OAuthFlowInput, context: FlowRequestContext): Promise<SignInFlowStart> {
    const { store, clock, tenants, providers, rateLimits } = this.deps;
    await throttle(rateLimits, 'flow-start', session.id, STARTS_PER_SESSION, 'sign-ins started');
    const tenant = await tenants.get(session.tenantId);
    const client = providers.clientFor(tenant, input.provider);
    const pageOrigins = [...tenant.settings.allowedOrigins, new URL(context.publicUrl).origin];
    const returnTo = input.returnTo === undefined ? null : checkReturnTo(input.returnTo, pageOrigins);
    const now = clock.now();
    const state = newSecret(43);
    const flowSecret = newSecret(43);
    const url = await client.authorizationUrl(this.roundTrip(input.provider, state, context.publicUrl));
    const flow = newFlow(session, now, context.origin, {
      method: 'oauth',
      provider: input.provider,
      secretHash: hashSecret(flowSecret),
      stateHash: hashSecret(state),
      returnTo,
    });
    await store.signInFlows.insert(flow);
    return { flowId: flow.id, flowSecret, expiresAt: flow.expiresAt, url: url.href };
  }

  /** The state of one of the session's own flows. */
  async state(session: Session, flowId: string): Promise<SignInFlowState> {
    const flow = await this.ownFlow(session, flowId);
    if (flow.status === 'failed') return 'failed';
    if (flow.expiresAt <= this.deps.clock.now() || flow.status === 'redeemed') return 'expired';
    return flow.status === 'completed' ? 'completed' : 'pending';
  }

  /**
   * A provider's redirect. The `state` claims its flow once (a replayed or forged callback
   * finds nothing to claim); the code is exchanged with the PKCE verifier and nonce of that
   * state; the account becomes a user; the session's sockets are told either way.
   */
  async callback(providerId: string, params: URLSearchParams, publicUrl: string): Promise<CallbackOutcome> {
    const { store, clock } = this.deps;
    const state = params.get('state');
    if (!state || state.length > 200) return { flow: null, error: new TesseraError('BAD_REQUEST', 'the callback has no state') };
    const stateHash = hashSecret(state);
    const flow = await store.signInFlows.claim(stateHash, clock.now());
    if (!flow) {
      const known = await store.signInFlows.findByState(stateHash);
      return { flow: known, error: new TesseraError('FLOW_EXPIRED', 'this sign-in was already used or has expired') };
    }
    try {
      if (flow.provider !== providerId) throw new TesseraError('BAD_REQUEST', 'the callback came for another provider');
      const denied = params.get('error');
      if (denied !== null) {
        throw denied === 'access_denied'
          ? new TesseraError('FLOW_DENIED', 'the sign-in was cancelled')
          : new TesseraError('UNAVAILABLE', `the provider could not sign you in (${denied.slice(0, 64)})`);
      }
      const session = await store.sessions.get(flow.sessionId);
      if (!session || hasEnded(session, clock.now()))
        throw new TesseraError('FLOW_EXPIRED', 'the chat that started this sign-in has ended');
      const tenant = await this.deps.tenants.get(flow.tenantId);
      const roundTrip = this.roundTrip(providerId, state, publicUrl);
      const callbackUrl = new URL(roundTrip.redirectUri);
      callbackUrl.search = params.toString();
      const account = await this.deps.providers.clientFor(tenant, providerId).account(callbackUrl, roundTrip);
      const user = await this.deps.accounts.userFor(tenant, session, account);
      await this.deps.outcomes.complete(flow, user, ['fed']);
      return { flow, error: null };
    } catch (error) {
      const failure = isTesseraError(error) ? error : new TesseraError('INTERNAL', 'the sign-in failed', { cause: error });
      await this.deps.outcomes.fail(flow, failure);
      return { flow, error: failure };
    }
  }

  /**
   * Redeems a completed flow of this session with its secret: who signed in, and how. A wrong
   * secret leaves the flow redeemable by the right one; a used or expired flow is FLOW_EXPIRED.
   */
  async redeem(session: Session, flowId: string, flowSecret: string): Promise<{ user: User; amr: string[] }> {
    const { store, clock } = this.deps;
    const flow = await this.ownFlow(session, flowId);
    if (!safeEqual(hashSecret(flowSecret), flow.secretHash)) throw new TesseraError('INVALID_CREDENTIALS', 'wrong flow secret');
    if (flow.status === 'failed') throw failureOf(flow);
    if (flow.status === 'pending' || flow.status === 'completing') throw new TesseraError('CONFLICT', 'the sign-in is not finished yet');
    if (!(await store.signInFlows.redeem(flow.id, clock.now())) || flow.userId === null) {
      throw new TesseraError('FLOW_EXPIRED', 'this sign-in was already used or has expired');
    }
    const user = await store.users.get(flow.userId);
    if (!user) throw new TesseraError('FLOW_EXPIRED', 'the account of this sign-in was removed');
    return { user, amr: flow.amr ?? ['fed'] };
  }

  private async ownFlow(session: Session, flowId: string): Promise<SignInFlow> {
    const flow = flowId.length <= 64 ? await this.deps.store.signInFlows.get(flowId) : null;
    // Another session's flow is as unknown to this one as a flow that never was.
    if (!flow || flow.sessionId !== session.id) throw new TesseraError('NOT_FOUND', 'no such sign-in flow');
    return flow;
  }

  private roundTrip(providerId: string, state: string, publicUrl: string): AuthorizationRequest {
    const key = this.deps.serverSecret;
    return {
      redirectUri: `${publicUrl}/v1/auth/oauth/${encodeURIComponent(providerId)}/callback`,
      state,
      codeVerifier: hmac(key, `pkce:${state}`),
      nonce: hmac(key, `nonce:${state}`),
    };
  }
}

/** An absolute http(s) URL on one of the tenant's origins (or this deployment's own): never an open redirect. */
function checkReturnTo(returnTo: string, pageOrigins: string[]): string {
  const url = URL.canParse(returnTo) ? new URL(returnTo) : null;
  const allowed = url !== null && /^https?:$/.test(url.protocol) && pageOrigins.includes(url.origin);
  if (!allowed || url.username || url.password) throw new TesseraError('BAD_REQUEST', "returnTo must be a page of the chat's own origin");
  return url.href;
}

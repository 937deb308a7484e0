import type { ClientFrame, SignInFlowStart, SignInFlowState, SignInProviderInfo } from '@tessera/protocol';
import type { SignInFlowRequest, TesseraApi } from './api.js';
import type { AuthenticatedEvent } from './chat-events.js';
import { TesseraError } from './errors.js';
import type { TokenManager } from './token-manager.js';

/** A flow this chat started: its id and the secret only this chat holds. */
export interface SignInFlowCredentials {
  flowId: string;
  flowSecret: string;
}

export interface SignInFlowsOptions {
  api: TesseraApi;
  tokens: TokenManager;
  publishableKey?: string;
  /** The chat client's one sign-in path: in-band on the open socket, else `POST /v1/auth/link`. */
  signIn(frame: Extract<ClientFrame, { type: 'authenticate' }>, body: Record<string, string>): Promise<AuthenticatedEvent>;
}

/**
 * Sign-ins that finish elsewhere (a provider's page): the providers to offer, starting a
 * flow, asking where it stands, and redeeming it once it is completed. A flow is redeemed
 * once: asking again while it is being redeemed (the socket's `flow_completed` and the
 * popup's message both arriving) shares that one redemption, and after it succeeded
 * returns its result. A failed redemption can be tried again.
 */
export interface SignInFlows {
  providers(): Promise<SignInProviderInfo[]>;
  start(request: SignInFlowRequest): Promise<SignInFlowStart>;
  state(flowId: string): Promise<SignInFlowState>;
  redeem(flow: SignInFlowCredentials): Promise<AuthenticatedEvent>;
}

export function createSignInFlows({ api, tokens, publishableKey, signIn }: SignInFlowsOptions): SignInFlows {
  const redemptions = new Map<string, Promise<AuthenticatedEvent>>();

  /** The session's access token (never racing a refresh of it); a flow belongs to the session. */
  async function accessToken(createSession: boolean): Promise<string> {
    await tokens.settled();
    const token = await tokens.getAccessToken({ createSession });
    if (!token) throw new TesseraError('NO_CREDENTIALS', 'no session to sign in');
    return token;
  }

  return {
    async providers() {
      if (publishableKey) return api.providers({ publishableKey });
      return api.providers({ accessToken: await accessToken(true) });
    },

    async start(request) {
      return api.startFlow(await accessToken(true), request);
    },

    async state(flowId) {
      return api.flowState(await accessToken(false), flowId);
    },

    redeem({ flowId, flowSecret }) {
      const known = redemptions.get(flowId);
      if (known) return known;
      const redemption = signIn({ type: 'authenticate', method: 'flow', flowId, flowSecret }, { method: 'flow', flowId, flowSecret });
      redemptions.set(flowId, redemption);
      redemption.catch(() => redemptions.delete(flowId));
      return redemption;
    },
  };
}

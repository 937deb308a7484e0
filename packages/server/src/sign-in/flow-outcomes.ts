import type { AuthMethod } from '@tessera/protocol';
import type { Bus } from '../bus/index.js';
import { TesseraError } from '../errors.js';
import type { SignInFlow, Store, User } from '../store/index.js';
import type { Audit } from '../tenancy/index.js';

/**
 * How a flow ends, whatever completed it (a provider's callback, a confirmed magic link): the
 * store records it once, every socket of the session hears it (on every node), the audit log keeps it.
 */
export class FlowOutcomes {
  constructor(private readonly deps: { store: Store; bus: Bus; audit: Audit }) {}

  /** A claimed flow completed: `user` signed in by `amr`. FLOW_EXPIRED when it was not there to complete. */
  async complete(flow: SignInFlow, user: User, amr: AuthMethod[]): Promise<void> {
    if (!(await this.deps.store.signInFlows.complete(flow.id, user.id, amr))) {
      throw new TesseraError('FLOW_EXPIRED', 'this sign-in was already used or has expired');
    }
    await this.deps.bus.publish({ type: 'session.frame', sessionId: flow.sessionId, frame: { type: 'flow_completed', flowId: flow.id } });
    await this.deps.audit.record({
      tenantId: flow.tenantId,
      actor: flow.sessionId,
      action: 'flow.completed',
      target: flow.id,
      details: { method: flow.method, provider: flow.provider, userId: user.externalId },
    });
  }

  /** A pending or claimed flow ends without a sign-in (once: a flow already ended is left as it is). */
  async fail(flow: SignInFlow, error: TesseraError): Promise<void> {
    if (!(await this.deps.store.signInFlows.fail(flow.id, error.code))) return;
    await this.deps.bus.publish({
      type: 'session.frame',
      sessionId: flow.sessionId,
      frame: { type: 'flow_failed', flowId: flow.id, code: error.code, message: error.message },
    });
    await this.deps.audit.record({
      tenantId: flow.tenantId,
      actor: flow.sessionId,
      action: 'flow.failed',
      target: flow.id,
      details: { method: flow.method, provider: flow.provider, code: error.code },
    });
  }
}

/** Why a failed flow cannot be redeemed, as its redeemer is told. */
export function failureOf(flow: SignInFlow): TesseraError {
  if (flow.errorCode === 'FLOW_DENIED') return new TesseraError('FLOW_DENIED', 'the sign-in was cancelled');
  return new TesseraError('FLOW_EXPIRED', `this sign-in failed (${flow.errorCode ?? 'unknown'})`);
}

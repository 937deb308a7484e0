import { newId } from '../ids.js';
import type { Session, SignInFlow } from '../store/index.js';
import { isOrigin } from '../tenancy/index.js';

/** A flow not completed and redeemed within this is dead. */
export const FLOW_TTL_MS = 10 * 60_000;

type MethodFields = Pick<SignInFlow, 'method' | 'secretHash' | 'stateHash'> &
  Partial<Pick<SignInFlow, 'provider' | 'returnTo' | 'email' | 'matchCode' | 'browserHash'>>;

/**
 * A pending flow of `session`, started `now`, with what every method shares filled in. `origin`
 * is the starting page's `Origin`, kept only when it is one (the callback page tells only it).
 */
export function newFlow(session: Session, now: number, origin: string | null, fields: MethodFields): SignInFlow {
  return {
    id: newId('flow'),
    tenantId: session.tenantId,
    sessionId: session.id,
    provider: null,
    origin: origin !== null && isOrigin(origin) ? origin : null,
    returnTo: null,
    status: 'pending',
    userId: null,
    amr: null,
    errorCode: null,
    createdAt: now,
    expiresAt: now + FLOW_TTL_MS,
    email: null,
    matchCode: null,
    browserHash: null,
    tries: 0,
    ...fields,
  };
}

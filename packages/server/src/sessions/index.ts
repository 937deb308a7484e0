export { AnonymousCookies } from './anonymous-cookie.js';
export { Sessions, REFRESH_GRACE_MS, type AuthContext, type IssuedTokens } from './sessions.js';
export { monthOf } from './month.js';
export { SessionCache } from './session-cache.js';
export { cleanupExpired, type CleanupReport } from './cleanup.js';
export { cleanupAllTenants, startCleanupJob, type CleanupJobDeps } from './cleanup-job.js';
export { CLOSE_REASON_OF_CHANGE, hasEnded, idleExpiry, isExpired, readSocketEnds, socketEnd, type OpenSocket } from './session-state.js';
export { describeConversation, describeMessage, signInClaimsOf } from './session-views.js';

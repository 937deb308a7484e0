export { Sessions, REFRESH_GRACE_MS, type AuthContext, type IssuedTokens } from './sessions.js';
export { monthOf } from './month.js';
export { SessionCache } from './session-cache.js';
export { MessageWriter, type WriteResult } from './message-writer.js';
export { Conversations, ownsConversation, describeConversation, describeMessage } from './conversations.js';
export { cleanupExpired, type CleanupReport } from './cleanup.js';

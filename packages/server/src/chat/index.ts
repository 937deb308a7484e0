export { ChatTurns, type ChatTurnDeps, type Speaker, type TurnEvents, type TurnSubject, type UserMessage } from './chat-turn.js';
export { ConversationChoice } from './conversation-choice.js';
export { Conversations, MAX_HISTORY_PAGE, ownsConversation } from './conversations.js';
export { MessageWriter, type WriteResult } from './message-writer.js';
export { PendingTurns } from './pending-turns.js';
export { RunningTurns } from './running-turns.js';
export { INTERRUPTED_GRACE_MS, UnansweredTurns } from './unanswered-turns.js';

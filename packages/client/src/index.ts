export { createChatClient } from './chat-client.js';
export type { ChatClient, ChatClientOptions } from './chat-client.js';
export type {
  AssistantMessage,
  AuthenticatedEvent,
  AuthRequiredEvent,
  ChatClientEvents,
  DeltaEvent,
  FlowCompletedEvent,
  FlowFailedEvent,
  ReplyFailedEvent,
} from './chat-events.js';
export type { SignInFlowRequest } from './api.js';
export type { SignInFlowCredentials } from './sign-in-flows.js';
export type { PasskeyMethods } from './passkeys.js';
export type { EmailSignInMethods, MagicLinkFlow } from './email-sign-in.js';
export type { EmailCodePurpose } from './email-sign-in-api.js';
export type {
  PasskeyAuthenticationResponseJSON,
  PasskeyCreationOptionsJSON,
  PasskeyDescriptorJSON,
  PasskeyInfo,
  PasskeyRegistrationResponseJSON,
  PasskeyRequestOptionsJSON,
  PasskeyTransport,
} from './passkeys-json.js';
export type { ConnectionState, StateChange } from './connection.js';
export type { CurrentUser } from './current-user.js';
export type { Ack } from './outbox.js';
export { createTokenManager } from './token-manager.js';
export type { TokenManager, TokenManagerOptions } from './token-manager.js';
export type { TokenState } from './token-state.js';
export { TesseraError, isTerminalAuthError, isRetryableError } from './errors.js';
export type { ClientErrorCode, TesseraErrorCode } from './errors.js';
export { backoffDelayMs } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
export type { FetchLike } from './http.js';
export type { WebSocketConstructor, WebSocketLike } from './socket.js';
export type { TokenStorage } from './storage/token-storage.js';
export { parseTokens, serializeTokens } from './storage/token-storage.js';
export { createMemoryStorage } from './storage/memory-storage.js';
export { createLocalStorage, createSessionStorage } from './storage/web-storage.js';
export type { WebStorageOptions } from './storage/web-storage.js';
export { createAsyncStorage } from './storage/async-storage.js';
export type { AsyncKeyValue, SecureKeyValue } from './storage/async-storage.js';
export { createCookieStorage } from './storage/cookie-storage.js';
export type { LockManagerLike, BroadcastChannelLike } from './tab-coordinator.js';
export type {
  TokenPair,
  AccessClaims,
  SessionInfo,
  UserInfo,
  ConversationInfo,
  MessageInfo,
  AuthRequirement,
  SignInFlowStart,
  SignInFlowState,
  SignInProviderInfo,
} from '@tessera/protocol';

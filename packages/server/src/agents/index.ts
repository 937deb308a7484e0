export type { Agent, AgentDirectory, AgentEvent, AgentTurn, IdentityContext } from './agent.js';
export { DemoAgent } from './demo-agent.js';
export { ordersTool, demoOrdersOf, type Order } from './orders-tool.js';
export { DEMO_PRODUCTS, formatDemoPrice, type DemoProduct } from './demo-catalog.js';
export { ToolTokenIssuer } from './tool-token-issuer.js';
export { Agents } from './agent-directory.js';
export { LiveTokens, type LiveToken, type LiveTokensDeps } from './live-tokens.js';
export {
  TokenExchange,
  TOKEN_EXCHANGE_GRANT,
  ACCESS_TOKEN_TYPE,
  JWT_TOKEN_TYPE,
  type ExchangeRequest,
  type ExchangedToken,
  type OAuthErrorCode,
  type OAuthRefusal,
} from './token-exchange.js';
export { TokenIntrospection, type Introspection } from './introspection.js';
export { HttpAgents, type HttpAgentsDeps } from './http-agent.js';
export { CircuitBreaker, DEFAULT_CIRCUIT_BREAKER, type CircuitBreakerOptions, type CircuitPass } from './circuit-breaker.js';
export { turnPayload, webhookHeaders, type TurnPayload } from './turn-request.js';

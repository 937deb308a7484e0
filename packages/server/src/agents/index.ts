export type { Agent, AgentDirectory, AgentEvent, AgentTurn, IdentityContext } from './agent.js';
export { DemoAgent } from './demo-agent.js';
export { ordersTool, demoOrdersOf, type Order } from './orders-tool.js';
export { ToolTokenIssuer } from './tool-token-issuer.js';
export { Agents } from './agent-directory.js';

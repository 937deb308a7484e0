export type { Agent, AgentInput, IdentityContext } from './agent.js';
export { DemoAgent } from './demo-agent.js';
export { ordersTool, demoOrdersOf, type Order } from './orders-tool.js';

export { buildApp, type TesseraApp, type AppOptions } from './app.js';
export { loadConfig, type ServerConfig, type ServerConfigInput } from './config.js';
export type { Agent, AgentEvent, AgentTurn, IdentityContext } from './agents/index.js';
export { TesseraError } from './errors.js';
export type { Clock } from './clock.js';

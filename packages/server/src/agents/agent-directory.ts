import type { Tenant } from '../store/index.js';
import { agentSettingsOf } from '../tenancy/index.js';
import type { Agent, AgentDirectory } from './agent.js';

/**
 * The agent of each tenant: its HTTP backend when `settings.agent.url` is set, else the
 * built-in agent (the demo agent, or the in-process agent a test or embedder plugged in).
 */
export class Agents implements AgentDirectory {
  constructor(
    private readonly builtIn: Agent,
    private readonly httpAgentFor: ((tenant: Tenant) => Agent) | null = null,
  ) {}

  agentFor(tenant: Tenant): Agent {
    const { url } = agentSettingsOf(tenant);
    if (url === null || this.httpAgentFor === null) return this.builtIn;
    return this.httpAgentFor(tenant);
  }
}

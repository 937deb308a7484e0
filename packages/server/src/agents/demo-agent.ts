import type { Agent, AgentInput } from './agent.js';
import { ordersTool } from './orders-tool.js';

const WHO_AM_I = /\bwho\s*am\s*i\b|\bwhoami\b/i;
const ORDERS = /\border(s)?\b/i;

/** The built-in agent: shows the identity rules at work, nothing more. */
export class DemoAgent implements Agent {
  async reply({ message, identity }: AgentInput): Promise<string> {
    if (WHO_AM_I.test(message.content)) {
      return identity.userId === null
        ? 'You are chatting anonymously. Sign in and I will know who you are.'
        : `You are ${identity.name ?? identity.userId} (user id ${identity.userId}).`;
    }
    if (ORDERS.test(message.content)) {
      const result = ordersTool(identity);
      if (!result.ok) return 'Please log in to see your orders.';
      const lines = result.orders.map((order) => `${order.id}: ${order.item}, ${order.status}, $${(order.totalCents / 100).toFixed(2)}`);
      return `Your orders, ${identity.name ?? identity.userId}:\n${lines.join('\n')}`;
    }
    return `Got it: "${truncate(message.content, 80)}". Ask me "who am I" or about your orders.`;
  }
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

import type { Agent, AgentEvent, AgentTurn, IdentityContext } from './agent.js';
import { formatDemoPrice } from './demo-catalog.js';
import { ordersTool } from './orders-tool.js';

const WHO_AM_I = /\bwho\s*am\s*i\b|\bwhoami\b/i;
const ORDERS = /\border(s)?\b/i;

/**
 * The built-in agent: shows the identity rules at work, nothing more. It streams its answer
 * word by word (so the streaming path is always exercised: its first word reaches the client as a
 * delta; words yielded in one turn of the event loop travel together, see chat/agent-reply.ts) and asks an anonymous visitor who
 * wants their orders to sign in: the turn then runs again for the signed-in person.
 */
export class DemoAgent implements Agent {
  async *reply({ message, identity }: AgentTurn, signal: AbortSignal): AsyncIterable<AgentEvent> {
    const answer = answerOf(message.content, identity);
    const words = answer.text.match(/\S+\s*/g) ?? [];
    for (const [index, word] of words.entries()) {
      if (signal.aborted) return;
      yield { type: 'delta', content: word };
      // The first word goes out on its own, as a model's first token would; the rest follow together.
      if (index === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (answer.signInFor) yield { type: 'auth_required', reason: answer.signInFor };
  }
}

function answerOf(content: string, identity: IdentityContext): { text: string; signInFor?: string } {
  if (WHO_AM_I.test(content)) {
    return {
      text:
        identity.userId === null
          ? 'You are chatting anonymously. Sign in and I will know who you are.'
          : `You are ${identity.name ?? identity.userId} (user id ${identity.userId}).`,
    };
  }
  if (ORDERS.test(content)) {
    const result = ordersTool(identity);
    if (!result.ok) return { text: 'Please log in to see your orders.', signInFor: 'Sign in to see your orders.' };
    // Markdown, as a model would answer: the widget renders the list.
    const lines = result.orders.map(
      (order) =>
        `- **${order.item}** × ${order.quantity} at ${formatDemoPrice(order.unitPriceCents)}: ${formatDemoPrice(order.totalCents)}, ${order.status} (\`${order.id}\`)`,
    );
    return { text: `Your orders, ${identity.name ?? identity.userId}:\n\n${lines.join('\n')}` };
  }
  return { text: `Got it: "${truncate(content, 80)}". Ask me "who am I" or about your orders.` };
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

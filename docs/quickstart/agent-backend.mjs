import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

// Your agent: Tessera POSTs every turn here, signed with the tenant's whsec_… secret,
// with the verified identity of the person chatting. Answer JSON {reply}, or stream
// server-sent events (docs/agents.md).
export function startAgent({ signingSecret, port = 3001 }) {
  const webhook = new Webhook(signingSecret);
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    let turn;
    try {
      turn = webhook.verify(body, request.headers); // throws unless Tessera signed it
    } catch {
      response.writeHead(401).end();
      return;
    }
    const { userId, name } = turn.identity; // never trust ids in the message text
    const who = userId ? `${name ?? userId} (${userId})` : 'an anonymous visitor';
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ reply: `You are ${who}. You said: ${turn.message.content}` }));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

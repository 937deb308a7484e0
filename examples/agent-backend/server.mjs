// An agent backend for Tessera. Each chat turn arrives as a signed webhook (Standard Webhooks);
// the answer streams back as server-sent events, word by word. Questions about orders go to the
// orders tool API (orders-api.mjs, served here too) with the turn's tool token: the tool, not the
// agent and never the message text, decides whose orders these are.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { createOrdersApi } from './orders-api.mjs';

const MAX_BODY_BYTES = 1024 * 1024;
const ORDERS = /\border(s)?\b/i;
const WHO_AM_I = /\bwho\s*am\s*i\b/i;

/**
 * The agent (`POST /agent`) and the orders tool API (`GET /orders`) on one `node:http` server.
 * `ordersUrl` is where the agent calls the tool; by default this same server.
 */
export function createAgentBackend({ signingSecret, tesseraUrl, toolAudience, issuer = tesseraUrl, ordersUrl, wordDelayMs = 30 }) {
  const webhook = new Webhook(signingSecret); // takes the `whsec_…` string as Tessera shows it
  const handleOrders = createOrdersApi({ jwksUrl: new URL('/.well-known/jwks.json', tesseraUrl), issuer, audience: toolAudience });
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const route =
      request.method === 'POST' && pathname === '/agent'
        ? handleTurn
        : request.method === 'GET' && pathname === '/orders'
          ? handleOrders
          : request.method === 'GET' && pathname === '/healthz'
            ? (_, res) => sendJson(res, 200, { ok: true })
            : (_, res) => sendJson(res, 404, { error: 'not_found' });
    Promise.resolve(route(request, response)).catch((error) => {
      console.error('agent backend:', error);
      if (!response.headersSent) sendJson(response, 500, { error: 'internal' });
      else response.end();
    });
  });

  async function handleTurn(request, response) {
    const body = await readBody(request);
    if (body === null) return sendJson(response, 413, { error: 'payload_too_large' });
    let turn;
    try {
      // Checks the HMAC of `webhook-id.webhook-timestamp.body` (any of the listed v1 signatures, so
      // both secrets work during a rotation) and refuses a timestamp more than 5 minutes off.
      turn = webhook.verify(body, request.headers);
    } catch {
      return sendJson(response, 401, { error: 'invalid_signature' });
    }
    // `webhook-id` is the same on Tessera's retries of this turn: an agent with side effects
    // (sending mail, placing an order) would remember it and do the work once.
    let stopped = false; // the user pressed stop (or Tessera gave up): Tessera closed the request
    response.on('close', () => {
      stopped = !response.writableFinished;
    });
    const answer = await answerOf(turn, ordersUrl ?? `${ownUrl(server)}/orders`);
    if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
      return sendJson(
        response,
        200,
        answer.authRequired ? { reply: answer.text, authRequired: answer.authRequired } : { reply: answer.text },
      );
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const word of answer.text.match(/\S+\s*/g) ?? []) {
      if (stopped) return;
      sendEvent(response, 'delta', { content: word });
      await new Promise((resolve) => setTimeout(resolve, wordDelayMs));
    }
    if (stopped) return;
    if (answer.authRequired) sendEvent(response, 'auth_required', answer.authRequired);
    sendEvent(response, 'done', {});
    response.end();
  }

  return server;
}

/** What to say to one turn. Identity comes from `turn.identity` (Tessera's word), never from the text. */
async function answerOf(turn, ordersUrl) {
  const { message, identity } = turn;
  if (WHO_AM_I.test(message.content)) {
    return {
      text:
        identity.userId === null ? 'You are chatting anonymously.' : `You are ${identity.name ?? identity.userId} (${identity.userId}).`,
    };
  }
  if (!ORDERS.test(message.content)) return { text: `You said: "${message.content.slice(0, 80)}". Ask me about your orders.` };
  if (identity.userId === null) {
    return { text: 'Please sign in, and I will look up your orders.', authRequired: { reason: 'Sign in to see your orders' } };
  }
  const response = await fetch(ordersUrl, { headers: { authorization: `Bearer ${turn.toolToken}` } });
  if (!response.ok) {
    const refusal = await response.json().catch(() => ({}));
    return { text: `The orders service refused: ${refusal.error_description ?? response.status}.` };
  }
  const { orders } = await response.json();
  if (orders.length === 0) return { text: 'You have no orders yet.' };
  const lines = orders.map((order) => `${order.id}: ${order.item}, ${order.status}, $${(order.totalCents / 100).toFixed(2)}`);
  return { text: `Your orders, ${identity.name ?? identity.userId}:\n${lines.join('\n')}` };
}

function sendEvent(response, event, data) {
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function sendJson(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The raw body as text (the signature is over these exact bytes), or null past MAX_BODY_BYTES. */
async function readBody(request) {
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function ownUrl(server) {
  const { address, port } = server.address();
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

// Run as a program: configured by the environment.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { AGENT_SIGNING_SECRET, TOOL_AUDIENCE, TESSERA_URL = 'http://localhost:8080', TESSERA_ISSUER = TESSERA_URL } = process.env;
  if (!AGENT_SIGNING_SECRET?.startsWith('whsec_')) throw new Error('set AGENT_SIGNING_SECRET (whsec_…, shown once when agent.url is set)');
  if (!TOOL_AUDIENCE) throw new Error("set TOOL_AUDIENCE (the tenant's agent.toolAudience, default tessera:tools:<tenantId>)");
  const server = createAgentBackend({
    signingSecret: AGENT_SIGNING_SECRET,
    tesseraUrl: TESSERA_URL,
    toolAudience: TOOL_AUDIENCE,
    issuer: TESSERA_ISSUER,
  });
  const host = process.env.HOST ?? '127.0.0.1';
  server.listen(Number(process.env.PORT ?? 3001), host, () => {
    console.log(`agent backend on ${ownUrl(server)}/agent (orders tool API at /orders; Tessera at ${TESSERA_URL})`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// The "orders" tool API. It trusts no one's word for who the user is: not the agent's, not the
// message's. It reads the user from the turn's tool token, after checking that Tessera signed it
// (our JWKS), that it is a tool token (typ), meant for these tools (aud), unexpired, and that it
// carries the scope this API needs.
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const TOOL_TOKEN_TYP = 'tessera-tool+jwt';
/** The demo shop's shelf, at the shop's prices (so that `npm start -- --example-agent` tells the shop's truth). */
export const PRODUCTS = [
  { name: 'Walnut desk lamp', priceCents: 8900 },
  { name: 'Linen throw', priceCents: 6400 },
  { name: 'Espresso cups (set of 4)', priceCents: 3800 },
  { name: 'Trail running shoes', priceCents: 12900 },
  { name: 'Wool beanie', priceCents: 2400 },
  { name: 'Cast iron skillet', priceCents: 4500 },
];
const STATUSES = ['processing', 'shipped', 'delivered'];

/** Deterministic pretend orders of one user, keyed by the customer's user id (`uid`). */
export function ordersOf(userId) {
  const digest = createHash('sha256').update(`example-agent:${userId}`).digest();
  return Array.from({ length: 1 + (digest[0] % 3) }, (_, i) => {
    const product = PRODUCTS[digest[10 + i] % PRODUCTS.length];
    const quantity = 1 + (digest[24 + i] % 2);
    return {
      id: `A-${1000 + (digest.readUInt16BE(1 + i * 2) % 9000)}`,
      item: quantity > 1 ? `${product.name} × ${quantity}` : product.name,
      status: STATUSES[digest[20 + i] % STATUSES.length],
      totalCents: product.priceCents * quantity,
    };
  });
}

/**
 * `GET /orders` with `Authorization: Bearer <toolToken>`. `jwksUrl` is Tessera's
 * `/.well-known/jwks.json` (fetched once, cached, refetched for an unknown `kid`).
 */
export function createOrdersApi({ jwksUrl, issuer, audience, requiredScope = 'orders:read' }) {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  return async function handleOrders(request, response) {
    const token = /^Bearer ([\w.~+/-]+=*)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token) return refuse(response, 401, 'invalid_token', 'a bearer tool token is required');
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(token, jwks, { typ: TOOL_TOKEN_TYP, issuer, audience, requiredClaims: ['sub', 'exp'] }));
    } catch (error) {
      return refuse(response, 401, 'invalid_token', error?.code ?? 'invalid tool token');
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes(requiredScope)) return refuse(response, 403, 'insufficient_scope', `needs ${requiredScope}`);
    // `uid` is there only when a person is signed in; anonymous visitors have no orders to read.
    if (typeof claims.uid !== 'string') return refuse(response, 403, 'insufficient_scope', 'no signed-in user');
    send(response, 200, { userId: claims.uid, orders: ordersOf(claims.uid) });
  };
}

function refuse(response, status, error, description) {
  response.setHeader('www-authenticate', `Bearer error="${error}"`);
  send(response, status, { error, error_description: description });
}

function send(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

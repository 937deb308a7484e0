// The baselines, each in a server child of its own (server-child.mjs):
//   bare        a bare `ws` echo: accepts (picking `tessera.v1` so the client's request is byte-for-byte
//               Tessera's) and echoes every frame. A CEILING: it stores nothing, verifies nothing.
//   bare-verify the same, plus one ES256 signature check of the bearer token per handshake (its own key:
//               it hands out tokens of its own, of the same shape and size as Tessera's)
//   bare-http   a bare Fastify server answering the HTTP cases' routes with a fixed JSON body
import { createSign, generateKeyPairSync, verify } from 'node:crypto';
import { WebSocketServer } from 'ws';

const SUBPROTOCOL = 'tessera.v1';
const MAX_FRAME_BYTES = 64 * 1024;

export async function startBare({ verifyTokens = false } = {}) {
  const keys = verifyTokens ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : null;
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    ...(keys ? { verifyClient: (info) => verifyBearer(info.req.headers['sec-websocket-protocol'], keys.publicKey) } : {}),
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => undefined);
  });
  return {
    port: wss.address().port,
    tokens: [],
    /** bare-verify: `count` distinct tokens it accepts (the bare echo accepts any). */
    mint: async (count) => Array.from({ length: count }, (_, i) => ({ accessToken: keys ? signToken(keys.privateKey, i) : 'x' })),
    stats: async () => ({}),
    missing: async (ids) => ids,
    stop: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

function verifyBearer(header, publicKey) {
  const bearer = String(header ?? '')
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith('bearer.'));
  if (!bearer) return false;
  const token = bearer.slice('bearer.'.length);
  const dot = token.lastIndexOf('.');
  return verify(
    'sha256',
    Buffer.from(token.slice(0, dot)),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(token.slice(dot + 1), 'base64url'),
  );
}

/** An ES256 JWT about as long as Tessera's access tokens. */
function signToken(privateKey, i) {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const header = b64({ alg: 'ES256', typ: 'at+jwt', kid: 'bench-key-0000000000' });
  const payload = b64({
    iss: 'http://127.0.0.1',
    aud: 'tessera',
    sub: `anon_${String(i).padStart(24, '0')}`,
    sid: `sess_${String(i).padStart(24, '0')}`,
    tid: 'ten_00000000000000000000',
    ver: 1,
    iat: now,
    exp: now + 900,
    jti: `jti_${i}`,
    amr: [],
    anon: true,
  });
  const signature = createSign('sha256').update(`${header}.${payload}`).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

/** A bare Fastify server: the HTTP cases' routes, each answering a fixed body of a Tessera-like size. */
export async function startBareHttp() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  const tokens = {
    accessToken: 'a'.repeat(620),
    refreshToken: `rt_${'r'.repeat(60)}`,
    expiresAt: Date.now() + 900_000,
  };
  app.post('/v1/sessions', async (_request, reply) => reply.status(201).send(tokens));
  app.post('/v1/auth/refresh', async () => tokens);
  app.get('/v1/me', async () => ({ session: { id: 'sess_x', anonymousId: 'anon_x', createdAt: Date.now() }, user: null, custom: {} }));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: Number(new URL(address).port),
    tokens: [],
    mint: async (count) => Array.from({ length: count }, () => ({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken })),
    stats: async () => ({}),
    missing: async (ids) => ids,
    stop: () => app.close(),
  };
}

// A customer backend: your own login decides who the user is; this server mints
// Tessera tokens for that user with your secret key, which never leaves the server.
import Fastify from 'fastify';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const TESSERA_URL = process.env.TESSERA_URL ?? 'http://localhost:8080';
const TESSERA_SECRET_KEY = process.env.TESSERA_SECRET_KEY; // sk_..., from `npx tessera init`
const PORT = Number(process.env.PORT ?? 3000);
if (!TESSERA_SECRET_KEY) throw new Error('set TESSERA_SECRET_KEY (printed by `npx tessera init`)');

const here = fileURLToPath(new URL('.', import.meta.url));
const app = Fastify({ logger: { redact: ['req.headers.cookie', 'req.headers.authorization'] } });

// Stand-in for your auth middleware: in your app this comes from your session.
const currentUser = (_request) => ({ id: 'user-123', name: 'Ada Lovelace', role: 'admin', workspaceId: 'ws-42' });

app.post('/api/chat/token', async (request, reply) => {
  const user = currentUser(request);
  if (!user) return reply.code(401).send({ error: 'Unauthorized' });
  const response = await fetch(`${TESSERA_URL}/v1/auth/tokens`, {
    method: 'POST',
    headers: { 'x-api-key': TESSERA_SECRET_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: user.id, name: user.name, custom: { role: user.role, workspaceId: user.workspaceId } }),
  });
  const body = await response.json();
  if (!response.ok) return reply.code(502).send({ error: body.error?.code ?? 'TOKEN_MINT_FAILED' });
  const { accessToken, refreshToken, expiresAt } = body;
  return { accessToken, refreshToken, expiresAt };
});

// The page, and the SDK's ESM build (packages/*/dist, after `npm run build`) for its import map.
app.get('/', async (_request, reply) => {
  const html = await readFile(join(here, 'public/index.html'), 'utf8');
  return reply.type('text/html').send(html.replace('%TESSERA_URL%', TESSERA_URL));
});
app.get('/sdk/:pkg/*', async (request, reply) => {
  const { pkg, '*': file } = request.params;
  if (!['client', 'protocol'].includes(pkg) || !file.endsWith('.js')) return reply.code(404).send();
  const path = normalize(join(here, '../../packages', pkg, 'dist', file));
  if (!path.startsWith(normalize(join(here, '../../packages', pkg, 'dist')))) return reply.code(404).send();
  const source = await readFile(path, 'utf8').catch(() => null);
  return source === null ? reply.code(404).send() : reply.type('text/javascript').send(source.replace(/\/\/# sourceMappingURL=.*$/m, ''));
});

await app.listen({ port: PORT, host: '127.0.0.1' });
console.log(`customer backend on http://localhost:${PORT} (Tessera at ${TESSERA_URL})`);

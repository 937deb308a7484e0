// Better Auth (anonymous + bearer + jwt plugins) over better-sqlite3 with Tessera's SQLite pragmas, as a
// bench server child: the same IPC as bench/server-child.mjs (ready, mint, stop). Started by
// bench/peers.mjs through bench/child.mjs. better-sqlite3 resolves to the workspace's compiled copy
// (node_modules/better-sqlite3 at the repository root): nothing to compile here.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { anonymous, bearer, jwt } from 'better-auth/plugins';

const ORIGIN = 'http://localhost:3000';
const dataDir = mkdtempSync(join(tmpdir(), 'bench-better-auth-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const database = new Database(join(dataDir, 'better-auth.db'));
// Tessera's (packages/server/src/store/sqlite/open-sqlite.ts), except that Tessera leaves checkpoints
// to its message worker (wal_autocheckpoint = 0 on the event loop's connection); here SQLite's default.
database.pragma('journal_mode = WAL');
for (const pragma of ['synchronous = NORMAL', 'foreign_keys = ON', 'cache_size = -65536', 'temp_store = MEMORY', 'busy_timeout = 5000'])
  database.pragma(pragma);

const auth = betterAuth({
  database,
  baseURL: 'http://better-auth.bench',
  secret: 'bench-secret-bench-secret-bench-secret-0123456789',
  trustedOrigins: [ORIGIN],
  // The bench sends thousands of requests a second from one address.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { disabled: true },
  // ES256, as Tessera's access tokens (the plugin's default is EdDSA).
  plugins: [anonymous(), bearer(), jwt({ jwks: { keyPairConfig: { alg: 'ES256' } } })],
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const server = createServer(toNodeHandler(auth));
server.keepAliveTimeout = 60_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

/** `count` anonymous sign-ins: each one's session token (what the bearer plugin accepts). */
async function mint(count) {
  const minted = [];
  for (let i = 0; i < count; i++) {
    const { token } = await auth.api.signInAnonymous({ headers: new Headers({ origin: ORIGIN }) });
    minted.push({ accessToken: token, refreshToken: token });
  }
  return minted;
}

process.on('message', async (request) => {
  const reply = (fields) => process.send({ type: request.type, id: request.id, ...fields });
  if (request.type === 'mint') reply({ minted: await mint(request.count) });
  else if (request.type === 'stats') reply({ stats: {} });
  else if (request.type === 'stop') {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    database.close();
    process.disconnect();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', port: server.address().port, tokens: [], origin: ORIGIN, publishableKey: null });

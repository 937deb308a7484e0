// `npm run bench:peers`: Tessera against Better Auth (anonymous + bearer + jwt plugins) on the same SQLite
// pragmas, the HTTP cases side by side: server CPU per operation (/proc, all threads), rates, latencies,
// min / median / max over interleaved runs. Better Auth is installed into bench/peers/better-auth, a folder
// of its own outside the npm workspaces (npm ci there on first use, from its committed lockfile).
//   session start ≈ POST /api/auth/sign-in/anonymous   refresh ≈ GET /api/auth/token (jwt plugin)   /v1/me ≈ GET /api/auth/get-session
// Environment: BENCH_RUNS (5), BENCH_SECONDS (5), BENCH_WARMUP_SECONDS (1), BENCH_CLIENTS (2), BENCH_PIN=1,
// BENCH_ONLY (http-session-start,http-refresh,http-me), BENCH_STRICT=1 (exit 1 when a target is missed).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { CASES } from './cases.mjs';
import { startServer } from './child.mjs';
import { compareCase } from './compare.mjs';
import { startLoadClients } from './load-clients.mjs';
import { hasTaskset, pin } from './proc-stat.mjs';
import { allTargets, printReport } from './report.mjs';

const peerDir = new URL('./peers/better-auth/', import.meta.url).pathname;
if (!existsSync(`${peerDir}node_modules/better-auth/package.json`)) {
  console.error('Installing Better Auth into bench/peers/better-auth (npm ci, its own lockfile)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: peerDir, stdio: 'inherit' });
}
const version = JSON.parse(readFileSync(`${peerDir}node_modules/better-auth/package.json`, 'utf8')).version;

const number = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  runs: number('BENCH_RUNS', 5),
  seconds: number('BENCH_SECONDS', 5),
  warmupSeconds: number('BENCH_WARMUP_SECONDS', 1),
  clients: number('BENCH_CLIENTS', 2),
  pinned: process.env.BENCH_PIN === '1' && hasTaskset() && cpus().length >= 2 ? { server: '0', clients: `1-${cpus().length - 1}` } : null,
};
const only = (process.env.BENCH_ONLY ?? 'http').split(',').map((s) => s.trim());
/** The targets against the peer: session start and refresh at ≥ 8× less server CPU. */
const PEER_TARGETS = {
  'http-session-start': [{ metric: 'cpuRatio', max: 1 / 8, label: 'CPU/op ≤ 1/8 of Better Auth' }],
  'http-refresh': [{ metric: 'cpuRatio', max: 1 / 8, label: 'CPU/op ≤ 1/8 of Better Auth' }],
  'http-me': [],
};
const cases = CASES.filter((c) => c.kind === 'http' && only.some((o) => c.name === o || c.name.startsWith(`${o}-`))).map((c) => ({
  ...c,
  baseline: 'better-auth',
  baselineLabel: `Better Auth ${version} (anonymous + bearer + jwt, ES256), better-sqlite3, same pragmas`,
  targets: PEER_TARGETS[c.name],
}));

const started = performance.now();
const loadAtStart = loadavg()[0];
const clients = await startLoadClients(settings.clients, { cpus: settings.pinned?.clients });
const servers = {
  baseline: await startServer('better-auth', { entry: `${peerDir}server.mjs` }),
  tessera: await startServer('tessera', { sessions: 0 }),
};
if (settings.pinned) for (const server of Object.values(servers)) pin(server.pid, settings.pinned.server);
const results = { cases: [] };
try {
  for (const kase of cases) results.cases.push(await compareCase(kase, { ...settings, servers, clients }));
} finally {
  await Promise.all(Object.values(servers).map((server) => server.stop()));
  await clients.close();
}

const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  cpuCount: cpus().length,
  backend: { database: 'SQLite (temp files) on both sides', redis: 'none (in-process bus)' },
  peer: { name: 'better-auth', version, plugins: ['anonymous', 'bearer', 'jwt'] },
  settings,
  seconds: Math.round((performance.now() - started) / 1000),
  load: [Math.round(loadAtStart * 100) / 100, Math.round(loadavg()[0] * 100) / 100],
  results,
};
writeFileSync(new URL('./peers-results.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nPeer: Better Auth ${version}; "baseline" below is Better Auth, ratios are Tessera ÷ Better Auth.`);
printReport(report);
console.log('\nwritten to bench/peers-results.json');
if (process.env.BENCH_STRICT === '1' && allTargets(results).some((t) => !t.met)) process.exit(1);

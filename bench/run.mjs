// `npm run bench`: Tessera's server against baselines measured in the same run, on loopback.
// Headline: server CPU per operation (µs, /proc/<pid>/stat, every thread of the server process); rates
// and latencies beside it. Servers and load clients each run in processes of their own; the orchestrator
// (this process) only starts jobs and reads counters. See docs/benchmarks.md.
//
// Environment:
//   BENCH_ONLY=<names>   comma-separated cases or groups: handshakes, handshakes-reconnect, handshakes-fresh,
//                        messages, messages-1x1, messages-100x1, messages-1000x1, messages-8x32, http,
//                        http-session-start, http-refresh, http-me, memory, memory-2k, memory-10k, verify,
//                        agents (not in the default set)
//   BENCH_RUNS (5)       recorded runs per case and side (plus one short unrecorded warm-up run each)
//   BENCH_SECONDS (5)    measurement window per run; BENCH_WARMUP_SECONDS (1) of load before it
//   BENCH_MEMORY_RUNS (3) runs of the memory cases (at most BENCH_RUNS): each starts fresh servers
//   BENCH_CLIENTS (2)    load client processes; BENCH_PIN=1 pins the server to CPU 0, the clients to the others
//   BENCH_STRICT=1       exit 1 when a target is missed
//   BENCH_CPU_PROF=<dir> profile the server children; BENCH_SERVER_DIST=<dir> another build of packages/server/dist
//   TESSERA_DATABASE_URL / TESSERA_REDIS_URL   Tessera's backends (default: a temp SQLite file, in-process bus)
//   BENCH_STORE=off      messages acked without being stored: a diagnostic ceiling, never written to results.json
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { CASES, MEMORY_CASES } from './cases.mjs';
import { startServer } from './child.mjs';
import { compareCase } from './compare.mjs';
import { agentsCase, verifyCase } from './extra-cases.mjs';
import { startLoadClients } from './load-clients.mjs';
import { compareMemory } from './memory-case.mjs';
import { hasTaskset, pin } from './proc-stat.mjs';
import { allTargets, printReport } from './report.mjs';

const number = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const runs = number('BENCH_RUNS', 5);
const settings = {
  runs,
  seconds: number('BENCH_SECONDS', 5),
  warmupSeconds: number('BENCH_WARMUP_SECONDS', 1),
  memoryRuns: number('BENCH_MEMORY_RUNS', Math.min(runs, 3)),
  clients: number('BENCH_CLIENTS', 2),
  pinned: process.env.BENCH_PIN === '1' && hasTaskset() && cpus().length >= 2 ? { server: '0', clients: `1-${cpus().length - 1}` } : null,
};
if (process.env.BENCH_PIN === '1' && !settings.pinned) console.error('BENCH_PIN=1: taskset or a second CPU is missing; not pinning');

const only = (process.env.BENCH_ONLY ?? 'handshakes,messages,http,memory,verify')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const selected = (name) => only.some((o) => o === 'all' || name === o || name.startsWith(`${o}-`));
const cases = CASES.filter((c) => selected(c.name));
const memoryCases = MEMORY_CASES.filter((c) => selected(c.name));
const unknown = only.filter(
  (o) =>
    ![...CASES, ...MEMORY_CASES, { name: 'verify' }, { name: 'agents' }].some(
      (c) => o === 'all' || c.name === o || c.name.startsWith(`${o}-`),
    ),
);
if (unknown.length) {
  console.error(`BENCH_ONLY: no case called ${unknown.join(', ')}`);
  process.exit(2);
}

/** BENCH_STORE=off: Tessera acks messages without storing them; a diagnostic, never a result. */
const diagnostic = process.env.BENCH_STORE === 'off';
const started = performance.now();
const loadAtStart = loadavg()[0];
const results = {};

if (cases.length) {
  const clients = await startLoadClients(settings.clients, { cpus: settings.pinned?.clients });
  const servers = {};
  const serverFor = async (mode) => {
    if (!servers[mode]) {
      servers[mode] = await startServer(mode, { sessions: 0 });
      if (settings.pinned) pin(servers[mode].pid, settings.pinned.server);
    }
    return servers[mode];
  };
  try {
    results.cases = [];
    for (const kase of cases) {
      const sides = { baseline: await serverFor(kase.baseline), tessera: await serverFor('tessera') };
      const caseStarted = performance.now();
      const summary = await compareCase(kase, { ...settings, servers: sides, clients });
      results.cases.push({ ...summary, seconds: Math.round((performance.now() - caseStarted) / 1000) });
    }
    if (servers.tessera) results.messagesStored = await servers.tessera.stats();
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    await clients.close();
  }
}
if (memoryCases.length) {
  const memoryStarted = performance.now();
  results.memory = await compareMemory(memoryCases, {
    clients: settings.clients,
    cpus: settings.pinned?.clients,
    runs: settings.memoryRuns,
  });
  results.memorySeconds = Math.round((performance.now() - memoryStarted) / 1000);
}
if (selected('verify')) results.verify = await verifyCase();
if (only.includes('agents') || only.includes('all')) results.agents = await agentsCase(settings);

const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  cpuCount: cpus().length,
  backend: {
    database: diagnostic
      ? 'NONE: messages acked without being stored (BENCH_STORE=off, a diagnostic ceiling)'
      : process.env.TESSERA_DATABASE_URL
        ? 'PostgreSQL (TESSERA_DATABASE_URL)'
        : 'SQLite (temp file)',
    redis: process.env.TESSERA_REDIS_URL ? 'TESSERA_REDIS_URL' : 'none (in-process bus)',
  },
  settings,
  only,
  seconds: Math.round((performance.now() - started) / 1000),
  /** 1-minute load average at start and end: above the CPU count, other processes competed with the bench. */
  load: [Math.round(loadAtStart * 100) / 100, Math.round(loadavg()[0] * 100) / 100],
  results,
};
if (!diagnostic) writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
printReport(report);
console.log(
  diagnostic ? '\nnot written to bench/results.json: messages were not stored (BENCH_STORE=off)' : '\nwritten to bench/results.json',
);
if (process.env.BENCH_STRICT === '1' && !diagnostic && allTargets(results).some((t) => !t.met)) process.exit(1);

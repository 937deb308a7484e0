// `npm run bench`: Tessera against baselines measured in the same run, on loopback.
//
//   1. handshakes/s: authenticated Tessera handshakes (bearer subprotocol, until `ready`) vs bare `ws`,
//      once reconnecting with a token the node has verified before, once with a new token each
//   2. messages/s:   acknowledged, persisted Tessera messages vs a bare `ws` echo
//   3. verify/s:     accessTokens.verify vs raw crypto.verify, same key, same signing input
//   4. agent turns:  a local streaming agent through Tessera's HTTP connector over WebSocket vs the same agent
//                    called directly: turns/s, deltas/s, and the latency Tessera adds (see agents.mjs)
//
// Both servers run in child processes (fork), the clients here. Each measurement is
// repeated (alternating which side goes first) and the median is reported.
//
// Environment: BENCH_REPS (3), BENCH_ONLY=handshakes,messages,verify,agents, BENCH_CONCURRENCY (16), BENCH_AGENT_LOOPS (8),
// BENCH_AGENT_DELTAS (20 per reply),
// BENCH_SOCKETS (8), BENCH_WINDOW (32), BENCH_FRESH_TOKENS (45000), BENCH_CPU_PROF=<dir> (profile the server children),
// BENCH_STRICT=1 (exit 1 when a target is missed), TESSERA_DATABASE_URL / TESSERA_REDIS_URL
// (passed through to Tessera's config as databaseUrl / redisUrl), BENCH_STORE=off (messages
// acknowledged without being stored: a diagnostic ceiling, never a result).
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { startServer } from './child.mjs';
import { startHandshakeLoad } from './handshakes.mjs';
import { startMessageLoad } from './messages.mjs';
import { benchVerification } from './verify.mjs';
import { benchAgentTurns } from './agents.mjs';
import { median, sleep, window } from './measure.mjs';

const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  reps: env('BENCH_REPS', 3),
  handshakes: { concurrency: env('BENCH_CONCURRENCY', 16), warmupMs: 500, durationMs: 2000 },
  messages: { sockets: env('BENCH_SOCKETS', 8), window: env('BENCH_WINDOW', 32), warmupMs: 700, durationMs: 2500 },
  verify: { rounds: 5, roundMs: 400, warmupMs: 400 },
  agents: { loops: env('BENCH_AGENT_LOOPS', 8), warmupMs: 500, durationMs: 2500 },
};
const only = new Set((process.env.BENCH_ONLY ?? 'handshakes,messages,verify,agents').split(',').map((s) => s.trim()));
const TARGETS = { handshakes: 0.85, handshakesFresh: 0.85, messages: 0.5, verify: 0.9 };
/** Agent turns: what Tessera may add to each latency (ms), and the share of the direct path's deltas/s it must relay. */
const AGENT_TARGETS = { addedP50Ms: 1, addedP99Ms: 5, deltasRatio: 0.8 };
/** The unrecorded first run of each side: long enough for the JIT to settle the hot paths. */
const WARMUP_RUN = { warmupMs: 0, durationMs: 700 };

const started = performance.now();
const loadAtStart = loadavg()[0];
const results = {};
const sides = ['baseline', 'tessera'];

if (only.has('handshakes') || only.has('messages')) {
  const sessions = Math.max(settings.handshakes.concurrency, settings.messages.sockets * (settings.reps + 1));
  const launched = await Promise.allSettled([startServer('bare'), startServer('tessera', { sessions })]);
  const failed = launched.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(launched.map((result) => result.status === 'fulfilled' && result.value.stop()));
    throw failed.reason;
  }
  const [bare, tessera] = launched.map((result) => result.value);
  const servers = { baseline: bare, tessera };
  try {
    if (only.has('handshakes')) {
      results.handshakes = await compare('handshakes', (side, { warmup = false } = {}) =>
        window(servers[side], startHandshakeLoad(servers[side], settings.handshakes), warmup ? WARMUP_RUN : settings.handshakes),
      );
      results.handshakesFresh = await compare('handshakesFresh', (side, { warmup = false } = {}) =>
        window(
          servers[side],
          startHandshakeLoad(servers[side], { ...settings.handshakes, fresh: true }),
          warmup ? WARMUP_RUN : settings.handshakes,
        ),
      );
    }
    if (only.has('messages')) {
      let tesseraRuns = 0;
      results.messages = await compare('messages', async (side, { warmup = false } = {}) => {
        const server = servers[side];
        // Fresh sessions (so fresh conversations) for every Tessera run; the bare server ignores tokens.
        const first = side === 'tessera' ? tesseraRuns++ * settings.messages.sockets : 0;
        const load = await startMessageLoad({ ...server, tokens: server.tokens.slice(first) }, settings.messages);
        return window(server, load, warmup ? WARMUP_RUN : settings.messages);
      });
      Object.assign(results.messages, await tessera.stats());
    }
  } finally {
    await Promise.all([bare.stop(), tessera.stop()]);
  }
}

if (only.has('verify')) {
  const v = await benchVerification(settings.verify);
  results.verify = summarise(
    'verify',
    v.raw.map((perSecond) => ({ perSecond })),
    v.ours.map((perSecond) => ({ perSecond })),
  );
  results.verify.alg = v.alg;
  results.verify.sessionsVerifyPerSecond = v.sessionsVerify;
}

if (only.has('agents')) {
  const { loops } = settings.agents;
  const agent = await startServer('agent');
  try {
    const tessera = await startServer('tessera', {
      sessions: (loops + 1) * (settings.reps + 1),
      env: { BENCH_AGENT_URL: `http://127.0.0.1:${agent.port}/` },
    });
    try {
      results.agents = summariseAgents(await benchAgentTurns({ agent, tessera, loops, reps: settings.reps, ...settings.agents }));
    } finally {
      await tessera.stop();
    }
  } finally {
    await agent.stop();
  }
}

const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  backend: {
    database:
      process.env.BENCH_STORE === 'off'
        ? 'NONE: messages not stored (BENCH_STORE=off, a diagnostic ceiling)'
        : process.env.TESSERA_DATABASE_URL
          ? 'TESSERA_DATABASE_URL'
          : 'sqlite (temp file)',
    redis: process.env.TESSERA_REDIS_URL ? 'TESSERA_REDIS_URL' : 'none (in-process)',
  },
  settings,
  seconds: Math.round((performance.now() - started) / 100) / 10,
  /** 1-minute load average at start and end: above the CPU count, other processes competed with the bench. */
  load: [round(loadAtStart, 2), round(loadavg()[0], 2)],
  results,
};
const diagnostic = process.env.BENCH_STORE === 'off';
if (!diagnostic) writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
print(report);
if (process.env.BENCH_STRICT && !diagnostic && Object.values(results).some((r) => !r.pass)) process.exit(1);

/** The agent row: what Tessera adds to each latency over the direct path, and the share of its deltas/s it relays. */
function summariseAgents({ throughput, latency }) {
  const { direct, tessera } = throughput;
  const added = (key, p) => round(latency.tessera[key][p] - latency.direct[key][p], 3);
  const addedMs = {
    requestP50: added('requestMs', 'p50'),
    requestP99: added('requestMs', 'p99'),
    relayP50: added('relayMs', 'p50'),
    relayP99: added('relayMs', 'p99'),
  };
  const deltasRatio = round(tessera.deltasPerSecond / direct.deltasPerSecond, 3);
  const valid = !direct.errors && !tessera.errors;
  return {
    direct,
    tessera,
    latency,
    addedMs,
    turnsRatio: round(tessera.turnsPerSecond / direct.turnsPerSecond, 3),
    deltasRatio,
    targets: AGENT_TARGETS,
    pass:
      valid &&
      Math.max(addedMs.requestP50, addedMs.relayP50) <= AGENT_TARGETS.addedP50Ms &&
      Math.max(addedMs.requestP99, addedMs.relayP99) <= AGENT_TARGETS.addedP99Ms &&
      deltasRatio >= AGENT_TARGETS.deltasRatio,
  };
}

/** Runs `measure(side)` once per side unrecorded (JIT warm-up), then `reps` times each, alternating which goes first. */
async function compare(name, measure) {
  const runs = { baseline: [], tessera: [] };
  for (const side of sides) await measure(side, { warmup: true });
  for (let rep = 0; rep < settings.reps; rep++) {
    for (const side of rep % 2 ? [...sides].reverse() : sides) {
      const before = performance.now();
      const run = await measure(side);
      runs[side].push(run);
      if (run.errors.count) console.error(`${name}/${side}: ${run.errors.count} errors, e.g. ${run.errors.samples.join('; ')}`);
      process.stderr.write(
        `  ${name} ${side.padEnd(8)} ${fmt(run.perSecond).padStart(9)}/s  server CPU ${run.serverCpuPercent.toFixed(0)}% (event loop ${run.serverLoopPercent.toFixed(0)}%)  client CPU ${run.clientCpuPercent.toFixed(0)}%  (${((performance.now() - before) / 1000).toFixed(1)} s)\n`,
      );
      await sleep(150);
    }
  }
  return summarise(name, runs.baseline, runs.tessera);
}

function summarise(name, baselineRuns, tesseraRuns) {
  const side = (runs) => ({
    median: median(runs.map((r) => r.perSecond)),
    runs: runs.map((r) => round(r.perSecond)),
    ...(runs[0]?.serverCpuPercent !== undefined
      ? {
          serverCpuPercent: round(median(runs.map((r) => r.serverCpuPercent))),
          serverLoopPercent: round(median(runs.map((r) => r.serverLoopPercent))),
          clientCpuPercent: round(median(runs.map((r) => r.clientCpuPercent))),
          serverCpuMicrosPerOp: round(median(runs.map((r) => r.serverCpuMicrosPerOp ?? 0)), 1),
          errors: runs.reduce((sum, r) => sum + r.errors.count, 0),
          completedOverall: runs.reduce((sum, r) => sum + r.total, 0),
        }
      : {}),
  });
  const baseline = side(baselineRuns);
  const tessera = side(tesseraRuns);
  const ratio = tessera.median / baseline.median;
  const valid = !tessera.errors && !baseline.errors;
  return {
    baseline,
    tessera,
    ratio: round(ratio, 3),
    // Each repetition runs both sides back to back: their ratio is less exposed to drift in the machine's load.
    pairedRatioMedian: round(median(tesseraRuns.map((r, i) => r.perSecond / baselineRuns[i].perSecond)), 3),
    // Server CPU per operation, baseline over Tessera: the server's own efficiency, whoever was the bottleneck.
    ...(baseline.serverCpuMicrosPerOp ? { cpuPerOpRatio: round(baseline.serverCpuMicrosPerOp / tessera.serverCpuMicrosPerOp, 3) } : {}),
    target: TARGETS[name],
    pass: valid && ratio >= TARGETS[name],
  };
}

function print(report) {
  const { results: r, seconds, node, cpus: machine, backend } = report;
  const rows = [
    [
      'handshakes/s',
      `bare ws`,
      r.handshakes,
      `${settings.handshakes.concurrency} concurrent loops reconnecting with their token, bearer subprotocol → ready`,
    ],
    ['  new token each', `bare ws`, r.handshakesFresh, `every handshake presents a token the node never verified before`],
    [
      diagnostic ? 'unstored msgs/s' : 'persisted msgs/s',
      `bare echo`,
      r.messages,
      `${settings.messages.sockets} sockets × ${settings.messages.window} in flight, ${diagnostic ? 'acked WITHOUT being stored (BENCH_STORE=off)' : 'ack after commit'}`,
    ],
    ['token verify/s', `crypto.verify`, r.verify, r.verify ? `${r.verify.alg}, in process, per CPU-second` : ''],
  ].filter(([, , result]) => result);
  const line = (cells, widths) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  const widths = [17, 14, 11, 11, 7, 7, 5];
  console.log(`\nTessera benchmark — ${node}, ${machine}, ${backend.database}, medians of ${settings.reps} runs (${seconds} s)\n`);
  console.log(line(['', 'baseline', 'base/s', 'tessera/s', 'ratio', 'target', ''], widths));
  for (const [label, baseline, result] of rows) {
    console.log(
      line(
        [
          label,
          baseline,
          fmt(result.baseline.median),
          fmt(result.tessera.median),
          `${result.ratio.toFixed(2)}×`,
          `≥${result.target}×`,
          result === r.messages && diagnostic ? 'n/a' : result.pass ? 'PASS' : 'FAIL',
        ],
        widths,
      ),
    );
  }
  console.log('');
  for (const [label, , result, note] of rows) {
    const b = result.baseline;
    const t = result.tessera;
    const cpu =
      b.serverCpuMicrosPerOp !== undefined
        ? `server CPU/op ${b.serverCpuMicrosPerOp} µs vs ${t.serverCpuMicrosPerOp} µs = ${result.cpuPerOpRatio}× (server busy ${b.serverCpuPercent}% vs ${t.serverCpuPercent}%, event loop ${b.serverLoopPercent}% vs ${t.serverLoopPercent}%, client ${b.clientCpuPercent}% vs ${t.clientCpuPercent}%)`
        : '';
    console.log(`  ${label}: ${note}; paired ratio ${result.pairedRatioMedian}×${cpu ? `; ${cpu}` : ''}`);
    if (b.errors || t.errors) console.log(`    errors: baseline ${b.errors}, tessera ${t.errors} (a run with errors does not pass)`);
  }
  if (r.messages)
    console.log(
      `  persisted msgs/s: ${r.messages.tessera.completedOverall} acked over the runs; ${r.messages.storedMessages} message rows stored (user messages + agent replies) handed to the store in ${r.messages.batches} calls`,
    );
  if (r.verify)
    console.log(
      `  token verify/s: full sessions.verify of one token again and again (signature checked once, then claims + session cache) ${fmt(r.verify.sessionsVerifyPerSecond)}/s`,
    );
  if (r.agents) {
    const { direct: d, tessera: t, addedMs: a } = r.agents;
    const { direct: ld, tessera: lt } = r.agents.latency;
    const ms = (value) => `${value.toFixed(2)} ms`;
    console.log(
      `\nagent turns (${settings.agents.loops} concurrent, ${process.env.BENCH_AGENT_DELTAS ?? 20} deltas each, SSE):  direct ${fmt(d.turnsPerSecond)} turns/s ${fmt(d.deltasPerSecond)} deltas/s  |  through Tessera ${fmt(t.turnsPerSecond)} turns/s ${fmt(t.deltasPerSecond)} deltas/s = ${r.agents.deltasRatio}× (target ≥${AGENT_TARGETS.deltasRatio}×)  ${r.agents.pass ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `  one turn at a time: message → agent request: direct p50 ${ms(ld.requestMs.p50)} p99 ${ms(ld.requestMs.p99)}; Tessera p50 ${ms(lt.requestMs.p50)} p99 ${ms(lt.requestMs.p99)}; added p50 ${ms(a.requestP50)} p99 ${ms(a.requestP99)}`,
    );
    console.log(
      `  one turn at a time: agent first byte → client first delta: direct p50 ${ms(ld.relayMs.p50)} p99 ${ms(ld.relayMs.p99)}; Tessera p50 ${ms(lt.relayMs.p50)} p99 ${ms(lt.relayMs.p99)}; added p50 ${ms(a.relayP50)} p99 ${ms(a.relayP99)} (targets: added ≤ ${AGENT_TARGETS.addedP50Ms} ms p50, ≤ ${AGENT_TARGETS.addedP99Ms} ms p99)`,
    );
    console.log(
      `  under load (${settings.agents.loops} at once): message → agent request p50 ${ms(t.requestMs.p50)} (direct ${ms(d.requestMs.p50)}), first byte → first delta p50 ${ms(t.relayMs.p50)} (direct ${ms(d.relayMs.p50)})`,
    );
    if (d.errors || t.errors) console.log(`    errors: direct ${d.errors}, tessera ${t.errors} (a run with errors does not pass)`);
  }
  const [loadStart, loadEnd] = report.load;
  if (Math.max(loadStart, loadEnd) > cpus().length) {
    console.log(
      `\n  ! the machine was busy (load ${loadStart.toFixed(1)} → ${loadEnd.toFixed(1)} on ${cpus().length} CPUs): other processes competed for the CPUs, treat the figures as rough`,
    );
  }
  console.log(
    diagnostic ? '\nnot written to bench/results.json: messages were not stored (BENCH_STORE=off)' : '\nwritten to bench/results.json',
  );
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function round(n, digits = 0) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

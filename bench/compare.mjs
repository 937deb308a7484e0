// Runs one case, baseline and Tessera interleaved: one short unrecorded run of each (JIT warm-up), then
// `runs` pairs, alternating which side goes first; each pair's ratios are taken at the same moment.
import { shareOf } from './load-clients.mjs';
import { measureWindow, sleep, spread } from './measure.mjs';

const SIDES = ['baseline', 'tessera'];

export async function compareCase(kase, { servers, clients, runs, seconds, warmupSeconds }) {
  const recorded = { baseline: [], tessera: [] };
  const lastRate = { baseline: null, tessera: null };
  for (let run = -1; run < runs; run++) {
    const order = run % 2 ? SIDES : [...SIDES].reverse();
    for (const side of order) {
      const server = servers[side];
      const durationMs = (run < 0 ? Math.min(1, seconds) : seconds) * 1000;
      const warmupMs = warmupSeconds * 1000;
      const sessions = kase.sessions(kase.units, lastRate[side], (warmupMs + durationMs) / 1000 + 1);
      const tokens = sessions ? await server.mint(sessions, { fresh: kase.fresh }) : [];
      if (kase.fresh) await server.forgetSessions?.();
      // Let the minting's writes settle (commits, checkpoints) before the load starts.
      if (sessions) await sleep(300);
      await clients.start(kase.kind, targetOf(server), (i) => paramsFor(kase, tokens, i, clients.count));
      const result = await measureWindow({ server, clients, warmupMs, durationMs });
      lastRate[side] = Math.max(lastRate[side] ?? 0, result.perSecond);
      if (result.errors.count)
        console.error(`  ${kase.name}/${side}: ${result.errors.count} errors, e.g. ${result.errors.samples.join('; ')}`);
      if (run >= 0) recorded[side].push(result);
      process.stderr.write(`  ${kase.name.padEnd(22)} ${side.padEnd(8)} ${run < 0 ? 'warm-up' : `run ${run + 1}  `} ${line(result)}\n`);
      await sleep(200);
    }
  }
  return summarise(kase, recorded);
}

function line(r) {
  const latency = r.p50Ms === null ? '' : `  p50 ${r.p50Ms.toFixed(2)} ms p99 ${r.p99Ms.toFixed(2)} ms`;
  return `${Math.round(r.perSecond).toString().padStart(7)}/s  ${(r.serverMicrosPerOp ?? 0).toFixed(1).padStart(7)} µs/op  server ${r.serverCpuPercent.toFixed(0)}%  clients ${r.clientCpuPercent.toFixed(0)}%${latency}`;
}

export const targetOf = (server) => ({
  mode: server.mode === 'bare-verify' ? 'bare' : server.mode,
  url: server.url,
  httpUrl: server.httpUrl,
  origin: server.origin,
  publishableKey: server.publishableKey,
});

function paramsFor(kase, tokens, i, count) {
  const { first, size } = shareOf(kase.units, i, count);
  const common = { loops: size, sockets: size, window: kase.window, operation: kase.operation, fresh: kase.fresh };
  if (kase.fresh) {
    // The pool shared out in equal slices; the bare-verify server hands out a short pool to reuse.
    const slice = shareOf(tokens.length, i, count);
    return { ...common, tokens: tokens.slice(slice.first, slice.first + slice.size).map((t) => t.accessToken) };
  }
  const mine = tokens.slice(first, first + size);
  return { ...common, tokens: kase.kind === 'http' ? mine : mine.map((t) => t.accessToken) };
}

export function summarise(kase, runs) {
  const pick = (side, key) => runs[side].map((r) => r[key]);
  const side = (name) => ({
    microsPerOp: spread(pick(name, 'serverMicrosPerOp')),
    perSecond: spread(pick(name, 'perSecond')),
    p50Ms: spread(pick(name, 'p50Ms')),
    p99Ms: spread(pick(name, 'p99Ms')),
    serverCpuPercent: spread(pick(name, 'serverCpuPercent')),
    clientCpuPercent: spread(pick(name, 'clientCpuPercent')),
    errors: runs[name].reduce((sum, r) => sum + r.errors.count, 0),
    runs: runs[name].map(({ errors, ...r }) => ({ ...r, errors: errors.count })),
  });
  const paired = (key) => spread(runs.tessera.map((t, i) => t[key] / runs.baseline[i]?.[key]));
  const ratios = { cpuRatio: paired('serverMicrosPerOp'), rate: paired('perSecond'), p50Ratio: paired('p50Ms'), p99Ratio: paired('p99Ms') };
  const summary = {
    name: kase.name,
    baselineLabel: kase.baselineLabel,
    note: kase.note,
    baseline: side('baseline'),
    tessera: side('tessera'),
    ratios,
  };
  summary.targets = judge(
    kase.targets,
    { ...ratios, micros: summary.tessera.microsPerOp },
    summary.baseline.errors + summary.tessera.errors,
  );
  return summary;
}

/** Each target met or missed, on the median; a case with errors misses them all. */
export function judge(targets, figures, errors) {
  return targets.map((target) => {
    const value = figures[target.metric]?.median ?? null;
    const met =
      !errors && value !== null && (target.max === undefined || value <= target.max) && (target.min === undefined || value >= target.min);
    return { ...target, value, met };
  });
}

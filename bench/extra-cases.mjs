// The in-process verify case and the agents case (opt-in: BENCH_ONLY=agents), kept from the earlier bench.
import { benchAgentTurns } from './agents.mjs';
import { startServer } from './child.mjs';
import { spread } from './measure.mjs';
import { benchVerification } from './verify.mjs';

/** accessTokens.verify against raw crypto.verify, calls per CPU-second of this process; target ≥ 0.9×. */
export async function verifyCase() {
  const v = await benchVerification({ rounds: 5, roundMs: 400, warmupMs: 400 });
  const ratio = spread(v.ours.map((ours, i) => ours / v.raw[i]));
  return {
    name: 'verify',
    alg: v.alg,
    raw: spread(v.raw),
    ours: spread(v.ours),
    ratio,
    sessionsVerifyPerSecond: v.sessionsVerify,
    targets: [{ metric: 'rate', min: 0.9, label: 'verify/s ≥ 0.9× crypto.verify', value: ratio.median, met: ratio.median >= 0.9 }],
  };
}

/** Agent turns: what Tessera may add to each latency (ms), and the share of the direct path's deltas/s it must relay. */
const AGENT_TARGETS = { addedP50Ms: 1, addedP99Ms: 5, deltasRatio: 0.8 };

export async function agentsCase({ runs, seconds }) {
  const loops = Number(process.env.BENCH_AGENT_LOOPS ?? 8);
  const agent = await startServer('agent');
  try {
    const tessera = await startServer('tessera', {
      sessions: (loops + 1) * (runs + 1),
      env: { BENCH_AGENT_URL: `http://127.0.0.1:${agent.port}/` },
    });
    try {
      const { throughput, latency } = await benchAgentTurns({
        agent,
        tessera,
        loops,
        reps: runs,
        warmupMs: 500,
        durationMs: seconds * 1000,
      });
      const added = (key, p) => latency.tessera[key][p] - latency.direct[key][p];
      const addedMs = {
        requestP50: added('requestMs', 'p50'),
        requestP99: added('requestMs', 'p99'),
        relayP50: added('relayMs', 'p50'),
        relayP99: added('relayMs', 'p99'),
      };
      const deltasRatio = throughput.tessera.deltasPerSecond / throughput.direct.deltasPerSecond;
      const valid = !throughput.direct.errors && !throughput.tessera.errors;
      const met = (value, ok) => ({ value, met: valid && ok });
      return {
        name: 'agents',
        loops,
        throughput,
        latency,
        addedMs,
        deltasRatio,
        targets: [
          {
            label: `added p50 ≤ ${AGENT_TARGETS.addedP50Ms} ms`,
            ...met(
              Math.max(addedMs.requestP50, addedMs.relayP50),
              Math.max(addedMs.requestP50, addedMs.relayP50) <= AGENT_TARGETS.addedP50Ms,
            ),
          },
          {
            label: `added p99 ≤ ${AGENT_TARGETS.addedP99Ms} ms`,
            ...met(
              Math.max(addedMs.requestP99, addedMs.relayP99),
              Math.max(addedMs.requestP99, addedMs.relayP99) <= AGENT_TARGETS.addedP99Ms,
            ),
          },
          { label: `deltas/s ≥ ${AGENT_TARGETS.deltasRatio}× direct`, ...met(deltasRatio, deltasRatio >= AGENT_TARGETS.deltasRatio) },
        ],
      };
    } finally {
      await tessera.stop();
    }
  } finally {
    await agent.stop();
  }
}

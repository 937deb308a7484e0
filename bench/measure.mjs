// Timing and statistics helpers shared by the cases.
import { quantiles } from './histogram.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** {min, median, max} of the values that are numbers (null when none is). */
export function spread(values) {
  const numbers = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (!numbers.length) return null;
  return { min: Math.min(...numbers), median: median(numbers), max: Math.max(...numbers) };
}

/**
 * One measurement: the load (already started in the clients) runs `warmupMs`, then over `durationMs`
 * the operations the clients completed, the server's CPU (all threads, from /proc) and the clients'.
 * Stops the load when done (draining what is in flight, outside the window).
 */
export async function measureWindow({ server, clients, warmupMs, durationMs }) {
  await sleep(warmupMs);
  await clients.mark();
  const server0 = server.cpuMicros();
  const clients0 = clients.cpuMicros();
  const t0 = performance.now();
  await sleep(durationMs);
  const read = await clients.read();
  const server1 = server.cpuMicros();
  const clients1 = clients.cpuMicros();
  const seconds = (performance.now() - t0) / 1000;
  await clients.stop();
  const [p50, p99] = quantiles(read.latencies, [0.5, 0.99]);
  return {
    ops: read.count,
    perSecond: read.count / seconds,
    serverMicrosPerOp: read.count ? (server1 - server0) / read.count : null,
    serverCpuPercent: ((server1 - server0) / 1e6 / seconds) * 100,
    clientCpuPercent: ((clients1 - clients0) / 1e6 / seconds) * 100,
    p50Ms: p50,
    p99Ms: p99,
    errors: read.errors,
  };
}

/** A load's errors: how many, and the first few reasons. */
export function errorTally(samplesKept = 5) {
  const errors = { count: 0, samples: [] };
  const error = (reason) => {
    errors.count++;
    if (errors.samples.length < samplesKept) errors.samples.push(reason);
  };
  return { errors, error };
}

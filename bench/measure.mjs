// Timing helpers shared by the scenarios.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Runs a load (already started, counting completed operations in `load.count`) for a
 * warm-up, then measures operations/s over `durationMs`, with the server child's and this
 * process's CPU over the same window.
 */
export async function window(server, load, { warmupMs, durationMs }) {
  await sleep(warmupMs);
  const serverCpu0 = await server.cpu();
  const clientCpu0 = process.cpuUsage();
  const count0 = load.count();
  const t0 = performance.now();
  await sleep(durationMs);
  const count1 = load.count();
  const t1 = performance.now();
  const serverCpu1 = await server.cpu();
  const clientCpu = process.cpuUsage(clientCpu0);
  await load.stop();
  const seconds = (t1 - t0) / 1000;
  const ops = count1 - count0;
  return {
    ops,
    perSecond: ops / seconds,
    serverCpuPercent: ((serverCpu1.micros - serverCpu0.micros) / 1e6 / seconds) * 100,
    /** How busy the server's event loop (its main thread) was: the rest of its CPU is other threads'. */
    serverLoopPercent: ((serverCpu1.loopActive - serverCpu0.loopActive) / (serverCpu1.loopTotal - serverCpu0.loopTotal)) * 100,
    clientCpuPercent: ((clientCpu.user + clientCpu.system) / 1e6 / seconds) * 100,
    serverCpuMicrosPerOp: ops ? (serverCpu1.micros - serverCpu0.micros) / ops : null,
    /** Operations completed over the whole run, warm-up and drain included. */
    total: load.count(),
    errors: load.errors(),
  };
}

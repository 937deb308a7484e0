// The server side of the benchmark, run in a child process (fork) so no client's CPU competes with it
// inside one event loop. `node bench/server-child.mjs bare|bare-verify|bare-http|tessera|agent [sessions]`.
// Talks to the parent over IPC: sends {type:'ready', port, tokens, publishableKey}, answers {type:'cpu'},
// {type:'stats'}, {type:'memory'}, {type:'mint', count} (new sessions' tokens), {type:'forget'} (drop the
// session cache) and {type:'storedIds', ids, conversationIds} (Tessera only), exits on {type:'stop'}.
// The bench reads the child's CPU from /proc/<pid>/stat; {type:'cpu'} is the soak's.
import { join } from 'node:path';
import { startAgent } from './agent-server.mjs';
import { startBare, startBareHttp } from './bare-servers.mjs';
import { ORIGIN, startTessera } from './tessera-server.mjs';

export { ORIGIN };

const mode = process.argv[2];
const sessionCount = Number(process.argv[3] ?? 64);
const starters = {
  bare: () => startBare(),
  'bare-verify': () => startBare({ verifyTokens: true }),
  'bare-http': () => startBareHttp(),
  tessera: () => startTessera(sessionCount),
  agent: () => startAgent(),
};
if (!starters[mode]) {
  console.error(`usage: server-child.mjs ${Object.keys(starters).join('|')} [sessions]`);
  process.exit(2);
}
const server = await starters[mode]();

const fullGc = () => {
  // Twice: the first pass may leave what only a second one (after finalisers) frees.
  globalThis.gc?.();
  globalThis.gc?.();
};

process.on('message', async (request) => {
  const reply = (fields) => process.send({ type: request.type, id: request.id, ...fields });
  if (request.type === 'cpu') {
    reply({ usage: process.cpuUsage(), loop: performance.eventLoopUtilization() });
  } else if (request.type === 'stats') {
    reply({ stats: await server.stats() });
  } else if (request.type === 'memory') {
    fullGc();
    const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
    reply({ memory: { rss, heapUsed, heapTotal, external, gc: Boolean(globalThis.gc) } });
  } else if (request.type === 'mint') {
    reply({ minted: await server.mint(request.count, { fresh: request.fresh }) });
  } else if (request.type === 'forget') {
    server.forgetSessions?.();
    reply({});
  } else if (request.type === 'snapshot') {
    // BENCH_HEAP_SNAPSHOTS=<dir> (the soak): a heap snapshot, after a full GC, for bench/heap-diff.mjs.
    fullGc();
    const { writeHeapSnapshot } = await import('node:v8');
    reply({ file: writeHeapSnapshot(join(request.dir, `${request.label}.heapsnapshot`)) });
  } else if (request.type === 'storedIds') {
    reply({ missing: await server.missing(request.ids, request.conversationIds) });
  } else if (request.type === 'stop') {
    await server.stop();
    process.disconnect();
    // A normal exit, so that `--cpu-prof` gets to write its profile.
    process.exit(0);
  }
});
// The parent died or gave up on us: don't linger.
process.on('disconnect', () => process.exit(0));
process.send({
  type: 'ready',
  port: server.port,
  tokens: server.tokens,
  origin: ORIGIN,
  publishableKey: server.publishableKey ?? null,
});

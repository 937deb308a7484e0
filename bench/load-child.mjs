// A load client process: the bench forks several (load-clients.mjs) so that no client shares an event
// loop with the server or the orchestrator. Driven over IPC, one job at a time:
//   {type:'start', kind, target, params} → {started}   (sockets open, loops running)
//   {type:'mark'}                        → {}          (the measurement window starts: counters and latencies from here)
//   {type:'read'}                        → {count, errors, latency}   (since the mark)
//   {type:'stop'}                        → {}          (loops stopped, in-flight work drained, sockets closed)
import { startHandshakeLoad } from './handshake-load.mjs';
import { Histogram } from './histogram.mjs';
import { startHttpLoad, TESSERA_ROUTES } from './http-load.mjs';
import { closeSockets, openSockets, startMessageLoad } from './message-load.mjs';

const histogram = new Histogram();
const kinds = {
  handshakes: (target, params) => startHandshakeLoad(target, { ...params, histogram }),
  messages: (target, params) => startMessageLoad(target, { ...params, histogram }),
  http: async (target, params) => startHttpLoad(target, { ...params, histogram, routes: await routesOf(target.mode) }),
  idle: async (target, { sockets, tokens }) => {
    const opened = await openSockets(target, sockets, tokens);
    return { count: () => opened.length, errors: () => ({ count: 0, samples: [] }), stop: () => closeSockets(opened) };
  },
};
/** A peer's requests for the HTTP operations (bench/peers/<mode>/routes.mjs), Tessera's otherwise. */
async function routesOf(mode) {
  if (mode === 'tessera' || mode === 'bare-http') return TESSERA_ROUTES;
  return (await import(`./peers/${mode}/routes.mjs`)).ROUTES;
}
let load = null;
let countAtMark = 0;

process.on('message', async (request) => {
  const reply = (fields = {}) => process.send({ id: request.id, ...fields });
  try {
    if (request.type === 'start') {
      histogram.clear();
      countAtMark = 0;
      load = await kinds[request.kind](request.target, request.params);
      reply({ started: true });
    } else if (request.type === 'mark') {
      histogram.clear();
      countAtMark = load.count();
      reply();
    } else if (request.type === 'read') {
      reply({ count: load.count() - countAtMark, errors: load.errors(), latency: histogram.toJSON() });
    } else if (request.type === 'stop') {
      await load?.stop();
      load = null;
      reply();
    }
  } catch (err) {
    reply({ error: err.stack ?? String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });

// The local streaming agent of the agents case (server-child.mjs `agent` mode).
/**
 * A local streaming agent (`agent` mode): answers every POST with `text/event-stream`, BENCH_AGENT_DELTAS
 * `delta` events written one by one, then `done`. The first delta carries when the request arrived and
 * when the first byte left (epoch ms, sub-ms precision), for the load generator's latencies.
 */
export async function startAgent() {
  const { createServer } = await import('node:http');
  const deltas = Number(process.env.BENCH_AGENT_DELTAS ?? 20);
  const now = () => performance.timeOrigin + performance.now();
  const server = createServer((request, response) => {
    const receivedAt = now();
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      const event = (name, data) => response.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      event('delta', { content: `@${receivedAt.toFixed(3)}/${now().toFixed(3)} ` });
      for (let i = 1; i < deltas; i++) event('delta', { content: `word${i} ` });
      event('done', {});
      response.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    tokens: [],
    stats: async () => ({}),
    missing: async (ids) => ids,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

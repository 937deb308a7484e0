// Handshakes/s: N client loops, each opening a socket, waiting until it is usable, closing it,
// and starting over once the close completes. Bare `ws`: usable on `open`. Tessera: usable
// on its `ready` frame (the token was verified and the connection set up).
import WebSocket from 'ws';

// With `fresh`, every Tessera handshake presents a token the server has never seen (no
// verification cache can help); otherwise each loop reconnects with its own token.
export function startHandshakeLoad(server, { concurrency, fresh = false }) {
  let nextFresh = 0;
  const tokenFor = (i) => (fresh && server.freshTokens.length ? server.freshTokens[nextFresh++] : server.tokens[i % server.tokens.length]);
  const protocols = (i) => ['tessera.v1', ...(server.tokens.length ? [`bearer.${tokenFor(i)}`] : [])];
  const waitForReady = server.mode === 'tessera';
  let running = true;
  let completed = 0;
  const errors = { count: 0, samples: [] };
  const error = (reason) => {
    errors.count++;
    if (errors.samples.length < 5) errors.samples.push(reason);
  };

  const once = (i) =>
    new Promise((resolve) => {
      let usable = false;
      let failed = false;
      const ws = new WebSocket(server.url, protocols(i), { origin: server.origin, perMessageDeflate: false });
      const fail = (reason) => {
        if (failed) return;
        failed = true;
        error(reason);
        ws.terminate();
      };
      ws.on('open', () => {
        if (waitForReady) return;
        usable = true;
        ws.close();
      });
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString());
        if (frame.type === 'ready' && !usable) {
          usable = true;
          ws.close();
        } else if (!usable) fail(`unexpected frame ${frame.type}`);
      });
      ws.on('error', (err) => fail(err.message));
      ws.on('close', (code, reason) => {
        if (usable) completed++;
        else fail(`closed ${code} ${reason}`);
        resolve();
      });
    });

  const loops = Array.from({ length: concurrency }, async (_, i) => {
    while (running) {
      if (fresh && server.freshTokens.length && nextFresh >= server.freshTokens.length) {
        error('ran out of fresh tokens (raise BENCH_FRESH_TOKENS)');
        return;
      }
      await once(i);
    }
  });

  return {
    count: () => completed,
    errors: () => errors,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

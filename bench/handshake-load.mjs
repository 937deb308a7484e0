// Handshakes: loops each opening a socket, waiting until it is usable, closing it, and starting over
// once the close completes. Bare `ws`: usable on `open`. Tessera: usable on its `ready` frame (the
// token verified and the connection set up). `tokens`: one per loop to reconnect with again and
// again, or (`fresh`) a pool spent one per handshake, each of a session the server never verified.
import WebSocket from 'ws';
import { errorTally } from './measure.mjs';

export function startHandshakeLoad(target, { loops: loopCount, tokens, fresh = false, histogram }) {
  let nextFresh = 0;
  const tokenFor = (i) => (fresh ? tokens[nextFresh++] : tokens[i % tokens.length]);
  const waitForReady = target.mode === 'tessera';
  let running = true;
  let completed = 0;
  const { errors, error } = errorTally();

  const once = (i) =>
    new Promise((resolve) => {
      let usable = false;
      let failed = false;
      const started = performance.now();
      const ws = new WebSocket(target.url, ['tessera.v1', `bearer.${tokenFor(i)}`], { origin: target.origin, perMessageDeflate: false });
      const fail = (reason) => {
        if (failed) return;
        failed = true;
        error(reason);
        ws.terminate();
      };
      const done = () => {
        usable = true;
        histogram.record(performance.now() - started);
        ws.close();
      };
      ws.on('open', () => {
        if (!waitForReady) done();
      });
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString());
        if (frame.type === 'ready' && !usable) done();
        else if (!usable) fail(`unexpected frame ${frame.type}`);
      });
      ws.on('error', (err) => fail(err.message));
      ws.on('close', (code, reason) => {
        if (usable) completed++;
        else fail(`closed ${code} ${reason}`);
        resolve();
      });
    });

  const loops = Array.from({ length: loopCount }, async (_, i) => {
    while (running) {
      if (fresh && nextFresh >= tokens.length) {
        error('ran out of fresh sessions (the run was faster than estimated)');
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

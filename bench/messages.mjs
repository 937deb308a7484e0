// Messages/s: S sockets, each keeping a window of W messages in flight. Bare `ws`: a message
// completes when its echo comes back. Tessera: when its `ack` comes back, which the server sends
// only after the message is committed to the store. (Tessera then also stores and sends the
// agent's reply; the client reads and ignores it.)
import WebSocket from 'ws';

// Not a question about orders: the demo agent answers those from an anonymous visitor by asking for sign-in
// (a pending turn written on the main connection), which is not what this row measures.
const CONTENT = 'Hello! Where is my parcel? This is a benchmark message of typical length.';
let sequence = 0;

export async function startMessageLoad(server, { sockets, window }) {
  const isTessera = server.mode === 'tessera';
  const completes = isTessera ? 'ack' : 'message';
  let running = true;
  let completed = 0;
  let inFlight = 0;
  let onIdle = null;
  const errors = { count: 0, samples: [] };
  const error = (reason) => {
    errors.count++;
    if (errors.samples.length < 5) errors.samples.push(reason);
  };

  const open = (i) =>
    new Promise((resolve, reject) => {
      const protocols = ['tessera.v1', ...(isTessera ? [`bearer.${server.tokens[i % server.tokens.length]}`] : [])];
      const ws = new WebSocket(server.url, protocols, { origin: server.origin, perMessageDeflate: false });
      ws.once('error', reject);
      ws.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason}`)));
      if (isTessera) {
        ws.once('message', (data) =>
          JSON.parse(data.toString()).type === 'ready' ? resolve(ws) : reject(new Error(`not ready: ${data}`)),
        );
      } else {
        ws.once('open', () => resolve(ws));
      }
    });
  const opened = await Promise.all(Array.from({ length: sockets }, (_, i) => open(i)));

  const send = (ws) => {
    inFlight++;
    ws.send(JSON.stringify({ type: 'message', id: `b${++sequence}`, content: CONTENT }));
  };
  for (const ws of opened) {
    ws.removeAllListeners();
    ws.on('error', (err) => error(err.message));
    ws.on('close', (code, reason) => {
      if (running) error(`closed ${code} ${reason}`);
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === completes) completed++;
      else if (frame.type === 'error') error(`${frame.code}: ${frame.message}`);
      else return; // the agent's reply
      inFlight--;
      if (running) send(ws);
      else if (inFlight === 0) onIdle?.();
    });
    for (let i = 0; i < window; i++) send(ws);
  }

  return {
    count: () => completed,
    errors: () => errors,
    async stop() {
      running = false;
      // Let every sent message complete (so the next run starts on an idle server), then close.
      if (inFlight > 0) {
        await new Promise((resolve) => {
          onIdle = resolve;
          setTimeout(resolve, 10_000).unref();
        });
      }
      await Promise.all(
        opened.map((ws) =>
          ws.readyState === WebSocket.CLOSED
            ? null
            : new Promise((resolve) => {
                ws.once('close', resolve);
                ws.close();
              }),
        ),
      );
    },
  };
}

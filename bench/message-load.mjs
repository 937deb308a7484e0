// Messages: sockets each keeping `window` messages in flight. Bare `ws`: a message completes when its
// echo comes back. Tessera: when its `ack` comes back, which the server sends only after the message is
// committed to the store. (Tessera then also stores and sends the agent's reply; the client reads and
// ignores it.) The latency of each, send to ack (or echo), goes into `histogram`.
import WebSocket from 'ws';
import { errorTally } from './measure.mjs';

// Not a question about orders: the demo agent answers those from an anonymous visitor by asking for sign-in
// (a pending turn written on the main connection), which is not what this case measures.
const CONTENT = 'Hello! Where is my parcel? This is a benchmark message of typical length.';

export async function startMessageLoad(target, { sockets, window, tokens, histogram }) {
  const isTessera = target.mode === 'tessera';
  const completes = isTessera ? 'ack' : 'message';
  const prefix = `m${process.pid}-${Date.now().toString(36)}-`;
  let sequence = 0;
  let running = true;
  let completed = 0;
  const sentAt = new Map();
  let onIdle = null;
  const { errors, error } = errorTally();

  const opened = await openSockets(target, sockets, tokens);
  const send = (ws) => {
    const id = `${prefix}${++sequence}`;
    sentAt.set(id, performance.now());
    ws.send(JSON.stringify({ type: 'message', id, content: CONTENT }));
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
      const at = sentAt.get(frame.id);
      if (at !== undefined) {
        histogram.record(performance.now() - at);
        sentAt.delete(frame.id);
      }
      if (running) send(ws);
      else if (sentAt.size === 0) onIdle?.();
    });
  }
  for (let i = 0; i < window; i++) for (const ws of opened) send(ws);

  return {
    count: () => completed,
    errors: () => errors,
    async stop() {
      running = false;
      // Let every sent message complete (so the next run starts on an idle server), then close.
      if (sentAt.size > 0) {
        await new Promise((resolve) => {
          onIdle = resolve;
          setTimeout(resolve, 15_000).unref();
        });
      }
      await closeSockets(opened);
    },
  };
}

/** Opens `count` sockets (Tessera: authenticated with one token each, usable on `ready`), a few hundred at a time. */
export async function openSockets(target, count, tokens) {
  const isTessera = target.mode === 'tessera';
  const open = (i) =>
    new Promise((resolve, reject) => {
      const protocols = ['tessera.v1', ...(isTessera ? [`bearer.${tokens[i]}`] : [])];
      const ws = new WebSocket(target.url, protocols, { origin: target.origin, perMessageDeflate: false });
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
  const sockets = [];
  for (let i = 0; i < count; i += 200) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(200, count - i) }, (_, j) => open(i + j)))));
  }
  return sockets;
}

export async function closeSockets(sockets) {
  await Promise.all(
    sockets.map((ws) =>
      ws.readyState === WebSocket.CLOSED
        ? null
        : new Promise((resolve) => {
            ws.removeAllListeners();
            ws.on('error', () => undefined);
            ws.once('close', resolve);
            ws.close();
          }),
    ),
  );
}

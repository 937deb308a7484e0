// `npm run soak`: a long run looking for leaks and lost messages, not for speed (not part of `npm test`).
//
// SOAK_SOCKETS (1000) virtual users against one Tessera node on SQLite (the server child of
// `npm run bench`, started with --expose-gc), each looping for SOAK_MINUTES (10): connect with its
// own pre-made access token (bearer subprotocol, until `ready`), send 2–5 messages 2–4 s apart and
// wait for each `ack`, sometimes `refresh` its token, drop the socket (a clean close, a terminate(),
// or a terminate() with a message still in flight), pause 0.5–3 s, reconnect. About 300 messages/s
// and 80 handshakes/s in all.
//
// Reports the server's memory (after a full GC) at the start (after warm-up), the middle and the end
// of the load, and once the sockets are gone; handshakes attempted/succeeded/failed with reasons;
// messages sent/acked; and messages lost: acked message ids the store does not hold at the end.
// Exits 1 when a message was lost, nothing was acked, or the heap grew by more than 50% and 64 MiB.
import WebSocket from 'ws';
import { startServer } from './child.mjs';
import { sleep } from './measure.mjs';

const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const MINUTES = env('SOAK_MINUTES', 10);
const SOCKETS = env('SOAK_SOCKETS', 1000);
const DURATION_MS = MINUTES * 60_000;
/** Users start spread over this long; memory is first sampled after it. */
const WARMUP_MS = Math.min(60_000, DURATION_MS / 10);
const GAP_MS = [2_000, 4_000];
const PAUSE_MS = [500, 3_000];
const TIMEOUT_MS = 15_000;
const HEAP_GROWTH_LIMIT = { ratio: 0.5, bytes: 64 * 2 ** 20 };
const CONTENT = 'Hello! Where is my order? This is a soak message of typical length.';

const between = ([low, high]) => low + Math.random() * (high - low);
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
const tally = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
const list = (map) => (map.size ? [...map].map(([reason, n]) => `${n}× ${reason}`).join('; ') : 'none');

const counts = { attempted: 0, succeeded: 0, sent: 0, acked: 0, inFlightAtDrop: 0, refreshes: 0, refreshed: 0, replies: 0 };
const drops = { clean: 0, terminated: 0 };
const handshakeFailures = new Map();
const sessionErrors = new Map();
const ackedIds = [];
const conversationIds = new Set();
let running = true;

// The pre-made tokens must outlive the run (plus set-up and drain).
process.env.BENCH_ACCESS_TTL_SECONDS = String(Math.min(24 * 3600, Math.ceil(DURATION_MS / 1000) + 900));
console.log(`soak: ${SOCKETS} sockets for ${MINUTES} min on SQLite; starting the server…`);
const server = await startServer('tessera', { sessions: SOCKETS, execArgv: ['--expose-gc'] });

/** Opens a socket and resolves once `ready` arrives, or null (the failure counted) when it never does. */
function connect(token) {
  counts.attempted++;
  return new Promise((resolve) => {
    const ws = new WebSocket(server.url, ['tessera.v1', `bearer.${token}`], { origin: server.origin, perMessageDeflate: false });
    const timer = setTimeout(() => fail('no ready within 15 s'), TIMEOUT_MS);
    const done = (value) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      resolve(value);
    };
    const fail = (reason) => {
      tally(handshakeFailures, reason);
      ws.on('error', () => undefined);
      ws.terminate();
      done(null);
    };
    ws.on('error', (err) => fail(err.message));
    ws.on('close', (code, reason) => fail(`closed ${code} ${reason}`));
    ws.on('unexpected-response', (_, response) => fail(`HTTP ${response.statusCode}`));
    ws.once('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type !== 'ready') return fail(`first frame ${frame.type}${frame.code ? ` ${frame.code}` : ''}`);
      counts.succeeded++;
      done(ws);
    });
  });
}

/** One connection's life: a few messages, maybe a refresh, then a drop. */
async function visit(visitor, token) {
  const ws = await connect(token);
  if (!ws) return;
  const waiting = new Map();
  let closed = false;
  const request = (frame) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => settle(frame.id, 'timeout'), TIMEOUT_MS);
      waiting.set(frame.id, { resolve, timer });
      ws.send(JSON.stringify(frame));
    });
  const settle = (id, outcome) => {
    const entry = waiting.get(id);
    if (!entry) return;
    waiting.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(outcome);
  };
  ws.on('error', (err) => tally(sessionErrors, `socket error: ${err.message}`));
  ws.on('close', (code, reason) => {
    closed = true;
    if (waiting.size) tally(sessionErrors, `closed ${code} ${reason} with ${waiting.size} request(s) waiting`);
    for (const id of [...waiting.keys()]) settle(id, 'closed');
  });
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'ack') {
      counts.acked++;
      ackedIds.push(frame.messageId);
      conversationIds.add(frame.conversationId);
      settle(frame.id, 'ok');
    } else if (frame.type === 'refreshed') {
      counts.refreshed++;
      settle(frame.id, 'ok');
    } else if (frame.type === 'message') {
      counts.replies++;
    } else if (frame.type === 'error') {
      tally(sessionErrors, `${frame.code}: ${frame.message}`);
      settle(frame.id, 'error');
    }
  });

  const messages = 2 + Math.floor(Math.random() * 4);
  const refreshAfter = Math.random() < 0.3 ? Math.floor(Math.random() * messages) : -1;
  const drop = Math.random();
  const inFlight = drop >= 0.85;
  for (let k = 0; k < messages && running && !closed; k++) {
    await sleep(between(GAP_MS));
    if (closed) break;
    const id = `u${visitor}-${++visitor.sequence}`;
    counts.sent++;
    if (inFlight && k === messages - 1) {
      ws.send(JSON.stringify({ type: 'message', id, content: CONTENT }));
      counts.inFlightAtDrop++;
      break;
    }
    const outcome = await request({ type: 'message', id, content: CONTENT });
    if (outcome !== 'ok') tally(sessionErrors, `message ${outcome}`);
    if (k === refreshAfter && !closed) {
      counts.refreshes++;
      const refreshed = await request({ type: 'refresh', token, id: `r${visitor}-${visitor.sequence}` });
      if (refreshed !== 'ok') tally(sessionErrors, `refresh ${refreshed}`);
    }
  }
  if (closed) return;
  ws.removeAllListeners('close');
  if (drop < 0.6 && !inFlight) {
    drops.clean++;
    await new Promise((resolve) => {
      ws.once('close', resolve);
      ws.close(1000);
    });
  } else {
    drops.terminated++;
    ws.terminate();
  }
}

async function user(index) {
  const token = server.tokens[index];
  const self = { sequence: 0, toString: () => String(index) };
  await sleep(Math.random() * WARMUP_MS);
  while (running) {
    await visit(self, token);
    if (running) await sleep(between(PAUSE_MS));
  }
}

const samples = [];
async function sample(label) {
  const memory = await server.memory();
  if (process.env.SOAK_HEAP_SNAPSHOTS) console.log(`  heap snapshot ${await server.heapSnapshot(process.env.SOAK_HEAP_SNAPSHOTS, label)}`);
  const minutes = (performance.now() - started) / 60_000;
  samples.push({ label, memory, minutes });
  const at = minutes.toFixed(1);
  console.log(
    `  ${label.padEnd(7)} ${at.padStart(5)} min  rss ${mib(memory.rss).padStart(6)} MiB  heapUsed ${mib(memory.heapUsed).padStart(6)} MiB  external ${mib(memory.external).padStart(6)} MiB  (acked so far ${counts.acked})`,
  );
}

const started = performance.now();
const cpu0 = await server.cpu();
const users = Array.from({ length: SOCKETS }, (_, i) => user(i));
// Start, middle and end, and a sample each minute in between to show a trend rather than three points.
const middleAt = WARMUP_MS + (DURATION_MS - WARMUP_MS) / 2;
const plan = [
  { at: WARMUP_MS, label: 'start' },
  { at: middleAt, label: 'middle' },
  { at: DURATION_MS, label: 'end' },
];
for (let at = WARMUP_MS + 60_000; at < DURATION_MS - 30_000; at += 60_000) {
  if (Math.abs(at - middleAt) >= 30_000) plan.push({ at, label: 'minute' });
}
for (const { at, label } of plan.sort((a, b) => a.at - b.at)) {
  await sleep(Math.max(0, at - (performance.now() - started)));
  await sample(label);
}
const cpu1 = await server.cpu();
const loadSeconds = (performance.now() - started) / 1000;
running = false;
await Promise.all(users);
await sleep(2_000);
await sample('idle');

const missing = await server.missingMessages(ackedIds, [...conversationIds]);
await server.stop();

const byLabel = (label) => samples.find((s) => s.label === label).memory;
const [first, last] = [byLabel('start'), byLabel('end')];
const heapGrowth = last.heapUsed - first.heapUsed;
const rssGrowth = last.rss - first.rss;
// The heap's slope under load (least squares over every sample from start to end), to tell a trend from noise.
const loaded = samples.filter((s) => s.label !== 'idle').map((s) => [s.minutes, s.memory.heapUsed]);
const meanX = loaded.reduce((sum, [x]) => sum + x, 0) / loaded.length;
const meanY = loaded.reduce((sum, [, y]) => sum + y, 0) / loaded.length;
const slope =
  loaded.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) / (loaded.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0) || 1);
console.log(`
soak: ${SOCKETS} sockets, ${(loadSeconds / 60).toFixed(1)} min, server CPU ${(((cpu1.micros - cpu0.micros) / 1e6 / loadSeconds) * 100).toFixed(0)}%${first.gc ? '' : ' (no --expose-gc: memory without a forced GC)'}
  memory growth end vs start: heapUsed ${heapGrowth >= 0 ? '+' : ''}${mib(heapGrowth)} MiB (${((heapGrowth / first.heapUsed) * 100).toFixed(1)}%), rss ${rssGrowth >= 0 ? '+' : ''}${mib(rssGrowth)} MiB; heapUsed trend ${slope >= 0 ? '+' : ''}${mib(slope)} MiB/min
  handshakes: ${counts.attempted} attempted, ${counts.succeeded} succeeded, ${counts.attempted - counts.succeeded} failed (${list(handshakeFailures)})
  drops: ${drops.clean} clean closes, ${drops.terminated} terminate() (${counts.inFlightAtDrop} with a message in flight)
  messages: ${counts.sent} sent, ${counts.acked} acked (${(counts.acked / loadSeconds).toFixed(0)}/s), ${counts.replies} agent replies received
  refreshes: ${counts.refreshes} sent, ${counts.refreshed} refreshed
  errors on open sockets: ${list(sessionErrors)}
  messages lost (acked, not in the store): ${missing.length}${missing.length ? ` e.g. ${missing.slice(0, 5).join(', ')}` : ''}`);

const problems = [];
if (missing.length) problems.push(`${missing.length} acknowledged message(s) are not in the store`);
if (counts.acked === 0) problems.push('no message was acknowledged');
if (heapGrowth > HEAP_GROWTH_LIMIT.bytes && heapGrowth > first.heapUsed * HEAP_GROWTH_LIMIT.ratio) {
  problems.push(`the heap grew by ${mib(heapGrowth)} MiB (> ${HEAP_GROWTH_LIMIT.ratio * 100}% and > ${mib(HEAP_GROWTH_LIMIT.bytes)} MiB)`);
}
for (const problem of problems) console.error(`soak: FAILED: ${problem}`);
if (!problems.length) console.log('soak: passed (no message lost, heap growth within the limit)');
process.exit(problems.length ? 1 : 0);

// Agent turns: a local streaming agent (server-child.mjs `agent` mode) called through a Tessera node's
// HTTP (webhook) connector over WebSocket, against the same agent called directly by this process
// over HTTP (undici + eventsource-parser, as the connector does).
//
// Throughput (BENCH_AGENT_LOOPS concurrent turns): turns/s, and the agent's deltas/s that reach the client
// (Tessera may carry several in one frame: deltas of one network read leave together, so they are counted
// by content). Latency (one turn at a time, an unloaded node), p50/p99 over every turn of the runs:
//   request: from the user message leaving the client to the agent receiving its request
//            (Tessera: store the message, ack, sign the tool token, read history, sign the webhook, POST)
//   relay:   from the agent writing its first byte to the client holding the first of its text (a delta,
//            or the final message when the whole reply came in one read)
// The agent stamps both of its instants into its first delta, so the clocks compared are one machine's.
import { createParser } from 'eventsource-parser';
import { Agent as Dispatcher, request } from 'undici';
import WebSocket from 'ws';
import { sleep } from './measure.mjs';

const now = () => performance.timeOrigin + performance.now();
const STAMP = /^@([\d.]+)\/([\d.]+) /;

/** A turn's body as the connector sends it, so the agent parses the same bytes either way. */
const TURN_BODY = JSON.stringify({
  type: 'turn',
  tenantId: 'ten_bench',
  conversationId: 'conv_bench',
  message: { id: 'msg_bench', content: 'bench message', createdAt: Date.now() },
  history: [],
  identity: { sessionId: 'sess_bench', anonymousId: 'anon_bench', userId: null, name: null, custom: {}, authTime: null, amr: [] },
  toolToken: 'x'.repeat(600),
  toolTokenExpiresAt: Date.now(),
});

/** Concurrent loops, each running one turn after another for `durationMs` after `warmupMs`; `turn` resolves with its figures. */
async function measureLoops(loops, turnOf, { warmupMs, durationMs }) {
  const samples = { request: [], relay: [] };
  let turns = 0;
  let deltas = 0;
  let errors = 0;
  let measuring = false;
  let running = true;
  const workers = loops.map(async (loop) => {
    while (running) {
      try {
        const result = await turnOf(loop);
        if (!measuring) continue;
        turns++;
        deltas += result.deltas;
        samples.request.push(result.requestMs);
        samples.relay.push(result.relayMs);
      } catch {
        errors++;
        await sleep(10);
      }
    }
  });
  await sleep(warmupMs);
  measuring = true;
  const t0 = performance.now();
  await sleep(durationMs);
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  await Promise.all(workers);
  return { turnsPerSecond: turns / seconds, deltasPerSecond: deltas / seconds, samples, errors };
}

/** One turn straight to the agent over HTTP. */
function directTurn(agentUrl, dispatcher) {
  return async () => {
    const sentAt = now();
    const response = await request(agentUrl, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream, application/json' },
      body: TURN_BODY,
    });
    let first = null;
    let deltas = 0;
    const parser = createParser({
      onEvent: (event) => {
        if (event.event !== 'delta') return;
        const { content } = JSON.parse(event.data);
        deltas += agentDeltasIn(content);
        if (first === null) first = { at: now(), stamp: STAMP.exec(content) };
      },
    });
    for await (const chunk of response.body) parser.feed(chunk.toString());
    return stamped(sentAt, first, deltas);
  };
}

/** A socket of its own Tessera session per loop, turns one after another. */
async function tesseraLoop(server, token) {
  const ws = new WebSocket(server.url, ['tessera.v1', `bearer.${token}`], { origin: server.origin, perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('message', resolve);
    ws.once('error', reject);
  });
  let current = null;
  let count = 0;
  ws.on('message', (data) => {
    if (!current) return;
    const frame = JSON.parse(data.toString());
    if (frame.type === 'delta') {
      current.deltas += agentDeltasIn(frame.content);
      current.first ??= { at: now(), stamp: STAMP.exec(frame.content) };
    } else if (frame.type === 'message') {
      // A reply whose text all came in one read goes in its final message alone, with no delta.
      if (current.first === null) current.deltas += agentDeltasIn(frame.content);
      current.first ??= { at: now(), stamp: STAMP.exec(frame.content) };
      current.done(stamped(current.sentAt, current.first, current.deltas));
    } else if (frame.type === 'error') {
      current.fail(new Error(frame.code));
    }
  });
  return {
    ws,
    turn: () =>
      new Promise((done, fail) => {
        current = { sentAt: now(), first: null, deltas: 0, done, fail };
        ws.send(JSON.stringify({ type: 'message', id: `t${count++}`, content: 'bench message' }));
      }),
  };
}

/** How many of the agent's deltas a piece of text holds: each ends with one space. */
function agentDeltasIn(content) {
  let count = 0;
  for (let i = content.indexOf(' '); i !== -1; i = content.indexOf(' ', i + 1)) count++;
  return count;
}

function stamped(sentAt, first, deltas) {
  if (!first?.stamp) throw new Error('no stamped first delta');
  const receivedAt = Number(first.stamp[1]);
  const firstByteAt = Number(first.stamp[2]);
  return { deltas, requestMs: receivedAt - sentAt, relayMs: first.at - firstByteAt };
}

/**
 * Alternates direct and Tessera runs `reps` times (after one unrecorded run of each), with
 * `loops` concurrent turns each; returns both sides' figures, pooled over the recorded runs.
 */
export async function benchAgentTurns({ agent, tessera, loops, reps, warmupMs, durationMs }) {
  const throughput = await compareSides({ agent, tessera, loops, reps, warmupMs, durationMs, tokensFrom: 0, label: `${loops} at once` });
  const latency = await compareSides({
    agent,
    tessera,
    loops: 1,
    reps,
    warmupMs,
    durationMs,
    tokensFrom: (reps + 1) * loops,
    label: 'one at a time',
  });
  return { throughput, latency };
}

async function compareSides({ agent, tessera, loops, reps, warmupMs, durationMs, tokensFrom, label }) {
  const agentUrl = `http://127.0.0.1:${agent.port}/`;
  const dispatcher = new Dispatcher({ keepAliveTimeout: 30_000, connections: loops * 2 });
  const sides = {
    direct: async (window) => measureLoops(Array.from({ length: loops }), directTurn(agentUrl, dispatcher), window),
    tessera: async (window, rep) => {
      const tokens = tessera.tokens.slice(tokensFrom + rep * loops, tokensFrom + rep * loops + loops);
      const sockets = await Promise.all(tokens.map((token) => tesseraLoop(tessera, token)));
      try {
        return await measureLoops(sockets, (socket) => socket.turn(), window);
      } finally {
        for (const socket of sockets) socket.ws.close();
      }
    },
  };
  const runs = { direct: [], tessera: [] };
  const order = ['direct', 'tessera'];
  for (const side of order) await sides[side]({ warmupMs: 0, durationMs: 700 }, 0);
  for (let rep = 1; rep <= reps; rep++) {
    for (const side of rep % 2 ? order : [...order].reverse()) {
      const run = await sides[side]({ warmupMs, durationMs }, rep);
      runs[side].push(run);
      process.stderr.write(
        `  agent turns, ${label}, ${side.padEnd(8)} ${Math.round(run.turnsPerSecond)}/s, ${Math.round(run.deltasPerSecond)} deltas/s${run.errors ? `, ${run.errors} errors` : ''}\n`,
      );
      await sleep(150);
    }
  }
  await dispatcher.close();
  return { direct: pool(runs.direct), tessera: pool(runs.tessera) };
}

function pool(runs) {
  const all = (key) => runs.flatMap((run) => run.samples[key]).sort((a, b) => a - b);
  const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  const middle = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const request = all('request');
  const relay = all('relay');
  return {
    turnsPerSecond: middle(runs.map((run) => run.turnsPerSecond)),
    deltasPerSecond: middle(runs.map((run) => run.deltasPerSecond)),
    requestMs: { p50: percentile(request, 50), p99: percentile(request, 99) },
    relayMs: { p50: percentile(relay, 50), p99: percentile(relay, 99) },
    turns: request.length,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
  };
}

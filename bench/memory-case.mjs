// Idle socket memory: a fresh server child (--expose-gc) per side and run; sockets opened by the load
// clients (Tessera: each authenticated with a session of its own, usable on `ready`) and left idle.
// JS heap and RSS per socket = (after − before) / sockets, each read after a full GC, first at the
// smaller count, then at the larger (the sockets of the first step stay open). On PostgreSQL
// (TESSERA_DATABASE_URL) every node shares the one database; the data dir copy is then moot.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './child.mjs';
import { judge, targetOf } from './compare.mjs';
import { shareOf, startLoadClients } from './load-clients.mjs';
import { sleep, spread } from './measure.mjs';

const SETTLE_MS = 1_500;

/** `clients`: how many load client processes per step, `cpus` to pin them to. */
export async function compareMemory(memoryCases, { clients, cpus, runs }) {
  const steps = [...memoryCases].sort((a, b) => a.sockets - b.sockets);
  const recorded = Object.fromEntries(steps.map((step) => [step.name, { baseline: [], tessera: [] }]));
  // Tessera: the sessions are minted once, by a node of their own; each run measures a new node over a copy
  // of that data (as after a restart), so neither the minting nor an earlier run's garbage is in it.
  const template = mkdtempSync(join(tmpdir(), 'tessera-bench-memory-'));
  let tokens = null;
  try {
    for (let run = 0; run < runs; run++) {
      for (const side of run % 2 ? ['tessera', 'baseline'] : ['baseline', 'tessera']) {
        if (side === 'tessera') tokens ??= await mintElsewhere(steps.at(-1).sockets, { BENCH_DATA_DIR: template });
        await measureOnce({ side, steps, recorded, run, tokens: side === 'tessera' ? tokens : [], clients, cpus, template });
      }
    }
  } finally {
    rmSync(template, { recursive: true, force: true });
  }
  return steps.map((step) => summariseMemory(step, recorded[step.name]));
}

async function measureOnce({ side, steps, recorded, run, tokens, clients, cpus, template }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-memory-'));
  if (side === 'tessera') cpSync(template, dataDir, { recursive: true });
  const env = { BENCH_DATA_DIR: dataDir };
  const server = await startServer(side === 'tessera' ? 'tessera' : 'bare', { sessions: 0, execArgv: ['--expose-gc'], env });
  try {
    const before = await server.memory();
    let opened = 0;
    const open = [];
    for (const step of steps) {
      const more = step.sockets - opened;
      const from = opened;
      // A load client holds one job at a time: each step's new sockets get client processes of their own.
      open.push(await openIdle({ clients, cpus }, server, tokens.slice(from, from + more), more));
      opened = step.sockets;
      await sleep(SETTLE_MS);
      const after = await server.memory();
      recorded[step.name][side].push({
        heapPerSocket: (after.heapUsed - before.heapUsed) / opened,
        rssPerSocket: (after.rss - before.rss) / opened,
      });
      process.stderr.write(
        `  ${step.name.padEnd(22)} ${side.padEnd(8)} run ${run + 1}   JS heap ${kib(recorded[step.name][side].at(-1).heapPerSocket)} KiB/socket  RSS ${kib(recorded[step.name][side].at(-1).rssPerSocket)} KiB/socket\n`,
      );
    }
    for (const step of open.reverse()) await step.stop();
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function mintElsewhere(count, env) {
  const minter = await startServer('tessera', { sessions: 0, env });
  try {
    return (await minter.mint(count)).map((t) => t.accessToken);
  } finally {
    await minter.stop();
  }
}

const kib = (bytes) => (bytes / 1024).toFixed(2).padStart(6);

/** Opens `count` idle sockets through load clients of their own; `stop` closes them and ends those clients. */
async function openIdle({ clients, cpus }, server, tokens, count) {
  const group = await startLoadClients(clients, { cpus });
  await group.start('idle', targetOf(server), (i) => {
    const { first, size } = shareOf(count, i, group.count);
    return { sockets: size, tokens: tokens.slice(first, first + size) };
  });
  return {
    async stop() {
      await group.stop();
      await group.close();
    },
  };
}

function summariseMemory(step, runs) {
  const pick = (side, key) => spread(runs[side].map((r) => r[key]));
  const ratio = (key) => spread(runs.tessera.map((t, i) => t[key] / runs.baseline[i][key]));
  const ratios = { heapRatio: ratio('heapPerSocket'), rssRatio: ratio('rssPerSocket') };
  return {
    name: step.name,
    sockets: step.sockets,
    baselineLabel: 'bare ws (ceiling)',
    baseline: { heapPerSocket: pick('baseline', 'heapPerSocket'), rssPerSocket: pick('baseline', 'rssPerSocket') },
    tessera: { heapPerSocket: pick('tessera', 'heapPerSocket'), rssPerSocket: pick('tessera', 'rssPerSocket') },
    ratios,
    targets: judge(step.targets, ratios, 0),
  };
}

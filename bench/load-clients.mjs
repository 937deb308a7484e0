// The load client processes (load-child.mjs): started once, given one job at a time, the job's units
// (loops or sockets) and their tokens shared out among them. With `cpus`, each is pinned (taskset).
import { fork } from 'node:child_process';
import { cpuMicrosOf, pin } from './proc-stat.mjs';

const entry = new URL('./load-child.mjs', import.meta.url).pathname;

export async function startLoadClients(count, { cpus = null } = {}) {
  const clients = await Promise.all(Array.from({ length: count }, () => forkClient(cpus)));
  const all = (type, fields) => Promise.all(clients.map((client) => client.ask(type, fields)));
  return {
    count,
    pids: clients.map((client) => client.pid),
    /** Starts the job in every client: `paramsOf(i)` is client i's share. */
    start: (kind, target, paramsOf) => Promise.all(clients.map((client, i) => client.ask('start', { kind, target, params: paramsOf(i) }))),
    mark: () => all('mark'),
    /** Operations and latencies since the mark, summed over the clients. */
    async read() {
      const replies = await all('read');
      const samples = replies.flatMap((r) => r.errors.samples);
      return {
        count: replies.reduce((sum, r) => sum + r.count, 0),
        errors: { count: replies.reduce((sum, r) => sum + r.errors.count, 0), samples: samples.slice(0, 5) },
        latencies: replies.map((r) => r.latency),
      };
    },
    stop: () => all('stop'),
    cpuMicros: () => clients.reduce((sum, client) => sum + cpuMicrosOf(client.pid), 0),
    close: () => Promise.all(clients.map((client) => client.close())),
  };
}

async function forkClient(cpus) {
  const child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 0;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    exited.then((code) => reject(new Error(`load client exited (${code})`)));
    child.on('message', (message) => {
      if (message.type === 'ready') return resolve();
      const settle = pending.get(message.id);
      pending.delete(message.id);
      settle?.(message);
    });
  });
  if (cpus) pin(child.pid, cpus);
  return {
    pid: child.pid,
    ask: (type, fields = {}) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, (message) => (message.error ? reject(new Error(`load client: ${message.error}`)) : resolve(message)));
        child.send({ ...fields, type, id });
      }),
    async close() {
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Client i's share of `total` units: as even as it goes, the first ones taking the remainder. */
export function shareOf(total, i, count) {
  const base = Math.floor(total / count);
  const first = i * base + Math.min(i, total % count);
  return { first, size: base + (i < total % count ? 1 : 0) };
}

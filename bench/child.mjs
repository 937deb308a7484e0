// Starts a server child (bench/server-child.mjs) and talks to it over IPC.
import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpuMicrosOf } from './proc-stat.mjs';

const entry = new URL('./server-child.mjs', import.meta.url).pathname;

/**
 * Forks `server-child.mjs <mode>`. With BENCH_CPU_PROF=<dir>, the child runs under
 * `node --cpu-prof` and writes its profile into <dir> when stopped. `execArgv`: more
 * node flags for the child (the soak passes `--expose-gc`); `env`: more environment for it; `entry`:
 * another script speaking the same IPC (the peers: bench/peers/<name>/server.mjs).
 */
export async function startServer(mode, { sessions = 64, execArgv: extraArgv = [], env = {}, entry: script = entry } = {}) {
  const execArgv = [...extraArgv];
  if (process.env.BENCH_CPU_PROF) {
    mkdirSync(process.env.BENCH_CPU_PROF, { recursive: true });
    execArgv.push(
      '--cpu-prof',
      '--cpu-prof-interval=100',
      `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`,
      `--cpu-prof-name=${mode}-${process.pid}-${Date.now()}.cpuprofile`,
    );
  }
  const child = fork(script, [mode, String(sessions)], {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let nextId = 0;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = await new Promise((resolve, reject) => {
    child.once('error', reject);
    exited.then(({ code, signal }) => reject(new Error(`${mode} server exited before it was ready (${code ?? signal})`)));
    child.on('message', (message) => {
      if (message.type === 'ready') return resolve(message);
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    });
  });
  const ask = (type, fields = {}) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ ...fields, type, id });
    });
  return {
    mode,
    pid: child.pid,
    port: ready.port,
    url: `ws://127.0.0.1:${ready.port}${mode === 'tessera' ? '/v1/ws' : '/'}`,
    httpUrl: `http://127.0.0.1:${ready.port}`,
    tokens: ready.tokens,
    origin: ready.origin,
    publishableKey: ready.publishableKey,
    /** Microseconds of CPU (user + system, all threads) the child has used so far, from /proc: costs the child nothing. */
    cpuMicros: () => cpuMicrosOf(child.pid),
    /** The same over IPC (the child's process.cpuUsage()), with its event loop's active and total time. */
    async cpu() {
      const { usage, loop } = await ask('cpu');
      return { micros: usage.user + usage.system, loopActive: loop.active, loopTotal: loop.active + loop.idle };
    },
    async stats() {
      return (await ask('stats')).stats;
    },
    /**
     * `count` new sessions' {accessToken, refreshToken} (Tessera; the bare servers hand out tokens they accept).
     * `fresh`: access tokens never verified, of distinct sessions (Tessera reuses a pool of sessions across calls).
     */
    async mint(count, { fresh = false } = {}) {
      return (await ask('mint', { count, fresh })).minted;
    },
    /** Tessera drops its session cache: the next verification of each session reads the store. */
    async forgetSessions() {
      await ask('forget');
    },
    /** The child's process.memoryUsage(), after a full GC when it runs with --expose-gc. */
    async memory() {
      return (await ask('memory')).memory;
    },
    /** Writes a heap snapshot of the child (after a full GC) into `dir`; resolves with its path. */
    async heapSnapshot(dir, label) {
      return (await ask('snapshot', { dir, label })).file;
    },
    /** Of the given user-message ids (in the given conversations), those the store does not hold. */
    async missingMessages(ids, conversationIds) {
      return (await ask('storedIds', { ids, conversationIds })).missing;
    },
    async stop() {
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

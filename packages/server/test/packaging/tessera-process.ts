import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { consumerEnvironment } from './commands.js';

const START_TIMEOUT_MS = 30_000;

export interface RunningTessera {
  url: string;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
  /** Ends it (its whole process group: npx and the server under it); resolves once it has exited. */
  stop(): Promise<void>;
}

/** `npx tessera start ...args` in `cwd`; resolves once it says it listens. */
export function startTessera(cwd: string, args: string[]): Promise<RunningTessera> {
  // Its own process group, so stopping it reaches the server npx started, not only npx.
  const child = spawn('npx', ['--no-install', 'tessera', 'start', ...args], { cwd, env: consumerEnvironment(), detached: true });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop().then(() => reject(new Error(`tessera start did not listen within ${START_TIMEOUT_MS} ms:\n${output}`)));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /Tessera listening on (http:\/\/[^\s"]+)/.exec(output);
      if (listening) {
        clearTimeout(timer);
        resolve({ url: listening[1], output: () => output, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`tessera start exited with ${child.exitCode ?? child.signalCode}:\n${output}`));
    });
  });
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

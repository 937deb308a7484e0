import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from './cli.js';
import { freePort, sleep, which } from './services.js';

export const NGINX_TEMPLATE = fileURLToPath(new URL('../../../../deploy/nginx.conf', import.meta.url));

/** Each node's metrics listener (`--metrics-port`), by the node's URL. */
const metricsUrls = new Map<string, string>();

/** One `tessera start` process on a fixed port (so it can be killed and started again on it). */
export class ClusterNode {
  private child: ChildProcess | null = null;
  private log = '';
  readonly url: string;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly dataDir: string,
    private readonly env: Record<string, string>,
    readonly metricsPort: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    metricsUrls.set(this.url, `http://127.0.0.1:${metricsPort}/metrics`);
  }

  output(): string {
    return this.log;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        CLI,
        'start',
        '--data',
        this.dataDir,
        '--port',
        String(this.port),
        '--host',
        '127.0.0.1',
        '--metrics-port',
        String(this.metricsPort),
      ],
      {
        env: { ...process.env, TESSERA_LOG_LEVEL: 'info', ...this.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    const onData = (chunk: Buffer) => (this.log += chunk.toString());
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const deadline = Date.now() + 20_000;
    while (!this.log.includes('Tessera listening on')) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not listen:\n${this.log}`);
      await sleep(25);
    }
  }

  /** SIGTERM (graceful) or SIGKILL (a crash); resolves once the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

export interface Nginx {
  url: string;
  wsUrl: string;
  /** `upstream address` of every request logged so far, by path. */
  upstreamsOf(path: string): string[];
  stop(): Promise<void>;
}

export const nginxInstalled = () => which('nginx') !== null;

/** nginx from apt, run with deploy/nginx.conf (its own pid, logs and temp paths in a temp dir). */
export async function startNginx(upstreamPorts: number[]): Promise<Nginx> {
  const binary = which('nginx');
  if (!binary) throw new Error('nginx is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-nginx-'));
  chmodSync(dir, 0o755); // the workers (nobody, when started as root) write temp files here
  const port = await freePort();
  const config = readFileSync(NGINX_TEMPLATE, 'utf8')
    .replaceAll('{{DIR}}', dir)
    .replaceAll('{{LISTEN}}', `127.0.0.1:${port}`)
    .replaceAll('worker_processes auto;', 'worker_processes 1;')
    .replace('{{UPSTREAM_SERVERS}}', upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n'));
  const configPath = join(dir, 'nginx.conf');
  writeFileSync(configPath, `daemon off;\n${config}`);
  const child = spawn(binary, ['-e', join(dir, 'error.log'), '-p', dir, '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}${readIfExists(join(dir, 'error.log'))}`);
    if (Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`);
      break;
    } catch {
      await sleep(50);
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    upstreamsOf(path) {
      return readIfExists(join(dir, 'access.log'))
        .split('\n')
        .map((line) => line.split(' '))
        .filter((fields) => fields[2] === path)
        .map((fields) => fields[4] ?? '');
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

export interface Cluster {
  nodes: ClusterNode[];
  dataDir: string;
  tenantId: string;
  secretKey: string;
  publishableKey: string;
  stop(): Promise<void>;
}

/**
 * `tessera init` once, then `nodes` processes of `tessera start` on one PostgreSQL and
 * one Redis. They share one data directory: the signing keys, the refresh-token and
 * anonymous-cookie secrets in it must be the same on every node.
 */
export async function startCluster(options: {
  databaseUrl: string;
  redisUrl: string;
  nodes?: number;
  origin: string;
  /** More environment for every node (e.g. `TESSERA_SMTP_URL`). */
  env?: Record<string, string>;
}): Promise<Cluster> {
  const { runCliJson } = await import('./cli.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  const env = { TESSERA_DATABASE_URL: options.databaseUrl, TESSERA_REDIS_URL: options.redisUrl, TESSERA_TRUST_PROXY: '127.0.0.1' };
  const keys = await runCliJson<{ tenantId: string; secretKey: string; publishableKey: string }>(
    ['init', '--data', dataDir, '--origin', options.origin, '--json'],
    env,
  );
  const ports: number[] = [];
  for (let i = 0; i < (options.nodes ?? 2); i++) ports.push(await freePort());
  // One public URL for all: a provider's callback may reach any node, its redirect URI must be the same.
  const shared = { ...env, ...options.env, TESSERA_PUBLIC_URL: `http://localhost:${ports[0]}` };
  const nodes: ClusterNode[] = [];
  for (const [i, port] of ports.entries())
    nodes.push(new ClusterNode(String.fromCharCode(65 + i), port, dataDir, shared, await freePort()));
  await Promise.all(nodes.map((node) => node.start()));
  return {
    nodes,
    dataDir,
    ...keys,
    async stop() {
      await Promise.all(nodes.map((node) => node.stop('SIGTERM')));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** JSON over HTTP to any base URL (a node or nginx), with the browser's Origin unless told otherwise. */
export async function request(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; origin?: string | null } = {},
): Promise<{ status: number; body: any }> {
  const { ORIGIN } = await import('./test-server.js');
  const headers: Record<string, string> = { ...options.headers };
  if (options.origin !== null) headers.origin = options.origin ?? ORIGIN;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(base + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** A metric's value summed over its series (optionally only those whose labels contain `labels`), from the node's metrics listener. */
export async function metricValue(nodeUrl: string, name: string, labels = ''): Promise<number> {
  const metricsUrl = metricsUrls.get(nodeUrl);
  if (!metricsUrl) throw new Error(`${nodeUrl} is no cluster node`);
  const text = await (await fetch(metricsUrl)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!match || match[1] !== name || !(match[2] ?? '').includes(labels)) continue;
    total += Number(match[3]);
  }
  return total;
}

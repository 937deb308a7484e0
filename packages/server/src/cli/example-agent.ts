import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Services } from '../services.js';
import { agentSettingsOf } from '../tenancy/index.js';
import { CLI } from './initialised-tenant.js';

/** The repository's example agent backend (the same path from `src/cli/` and `dist/cli/`). */
export const EXAMPLE_AGENT_PATH = fileURLToPath(new URL('../../../../examples/agent-backend/server.mjs', import.meta.url));
/** What `--example-agent` asks for: nothing for anonymous visitors, reading orders for signed-in users. */
export const EXAMPLE_AGENT_SCOPES = { anonymous: [], user: ['orders:read'] };
const STARTUP_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;

export interface ExampleAgent {
  /** The agent's webhook URL, now the tenant's `agent.url`. */
  readonly url: string;
  /** Stops the child process and gives the tenant back to the built-in demo agent. */
  close(): Promise<void>;
}

/**
 * `tessera start --example-agent`: runs examples/agent-backend as a child process on a free
 * loopback port and makes it the tenant's agent (`settings.agent`), handing it the tenant's
 * signing secret, tool audience and our issuer and URL (for the JWKS) through its environment.
 * A tenant that already has an agent of its own elsewhere is left alone: refused.
 */
export async function startExampleAgent(services: Services, tenantId: string, tesseraUrl: string): Promise<ExampleAgent> {
  if (!existsSync(EXAMPLE_AGENT_PATH)) throw new Error(`--example-agent needs the repository's ${EXAMPLE_AGENT_PATH}`);
  const current = agentSettingsOf(await services.tenants.get(tenantId)).url;
  if (current !== null && !isExampleAgentUrl(current)) {
    throw new Error(`--example-agent would replace the tenant's agent at ${current}; unset agent.url first`);
  }
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}/agent`;
  await services.tenants.updateSettings(tenantId, { agent: { url, scopes: EXAMPLE_AGENT_SCOPES } }, CLI);
  // The secret is shown once when made; a live one (an earlier run's) is read back, as the connector does to sign.
  const secret = (await services.agentSecrets.ensure(tenantId, CLI)) ?? (await services.agentSecrets.signing(tenantId))[0];
  if (!secret) throw new Error('the tenant has no agent signing secret');
  const child = spawn(process.execPath, [EXAMPLE_AGENT_PATH], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      TESSERA_URL: tesseraUrl,
      TESSERA_ISSUER: services.issuer.value,
      TOOL_AUDIENCE: agentSettingsOf(await services.tenants.get(tenantId)).toolAudience,
      AGENT_SIGNING_SECRET: secret,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
    // Its own process group: a Ctrl-C in the terminal reaches Tessera, which stops the child itself.
    detached: true,
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let closing = false;
  child.once('exit', (code, signal) => {
    if (!closing) services.logger.warn({ code, signal }, 'the example agent exited; turns now fail with AGENT_UNAVAILABLE');
  });
  const close = async () => {
    if (closing) return;
    closing = true;
    process.off('exit', killOnExit);
    await stopChild(child);
    await services.tenants.updateSettings(tenantId, { agent: { url: null } }, CLI);
  };
  try {
    await serving(child, `http://127.0.0.1:${port}/healthz`);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, close };
}

/** A URL `--example-agent` set: the next run may replace it (the last one may have died unannounced). */
function isExampleAgentUrl(url: string): boolean {
  return /^http:\/\/127\.0\.0\.1:\d+\/agent$/.test(url);
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once the child answers its health check; rejects if it exits or stays silent too long. */
async function serving(child: ChildProcess, healthUrl: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the example agent exited (${child.exitCode ?? child.signalCode})`);
    const ok = await fetch(healthUrl).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the example agent did not start within ${STARTUP_TIMEOUT_MS} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

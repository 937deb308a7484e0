import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TesseraApp } from '../app.js';
import type { Services } from '../services.js';

/** What `tessera start` says when the data directory was never initialised. */
const notInitialised = (dataDir: string) =>
  `${dataDir} is not initialised: run \`tessera init --data ${dataDir}\` first, or start with --init`;

/**
 * `tessera start` without `--init` serves only what `tessera init` made: refused before anything is
 * created in the data directory (no keys: not initialised), then if its store has no tenant.
 */
export async function assertInitialised(dataDir: string, withServices: <T>(work: (services: Services) => Promise<T>) => Promise<T>) {
  if (!existsSync(join(dataDir, 'keys'))) throw new Error(notInitialised(dataDir));
  const tenant = await withServices((services) => services.tenants.first());
  if (!tenant) throw new Error(notInitialised(dataDir));
}

/**
 * The address to serve on: `--host`, else `TESSERA_HOST`, else loopback for the demo (its pretend
 * login must not reach the network by accident), else the config's default (every interface).
 */
export function listenHost(option: string | undefined, environment: string | undefined, demo: boolean): string | undefined {
  return option ?? environment ?? (demo ? '127.0.0.1' : undefined);
}

/** The metrics listener, when `--metrics-port`/`TESSERA_METRICS_PORT` asks for one; its URL. */
export async function listenMetrics(app: TesseraApp): Promise<string | null> {
  const { metricsPort, metricsHost } = app.services.config;
  if (metricsPort === undefined) return null;
  const address = await app.metricsHttp.listen({ port: metricsPort, host: metricsHost });
  return `${address}/metrics`;
}

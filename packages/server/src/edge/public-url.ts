import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from '../config.js';

/**
 * Where browsers reach this deployment: `publicUrl`, else `http://localhost:{the port it listens on}`.
 * Providers' redirect URIs are built from it, so every route that names one must agree.
 */
export function publicUrlOf(config: Pick<ServerConfig, 'publicUrl' | 'port'>, server: Server): string {
  if (config.publicUrl) return config.publicUrl;
  const address = server.address() as AddressInfo | null;
  return `http://localhost:${address?.port ?? config.port}`;
}

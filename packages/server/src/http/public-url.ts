import type { AddressInfo } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../services.js';

/** Where browsers reach this deployment: `publicUrl`, else `http://localhost:{the port it listens on}`. */
export function publicUrlOf(services: Services, request: FastifyRequest): string {
  if (services.config.publicUrl) return services.config.publicUrl;
  const address = request.server.server.address() as AddressInfo | null;
  return `http://localhost:${address?.port ?? services.config.port}`;
}

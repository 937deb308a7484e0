import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

/**
 * `GET /metrics` in Prometheus text format, and a latency histogram of every request.
 * Scrape each node directly; keep /metrics off the public load balancer (see docs/deployment.md).
 */
export function registerMetrics(http: FastifyInstance, metrics: Metrics): void {
  http.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  http.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', metrics.contentType);
    reply.header('Cache-Control', 'no-store');
    return metrics.render();
  });
}

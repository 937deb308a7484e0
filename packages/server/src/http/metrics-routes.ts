import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../metrics.js';

/** Observes every request's latency; add before any route is registered. */
export function instrumentRequests(http: FastifyInstance, metrics: Metrics): void {
  http.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

/**
 * `GET /metrics` in Prometheus text format, for the metrics listener only (`--metrics-port`,
 * loopback by default): never on the public port, where anyone could read it.
 */
export function metricsRoutes(metrics: Metrics): FastifyPluginAsync {
  return async (app) => {
    app.get('/metrics', async (_request, reply) => {
      reply.header('Content-Type', metrics.contentType);
      reply.header('Cache-Control', 'no-store');
      return metrics.render();
    });
  };
}

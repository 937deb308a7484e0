import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../metrics.js';

/** Observes every request's latency; add before any route is registered. */
export function instrumentRequests(http: FastifyInstance, metrics: Metrics): void {
  http.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

/** `GET /metrics` in Prometheus text format. Scrape each node directly; keep it off the public load balancer. */
export function metricsRoutes(metrics: Metrics): FastifyPluginAsync {
  return async (app) => {
    const schema = {
      tags: ['Health'],
      summary: 'Prometheus metrics of this node',
      description:
        'Open sockets, handshakes and their failures by code, messages, rate-limited messages, refreshes, reuse detections, request latency. Scrape every node directly; do not expose it publicly.',
    };
    app.get('/metrics', { schema }, async (_request, reply) => {
      reply.header('Content-Type', metrics.contentType);
      reply.header('Cache-Control', 'no-store');
      return metrics.render();
    });
  };
}

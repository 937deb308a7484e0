import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The node's Prometheus metrics, one registry per app (so several apps in one
 * process, as in tests, don't collide). Call sites only increment; `/metrics`
 * renders the registry.
 */
export class Metrics {
  readonly registry = new Registry();
  private socketCount: () => number = () => 0;
  private busReliable: () => boolean = () => true;

  readonly openSockets: Gauge = new Gauge({
    name: 'tessera_ws_open_sockets',
    help: 'WebSocket connections open on this node',
    registers: [this.registry],
    collect: (): void => this.openSockets.set(this.socketCount()),
  });

  readonly handshakes = new Counter({
    name: 'tessera_ws_handshakes_total',
    help: 'WebSocket handshakes that opened an authenticated socket, by kind (authenticated | new-session)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly handshakeFailures = new Counter({
    name: 'tessera_ws_handshake_failures_total',
    help: 'WebSocket handshakes refused or closed at once, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly messages = new Counter({
    name: 'tessera_messages_total',
    help: 'Chat messages received over WebSocket and stored (duplicates by client id excluded)',
    registers: [this.registry],
  });

  readonly rateLimitedMessages = new Counter({
    name: 'tessera_messages_rate_limited_total',
    help: 'Chat messages refused with RATE_LIMITED',
    registers: [this.registry],
  });

  readonly agentFailures = new Counter({
    name: 'tessera_agent_failures_total',
    help: 'Agent turns that ended in an error frame, by code (AGENT_UNAVAILABLE | AGENT_TIMEOUT)',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly refreshes = new Counter({
    name: 'tessera_refreshes_total',
    help: 'Refresh-token rotations, by outcome (rotated | grace: a concurrent twin got the same pair)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly refreshReuse = new Counter({
    name: 'tessera_refresh_reuse_detected_total',
    help: 'Refresh tokens presented again outside the grace window: the session was revoked',
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly busReliableGauge: Gauge = new Gauge({
    name: 'tessera_bus_reliable',
    help: '1 while cross-node events flow (always 1 without Redis); 0 while Redis is unreachable',
    registers: [this.registry],
    collect: (): void => this.busReliableGauge.set(this.busReliable() ? 1 : 0),
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the open-socket gauge reads its value (the gateway's registry). */
  countSocketsWith(count: () => number): void {
    this.socketCount = count;
  }

  reportBusWith(reliable: () => boolean): void {
    this.busReliable = reliable;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

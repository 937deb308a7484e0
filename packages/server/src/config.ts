import { z } from 'zod';
import { type Clock, systemClock } from './clock.js';

const configSchema = z.object({
  dataDir: z.string().min(1),
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8080),
  /**
   * `GET /metrics` is served only on this separate port (none: no metrics), never on the public one;
   * on `metricsHost`, loopback unless told otherwise, so only a scraper on the machine reaches it.
   */
  metricsPort: z.number().int().min(0).max(65535).optional(),
  metricsHost: z.string().min(1).default('127.0.0.1'),
  /**
   * Where browsers reach this deployment (`https://auth.example.com`): providers redirect to
   * `{publicUrl}/v1/auth/oauth/{id}/callback`. Default `http://localhost:{the port it listens on}`.
   */
  publicUrl: z
    .string()
    .url()
    .refine((value) => /^https?:$/.test(new URL(value).protocol), 'must be an http(s) URL')
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
  /** Outgoing mail (codes, links, resets): `smtp://user:pass@host:587` or `smtps://…`. */
  smtpUrl: z
    .string()
    .url()
    .refine((value) => /^smtps?:$/.test(new URL(value).protocol), 'must be an smtp:// or smtps:// URL')
    .optional(),
  /** `From:` of every mail Tessera sends. */
  mailFrom: z.string().min(3).max(320).default('Tessera <no-reply@localhost>'),
  /**
   * `iss` of every token we sign, named by `/.well-known/oauth-authorization-server` (RFC 8414).
   * Default: the public URL (see edge/issuer.ts). Changing it invalidates every token in flight:
   * verifiers (ours too) check it.
   */
  issuer: z
    .string()
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'must be an http(s) URL')
    .refine((value) => !/[?#]/.test(value), 'must have no query or fragment (RFC 8414)')
    .optional(),
  databaseUrl: z.string().url().optional(),
  redisUrl: z.string().url().optional(),
  /** PostgreSQL connections this node keeps at most (ignored on SQLite). */
  databasePoolSize: z.number().int().positive().max(1000).default(10),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Addresses (or CIDRs) of proxies whose X-Forwarded-For is believed; none by default. */
  trustProxy: z.array(z.string()).default([]),
  maxConnectionsPerIp: z.number().int().positive().default(200),
  heartbeatIntervalMs: z.number().int().positive().default(30_000),
  cleanupIntervalMs: z.number().int().nonnegative().default(60_000),
  shutdownGraceMs: z.number().int().nonnegative().default(5_000),
  /** Serve the demo shop at `/` (see demo/); `tessera start --demo` (and so `npm start`) turns it on. */
  demo: z.boolean().default(false),
  /** Agent calls this node runs at once, over every tenant; a turn beyond it is AGENT_UNAVAILABLE at once. */
  maxAgentCallsInFlight: z.number().int().positive().default(2_000),
  /** Per-key limits of secret API keys (see tenancy/api-key-access.ts and tenancy/spike-guard.ts). */
  apiKeyLimits: z
    .object({
      /** A secret key's requests per minute, unless the key sets its own `rateLimitPerMinute`. */
      requestsPerMinute: z.number().int().positive().default(600),
      /** The spike guard: throttle a key whose minute exceeds max(factor × its baseline, floorPerMinute). */
      spike: z
        .object({
          factor: z.number().gt(1).default(10),
          floorPerMinute: z.number().int().positive().default(120),
          warmupMinutes: z.number().int().nonnegative().default(10),
          smoothing: z.number().gt(0).max(1).default(0.2),
          throttleSeconds: z.number().int().positive().default(300),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type ServerConfigInput = z.input<typeof configSchema> & { clock?: Clock };
export type ServerConfig = DeepReadonly<z.output<typeof configSchema>> & { readonly clock: Clock };

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Validates once, at boot; a bad config is a programming error and throws. */
export function loadConfig(input: ServerConfigInput): ServerConfig {
  const { clock = systemClock, ...rest } = input;
  const parsed = configSchema.safeParse(rest);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${z.prettifyError(parsed.error)}`);
  }
  // Frozen all the way down; the clock is the caller's own object and stays as it is.
  return Object.freeze({ ...deepFreeze(parsed.data), clock });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

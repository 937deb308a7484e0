import { z } from 'zod';
import type { Tenant } from '../store/index.js';

/** A tenant's agent backend, every field filled in (see `agentSettingsOf`). */
export interface AgentSettings {
  /** The agent's URL; null means the built-in demo agent. */
  url: string | null;
  /** Bounds the whole turn, from the request to the last event. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** From the request sent to the first byte of the answer. */
  firstByteTimeoutMs: number;
  /** The longest pause between two parts of a streamed answer: a slower drip is cut off. */
  idleTimeoutMs: number;
  /** A longer reply is cut off and reported. */
  maxReplyChars: number;
  /** The `aud` of this tenant's tool tokens: what its tool APIs check. */
  toolAudience: string;
  /** The tool token's `scope`, for an anonymous visitor and for a signed-in user. */
  scopes: { anonymous: string[]; user: string[] };
}

export const AGENT_DEFAULTS = {
  url: null,
  timeoutMs: 60_000,
  connectTimeoutMs: 5_000,
  firstByteTimeoutMs: 20_000,
  idleTimeoutMs: 20_000,
  maxReplyChars: 32_000,
  scopes: { anonymous: [], user: [] },
} as const;

const scope = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/, 'must be an OAuth scope token');
const duration = (max: number) => z.number().int().min(100).max(max);

/** What `PATCH /v1/settings` accepts under `agent`. */
export const agentSettingsSchema = z
  .object({
    url: z
      .string()
      .max(2000)
      .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), 'must be an http(s) URL')
      .nullable(),
    timeoutMs: duration(600_000),
    connectTimeoutMs: duration(60_000),
    firstByteTimeoutMs: duration(600_000),
    idleTimeoutMs: duration(600_000),
    maxReplyChars: z.number().int().min(1).max(1_000_000),
    toolAudience: z.string().min(1).max(500),
    scopes: z.object({ anonymous: z.array(scope).max(50), user: z.array(scope).max(50) }).strict(),
  })
  .partial()
  .strict();

/** The tool audience a tenant gets when it names none. */
export function defaultToolAudience(tenantId: string): string {
  return `tessera:tools:${tenantId}`;
}

/** Filled-in settings by tenant record: a record is replaced, never changed, when its settings change. */
const resolved = new WeakMap<Tenant, AgentSettings>();

/** The tenant's agent settings, defaults filled in. */
export function agentSettingsOf(tenant: Tenant): AgentSettings {
  let settings = resolved.get(tenant);
  if (!settings) {
    const stored = (tenant.settings.agent ?? {}) as Partial<AgentSettings>;
    settings = Object.freeze({
      ...AGENT_DEFAULTS,
      toolAudience: defaultToolAudience(tenant.id),
      ...stored,
      scopes: { ...AGENT_DEFAULTS.scopes, ...stored.scopes },
    }) as AgentSettings;
    resolved.set(tenant, settings);
  }
  return settings;
}

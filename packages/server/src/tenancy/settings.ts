import { z } from 'zod';
import type { TenantSettings } from '../store/index.js';
import { validateVerification } from '../tokens/index.js';
import { agentSettingsSchema } from './agent-settings.js';
import { describeOAuthSettings, oauthSettingsOf, oauthSettingsSchema } from './oauth-settings.js';
import { passkeySettingsSchema } from './passkey-settings.js';

export const DEFAULT_SETTINGS: TenantSettings = {
  allowedOrigins: [],
  sessions: { anonymousIdleSeconds: 24 * 3600, userIdleSeconds: 7 * 24 * 3600, absoluteSeconds: 30 * 24 * 3600 },
  tokens: { accessTokenTtlSeconds: 15 * 60 },
  // Per visitor, then per client address (an address may be a NAT of many visitors) and per publishable key.
  limits: { messagesPerMinute: 20, messagesPerMinutePerAddress: 120, sessionsPerMinutePerAddress: 30, sessionsPerMinutePerKey: 1_000 },
  retention: { messageDays: null },
};

const claimPath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^.]+(\.[^.]+)*$/, 'must be a dotted claim path');

/** How identity tokens minted by the customer's own app are verified. */
export const identitySettingsSchema = z
  .object({
    verification: z.unknown().transform((value, ctx) => {
      try {
        return validateVerification(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid verification' });
        return z.NEVER;
      }
    }),
    issuer: z.string().min(1).max(500).optional(),
    audience: z.string().min(1).max(500).optional(),
    userIdClaim: claimPath.default('sub'),
    nameClaim: claimPath.optional(),
    /** Refuse identity tokens without a `jti` (each is accepted once either way). */
    requireJti: z.boolean().optional(),
  })
  .strict();

export type IdentitySettings = z.output<typeof identitySettingsSchema>;

const origin = z.string().refine(isOrigin, 'must be an origin: scheme://host[:port], no path');

/** What `PATCH /v1/settings` accepts; every part optional, validated strictly (a misspelt field is an error, not a no-op). */
export const settingsPatchSchema = z
  .object({
    allowedOrigins: z.array(origin).max(100),
    sessions: z
      .object({
        anonymousIdleSeconds: z
          .number()
          .int()
          .min(60)
          .max(365 * 86400),
        userIdleSeconds: z
          .number()
          .int()
          .min(60)
          .max(365 * 86400),
        absoluteSeconds: z
          .number()
          .int()
          .min(60)
          .max(365 * 86400),
      })
      .partial()
      .strict(),
    tokens: z
      .object({ accessTokenTtlSeconds: z.number().int().min(5).max(3600) })
      .partial()
      .strict(),
    limits: z
      .object({
        messagesPerMinute: z.number().int().min(1).max(10_000),
        messagesPerMinutePerAddress: z.number().int().min(1).max(100_000),
        sessionsPerMinutePerAddress: z.number().int().min(1).max(100_000),
        sessionsPerMinutePerKey: z.number().int().min(1).max(1_000_000),
      })
      .partial()
      .strict(),
    retention: z
      .object({ messageDays: z.number().int().min(1).max(3650).nullable() })
      .partial()
      .strict(),
    identity: identitySettingsSchema.nullable(),
    agent: agentSettingsSchema,
    oauth: oauthSettingsSchema,
    passkeys: passkeySettingsSchema,
    /** Hosted accounts: whether an unknown address that proves itself by mail becomes an account. */
    accounts: z.object({ signup: z.boolean() }).partial().strict(),
  })
  .partial()
  .strict();

export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** Settings as shown to admins: a shared or client secret is never shown again. */
export function describeSettings(settings: TenantSettings): TenantSettings {
  const described = settings.oauth ? { ...settings, oauth: describeOAuthSettings(oauthSettingsOf(settings)) } : settings;
  const identity = settings.identity as IdentitySettings | null | undefined;
  if (!identity || !('secret' in identity.verification)) return described;
  return { ...described, identity: { ...identity, verification: { secret: '[set]' } } };
}

/** Merges a validated patch into settings, one level deep (so `sessions: {userIdleSeconds}` keeps the rest). */
export function applySettingsPatch(settings: TenantSettings, patch: SettingsPatch): TenantSettings {
  const next: TenantSettings = structuredClone(settings);
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = next[key];
    if (key === 'identity') {
      next[key] = value;
      continue;
    }
    next[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
        ? { ...current, ...value }
        : value;
  }
  return next;
}

/** `https://shop.example` or `http://localhost:3000`: exactly what browsers send in `Origin`. */
export function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** Whether addresses that prove themselves by mail may become new accounts (default yes). */
export function signupAllowed(settings: TenantSettings): boolean {
  return (settings.accounts as { signup?: boolean } | undefined)?.signup !== false;
}

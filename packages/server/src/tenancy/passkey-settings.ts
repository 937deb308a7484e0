import { z } from 'zod';
import type { Tenant } from '../store/index.js';

/** A DNS name as WebAuthn takes an RP ID: lower-case labels, no scheme, port or path (`localhost` too). */
const RP_ID = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** `https://shop.example` or `http://localhost:3000`: exactly what browsers put in `clientDataJSON.origin`. */
const origin = z.string().refine((value) => {
  const url = URL.canParse(value) ? new URL(value) : null;
  return url !== null && (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
}, 'must be an origin: scheme://host[:port], no path');

/** What `PATCH /v1/settings` accepts under `passkeys`; each field left out keeps its default. */
export const passkeySettingsSchema = z
  .object({
    /** The WebAuthn relying party: a passkey is bound to it and works on this domain and its subdomains. */
    rpId: z.string().max(253).regex(RP_ID, 'must be a domain name such as example.com (no scheme, port or path)'),
    /** What the browser's passkey dialog calls the site. */
    rpName: z.string().min(1).max(100),
    /** The pages allowed to create and use passkeys (`clientDataJSON.origin`); replaces the default list. */
    origins: z.array(origin).min(1).max(100),
  })
  .partial()
  .strict();

export type PasskeySettingsPatch = z.infer<typeof passkeySettingsSchema>;

export interface PasskeySettings {
  rpId: string;
  rpName: string;
  origins: string[];
}

/**
 * The tenant's relying party, defaults filled in: the RP ID is the host name of the deployment's
 * public URL, the name is the tenant's, and the origins are the tenant's allowed origins plus the
 * public URL's own.
 */
export function passkeySettingsOf(tenant: Tenant, publicUrl: string): PasskeySettings {
  const stored = (tenant.settings.passkeys ?? {}) as PasskeySettingsPatch;
  const url = new URL(publicUrl);
  return {
    rpId: stored.rpId ?? url.hostname,
    rpName: stored.rpName ?? tenant.name,
    origins: stored.origins ?? [...new Set([...tenant.settings.allowedOrigins, url.origin])],
  };
}

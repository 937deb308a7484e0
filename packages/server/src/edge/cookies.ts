import type { AnonymousCookies } from '../sessions/index.js';

/** Cookie names and attributes, in one place for HTTP routes and the socket handshake. */
export const ANON_COOKIE = 'tessera_anon';
export const REFRESH_COOKIE = 'tessera_rt';
export const ACCESS_COOKIE = 'tessera_at';
export const ANON_COOKIE_MAX_AGE_SECONDS = 45 * 24 * 3600;

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    if (!(name in cookies)) {
      try {
        cookies[name] = decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        // ignore undecodable values
      }
    }
  }
  return cookies;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  path?: string;
  secure: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
}

/** A `Set-Cookie` value: always httpOnly. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Max-Age=${options.maxAgeSeconds}`,
    `Path=${options.path ?? '/'}`,
    'HttpOnly',
    `SameSite=${options.sameSite ?? 'Lax'}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/**
 * The anonymous id a browser brings in its `tessera_anon` cookie, only when this server
 * sealed the value (`AnonymousCookies.seal`); a bare or forged id counts as no cookie.
 */
export function anonymousIdOf(cookieHeader: string | undefined, cookies: AnonymousCookies): string | undefined {
  return cookies.open(parseCookies(cookieHeader)[ANON_COOKIE]);
}

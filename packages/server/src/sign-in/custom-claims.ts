import { z } from 'zod';

/** Serialized size limit of a user's `custom` claims (they ride in every access token). */
export const MAX_CUSTOM_BYTES = 4096;
/** Nesting limit: `{a:{b:{c:1}}}` has depth 3. */
export const MAX_CUSTOM_DEPTH = 5;
export const MAX_CUSTOM_KEY_CHARS = 64;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** What is wrong with a `custom` value, or null when it is a small, plain JSON object. */
export function customClaimsProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return 'custom must be a JSON object';
  let serialized: string;
  try {
    serialized = JSON.stringify(value);
  } catch {
    return 'custom must be plain JSON';
  }
  if (Buffer.byteLength(serialized, 'utf8') > MAX_CUSTOM_BYTES) return `custom must be at most ${MAX_CUSTOM_BYTES} bytes as JSON`;
  return walk(value, 1, 'custom');
}

function walk(value: unknown, depth: number, path: string): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path} must be a finite number`;
  if (depth > MAX_CUSTOM_DEPTH) return `custom may nest at most ${MAX_CUSTOM_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = walk(value[i], depth + 1, `${path}[${i}]`);
      if (problem) return problem;
    }
    return null;
  }
  if (!isPlainObject(value)) return `${path} must hold only JSON values`;
  for (const [key, child] of Object.entries(value)) {
    if (key.length === 0 || key.length > MAX_CUSTOM_KEY_CHARS)
      return `keys in custom must be 1 to ${MAX_CUSTOM_KEY_CHARS} characters (${path})`;
    if (FORBIDDEN_KEYS.has(key)) return `"${key}" is not allowed as a key in custom`;
    const problem = walk(child, depth + 1, `${path}.${key}`);
    if (problem) return problem;
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The request-body form: role, workspaceId, permissions... validated for size and shape. */
export const customClaimsSchema = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    const problem = customClaimsProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe(
    `Customer claims copied into the access token's \`custom\` claim and shown by GET /v1/me: a JSON object of at most ${MAX_CUSTOM_BYTES} bytes, ${MAX_CUSTOM_DEPTH} levels, keys of at most ${MAX_CUSTOM_KEY_CHARS} characters.`,
  );

/** A display name. */
export const userNameSchema = z.string().min(1).max(200);
/** An avatar image URL: http(s) only, never `javascript:` or `data:`. */
export const avatarSchema = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'avatar must be an http(s) URL');
/** The customer's own id of a user (stored as `externalId`). */
export const externalUserIdSchema = z.string().min(1).max(256);

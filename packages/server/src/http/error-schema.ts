import { ERROR_CODES, type ErrorCode } from '@tessera/protocol';
import { z } from 'zod';
import { named } from '../edge/schema-registry.js';

const CODES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** The one error body of the API: every code of packages/protocol/src/errors.ts, nothing else. */
export const errorSchema = named(
  'Error',
  z.object({
    error: z.object({
      code: z.enum(CODES).describe('Stable, for programs: see the table of codes in docs/api.md'),
      message: z.string().describe('For people; may change'),
    }),
  }),
  'Every error: a stable code and a human message',
);

/** The statuses an error of the contract can have (from the table of codes). */
export type ErrorStatus = (typeof ERROR_CODES)[ErrorCode]['http'];

/** The codes answered with `status`, for the response's description. */
export function codesOfStatus(status: number): ErrorCode[] {
  return CODES.filter((code) => ERROR_CODES[code].http === status);
}

type ErrorResponse = { description: string; content: { 'application/json': { schema: typeof errorSchema } } };

/**
 * Error responses of a route, for its `schema.response`: each a `$ref` to `Error`, described by
 * the codes of that status. Always with 500 INTERNAL. Serialized by the same schema, so an error
 * body with a code that is not in the table cannot leave.
 */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]): Record<S | 500, ErrorResponse> {
  const all = [...new Set<ErrorStatus>([...statuses, 500])].sort();
  return Object.fromEntries(
    all.map((status) => [
      status,
      { description: `Error: ${codesOfStatus(status).join(', ')}`, content: { 'application/json': { schema: errorSchema } } },
    ]),
  ) as Record<S | 500, ErrorResponse>;
}

/** The error responses of routes called with a secret key (scope, address and rate limits apply). */
export const secretKeyErrors = [400, 401, 403, 429] as const;
/** Of routes called with an access token (from an allowed origin). */
export const accessTokenErrors = [400, 401, 403] as const;
/** Of routes called with a publishable key (from an allowed origin, within the visitor limits). */
export const publishableKeyErrors = [400, 401, 403, 429] as const;

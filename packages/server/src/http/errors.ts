import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '@tessera/protocol';
import { isTesseraError } from '../errors.js';
import { refusalReadableBy } from './cors.js';

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * Every error leaves as `{error:{code,message}}` with the contract's status. Unmatched routes
 * (404/405) are answered by `registerUnmatchedRoutes`.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isTesseraError(error)) {
      if (error.code === 'ORIGIN_NOT_ALLOWED') refusalReadableBy(request.headers.origin, reply);
      if (error.code === 'RATE_LIMITED' && error.retryAfterMs !== undefined) {
        reply.header('Retry-After', Math.ceil(error.retryAfterMs / 1000));
      }
      return reply.status(error.httpStatus).send(errorBody(error.code, error.message));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issue = error.validation[0];
      const where = issue?.instancePath ? ` at ${issue.instancePath}` : '';
      return reply
        .status(400)
        .send(errorBody('BAD_REQUEST', `invalid ${error.validationContext ?? 'request'}${where}: ${issue?.message ?? 'bad value'}`));
    }
    const status = error.statusCode ?? 500;
    if (status === 413) return reply.status(413).send(errorBody('PAYLOAD_TOO_LARGE', 'request body too large'));
    if (status === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send(errorBody('UNSUPPORTED_MEDIA_TYPE', unsupportedMediaType(request.headers['content-type'])));
    }
    // Fastify's own other 4xx (bad JSON, an empty JSON body, ...) keep their status.
    if (status >= 400 && status < 500) return reply.status(status).send(errorBody(codeOfStatus(status), error.message));
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(errorBody('INTERNAL', 'internal error'));
  });
  // Without its text/plain parser fastify refuses such bodies (415) instead of handing a string to the JSON schemas (400).
  app.removeContentTypeParser('text/plain');
}

function unsupportedMediaType(contentType: string | undefined): string {
  const given = contentType ? `${contentType.split(';', 1)[0].trim().slice(0, 100)} is` : 'a body without a Content-Type is';
  return `${given} not accepted here: send application/json`;
}

/** The contract's code for a client-error status, BAD_REQUEST when it has none of its own. */
function codeOfStatus(status: number): ErrorCode {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];
  return codes.find((code) => ERROR_CODES[code].http === status) ?? 'BAD_REQUEST';
}

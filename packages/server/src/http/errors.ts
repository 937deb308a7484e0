import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '@tessera/protocol';
import { isTesseraError } from '../errors.js';

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Every error leaves as `{error:{code,message}}` with the contract's status. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isTesseraError(error)) {
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
    // Fastify's own 4xx (bad JSON, wrong content type, ...) keep their status.
    if (status >= 400 && status < 500) return reply.status(status).send(errorBody(codeOfStatus(status), error.message));
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(errorBody('INTERNAL', 'internal error'));
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send(errorBody('NOT_FOUND', 'no such route')));
}

/** The contract's code for a client-error status, BAD_REQUEST when it has none of its own. */
function codeOfStatus(status: number): ErrorCode {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];
  return codes.find((code) => ERROR_CODES[code].http === status) ?? 'BAD_REQUEST';
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODES } from '@tessera/protocol';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { errorResponses } from '../../src/http/error-schema.js';
import { sessionTokensSchema } from '../../src/http/schemas.js';
import { api, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const ERROR_REF = { $ref: '#/components/schemas/Error' };

describe('OpenAPI: every answer documented, from the schemas that serialize it', () => {
  let server: TestServer;
  let document: any;
  const operations = () =>
    Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => ({ route: `${method} ${path}`, path, method, operation })),
    );
  beforeAll(async () => {
    server = await startTestServer();
    document = (await api(server, 'GET', '/openapi.json', { origin: null })).body;
  });
  afterAll(() => server.stop({ removeData: true }));

  it('names its shapes once in components.schemas, with one Error whose code is every code of the protocol', () => {
    const schemas = document.components.schemas;
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(['Error', 'Session', 'User', 'SessionTokens', 'UserTokens', 'LinkedTokens', 'Me', 'Message', 'ApiKey']),
    );
    expect(schemas.Error.properties.error.properties.code.enum).toEqual(Object.keys(ERROR_CODES));
    expect(schemas.Error.properties.error.required).toEqual(['code', 'message']);
    expect(schemas.SessionTokens.properties.accessToken).toMatchObject({ type: 'string' });
    expect(schemas.SessionTokens.properties.session).toEqual({ $ref: '#/components/schemas/Session' });
    // The same schema made for reading and writing is one component, not two.
    expect(Object.keys(schemas).filter((name) => name.endsWith('Input'))).toEqual([]);
  });

  it('documents a success and its errors for every operation; every error of the API is the Error schema', () => {
    const withoutSuccess: string[] = [];
    const withoutErrors: string[] = [];
    for (const { route, operation } of operations()) {
      const statuses = Object.keys(operation.responses);
      if (!statuses.some((status) => /^(1|2)\d\d$/.test(status))) withoutSuccess.push(route);
      for (const status of statuses.filter((each) => /^[45]\d\d$/.test(each))) {
        const schema = operation.responses[status].content?.['application/json']?.schema;
        // The OAuth endpoints answer RFC 6749 errors, as RFC 6749 says they must.
        expect(schema, `${route} ${status}`).toEqual(
          route.startsWith('post /v1/oauth/') ? { $ref: '#/components/schemas/OAuthError' } : ERROR_REF,
        );
        expect(operation.responses[status].description, `${route} ${status}`).not.toBe('Default Response');
      }
      const publicDocuments = [
        'get /openapi.json',
        'get /asyncapi.json',
        'get /healthz',
        'get /.well-known/jwks.json',
        'get /.well-known/oauth-authorization-server',
      ];
      if (!statuses.includes('500') && !publicDocuments.includes(route) && !route.includes('/callback')) withoutErrors.push(route);
    }
    expect(withoutSuccess).toEqual([]);
    expect(withoutErrors).toEqual([]);
  });

  it('documents the real statuses: 201 for a new session, 204 for logout, 101 for the socket', () => {
    const responses = (path: string, method: string) => Object.keys(document.paths[path][method].responses);
    expect(responses('/v1/sessions', 'post')).toContain('201');
    expect(responses('/v1/sessions', 'post')).not.toContain('200');
    expect(responses('/v1/auth/logout', 'post')).toContain('204');
    expect(document.paths['/v1/auth/logout'].post.responses['204'].content).toBeUndefined();
    expect(responses('/v1/ws', 'get')).toContain('101');
    expect(responses('/v1/ws', 'get')).not.toContain('200');
    expect(document.paths['/v1/me'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Me' });
  });

  it('answers errors with statuses the route documents', async () => {
    const anonymous = await startAnonymousSession(server);
    const secret = { authorization: `Bearer ${server.secretKey}` };
    const calls: Array<[string, string, Parameters<typeof api>[3]]> = [
      ['POST', '/v1/sessions', { body: {} }],
      ['POST', '/v1/sessions', { headers: { 'x-tessera-key': server.publishableKey }, body: { unexpected: 1 } }],
      ['GET', '/v1/me', { headers: { authorization: 'Bearer nope' } }],
      ['GET', '/v1/me', { headers: { authorization: `Bearer ${anonymous.accessToken}` }, origin: 'https://evil.example' }],
      ['POST', '/v1/sessions/ses_missing/link', { headers: secret, body: { userId: 'u' } }],
      ['GET', '/v1/conversations/nope/messages', { headers: { authorization: `Bearer ${anonymous.accessToken}` } }],
      ['DELETE', '/v1/keys/key_missing', { headers: secret }],
      ['GET', '/v1/users/nobody/export', { headers: secret }],
    ];
    for (const [method, path, options] of calls) {
      const response = await api(server, method, path, options);
      const route =
        document.paths[
          path
            .replace('ses_missing', '{sessionId}')
            .replace('/nope/', '/{id}/')
            .replace('key_missing', '{id}')
            .replace('nobody', '{userId}')
        ];
      const documented = route[method.toLowerCase()].responses;
      expect(Object.keys(documented), `${method} ${path} answered ${response.status}`).toContain(String(response.status));
      expect(Object.keys(ERROR_CODES)).toContain(response.body.error.code);
      expect(response.status).toBe(ERROR_CODES[response.body.error.code as keyof typeof ERROR_CODES].http);
    }
  });

  it('cannot answer what it does not document: extra fields are not sent, a wrong shape is a 500', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-lying-'));
    const app = await buildApp({ dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent', cleanupIntervalMs: 0 });
    // Routes of this test only, on a whole Tessera app: one answers more than it documents, one something else.
    const response = { 201: sessionTokensSchema, ...errorResponses(400) };
    const { accessToken, refreshToken, expiresAt, session } = await startAnonymousSession(server);
    app.http.get('/test/answers-more', { schema: { hide: true, response } }, async (_request, reply) =>
      reply.status(201).send({ accessToken, refreshToken, expiresAt, session, secretField: 'never sent' }),
    );
    app.http.get('/test/answers-wrong', { schema: { hide: true, response } }, async (_request, reply) =>
      reply.status(201).send({ accessToken: 42 }),
    );
    const url = await app.http.listen({ port: 0, host: '127.0.0.1' });
    const lying = { ...server, url } as TestServer;
    try {
      await checkAnswers(lying);
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

async function checkAnswers(server: TestServer): Promise<void> {
  const more = await api(server, 'GET', '/test/answers-more', { origin: null });
  expect(more.status).toBe(201);
  expect(Object.keys(more.body).sort()).toEqual(['accessToken', 'expiresAt', 'refreshToken', 'session']);
  expect(() => sessionTokensSchema.parse(more.body)).not.toThrow();
  const wrong = await api(server, 'GET', '/test/answers-wrong', { origin: null });
  expect(wrong.status).toBe(500);
  expect(wrong.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
  expect(z.object({ error: z.object({ code: z.literal('INTERNAL') }) }).safeParse(wrong.body).success).toBe(true);
}

import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Issuer } from '../../src/edge/issuer.js';
import { readEnvironment } from '../../src/main.js';
import { api, startAnonymousSession, startTestServer, type TestServer } from '../support/test-server.js';

const ISSUER = 'https://auth.tessera.example';

describe('the issuer, a deployment setting named by RFC 8414 metadata', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { issuer: ISSUER } });
  });
  afterAll(() => server.stop({ removeData: true }));

  it('serves /.well-known/oauth-authorization-server naming the issuer, the JWKS and the token endpoints, which work', async () => {
    const metadata = await api(server, 'GET', '/.well-known/oauth-authorization-server', { origin: null });
    expect(metadata.status).toBe(200);
    expect(metadata.body).toEqual({
      issuer: ISSUER,
      jwks_uri: `${localUrl(server)}/.well-known/jwks.json`,
      token_endpoint: `${localUrl(server)}/v1/oauth/token`,
      introspection_endpoint: `${localUrl(server)}/v1/oauth/introspect`,
      grant_types_supported: ['urn:ietf:params:oauth:grant-type:token-exchange'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['tessera_secret_key'],
      introspection_endpoint_auth_methods_supported: ['tessera_secret_key'],
      service_documentation: `${localUrl(server)}/docs`,
    });

    // A verifier that knows nothing but the metadata verifies our tokens with it.
    const { accessToken } = await startAnonymousSession(server);
    const jwks = createRemoteJWKSet(new URL(metadata.body.jwks_uri));
    const { payload } = await jwtVerify(accessToken, jwks, { issuer: metadata.body.issuer, audience: server.tenantId });
    expect(payload.iss).toBe(ISSUER);

    const introspected = await fetch(metadata.body.introspection_endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: accessToken }),
    });
    expect(await introspected.json()).toMatchObject({ active: true, iss: ISSUER });
    const exchange = await fetch(metadata.body.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange' }),
    });
    expect(exchange.status).toBe(401);
    expect((await exchange.json()).error).toBe('invalid_client');
  });

  it('is documented in /openapi.json', async () => {
    const document = (await api(server, 'GET', '/openapi.json', { origin: null })).body;
    const operation = document.paths['/.well-known/oauth-authorization-server'].get;
    expect(operation.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/AuthorizationServerMetadata',
    });
  });

  it('signs tokens of a server told nothing with http://localhost:{the port it listens on}', async () => {
    const plain = await startTestServer({ config: { issuer: undefined } });
    try {
      const { accessToken } = await startAnonymousSession(plain);
      expect(decodeJwt(accessToken).iss).toBe(localUrl(plain));
      expect((await api(plain, 'GET', '/.well-known/oauth-authorization-server', { origin: null })).body.issuer).toBe(localUrl(plain));
    } finally {
      await plain.stop({ removeData: true });
    }
  });

  it('signs tokens from a server that was not told an issuer with its public URL', async () => {
    const plain = await startTestServer({ config: { issuer: undefined, publicUrl: 'https://chat.example.com/' } });
    try {
      const { accessToken } = await startAnonymousSession(plain);
      expect(decodeJwt(accessToken).iss).toBe('https://chat.example.com');
      const metadata = await api(plain, 'GET', '/.well-known/oauth-authorization-server', { origin: null });
      expect(metadata.body).toMatchObject({
        issuer: 'https://chat.example.com',
        jwks_uri: 'https://chat.example.com/.well-known/jwks.json',
      });
    } finally {
      await plain.stop({ removeData: true });
    }
  });
});

describe('issuer configuration', () => {
  it('reads TESSERA_ISSUER, defaults to the public URL, then to http://localhost:{port}, and refuses what is not an issuer URL', () => {
    expect(readEnvironment({ TESSERA_ISSUER: ISSUER }).issuer).toBe(ISSUER);
    expect(readEnvironment({}).issuer).toBeUndefined();
    const config = (input: { issuer?: string; publicUrl?: string; port?: number }) => loadConfig({ dataDir: '/tmp/unused', ...input });
    const issuerOf = (input: Parameters<typeof config>[0]) => new Issuer(config(input)).value;
    expect(issuerOf({ issuer: ISSUER, publicUrl: 'https://chat.example.com' })).toBe(ISSUER);
    expect(issuerOf({ publicUrl: 'https://chat.example.com' })).toBe('https://chat.example.com');
    expect(issuerOf({ port: 9000 })).toBe('http://localhost:9000');
    for (const issuer of ['tessera', 'ftp://auth.example.com', 'https://auth.example.com/?tenant=1']) {
      expect(() => config({ issuer }), issuer).toThrow(/issuer/);
    }
  });
});

/** The URL the test server listens on, as the metadata names it: localhost, its port. */
function localUrl(server: TestServer): string {
  return server.url.replace('127.0.0.1', 'localhost');
}

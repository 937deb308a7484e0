import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** `/v1/keys/:id/rotate` → `/v1/keys/{id}/rotate`. */
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI: one source of truth for validation and documentation', () => {
  let server: TestServer;
  let document: any;
  beforeAll(async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    document = await response.json();
  });
  afterAll(() => server.stop({ removeData: true }));

  it('is a valid OpenAPI 3.1 document (checked by @seriousme/openapi-schema-validator)', async () => {
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('lists every registered route (as fastify saw them), and nothing that is not one', () => {
    const visible = server.app.routes.filter((route) => !route.hidden && route.method !== 'HEAD' && route.method !== 'OPTIONS');
    expect(visible.length).toBeGreaterThan(25);
    const registered = new Set(visible.map((route) => `${route.method.toLowerCase()} ${toOpenApiPath(route.url)}`));
    const documented = new Set(
      Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
          .map((method) => `${method} ${path}`),
      ),
    );
    expect([...registered].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !registered.has(route))).toEqual([]);
    for (const route of [
      'post /v1/auth/tokens',
      'post /v1/sessions/{sessionId}/link',
      'delete /v1/sessions/{sessionId}',
      'get /v1/users/{userId}/sessions',
      'post /v1/partners',
      'get /v1/audit',
      'post /v1/keys/{id}/rotate',
      'get /v1/ws',
    ]) {
      expect(documented).toContain(route);
    }
  });

  it('documents request bodies from the same zod schemas that validate them', async () => {
    const tokens = document.paths['/v1/auth/tokens'].post;
    const body = tokens.requestBody.content['application/json'].schema;
    expect(body.required).toContain('userId');
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['userId', 'name', 'avatar', 'custom', 'sessionId']));
    expect(body.additionalProperties).toBe(false);
    expect(tokens.security).toEqual([{ secretKey: [] }, { secretKeyHeader: [] }]);
    expect(tokens.tags).toEqual(['Backend']);
    // The same schema refuses what it documents as not allowed.
    const refused = await fetch(`${server.url}/v1/auth/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u1', unexpected: true }),
    });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.code).toBe('BAD_REQUEST');
    expect(document.components.securitySchemes.secretKeyHeader).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
  });

  it('gives every documented operation a tag and a summary', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!operation.summary || !operation.tags?.length) missing.push(`${method} ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('serves a readable reference at /docs from this server only (no CDN)', async () => {
    const page = await fetch(`${server.url}/docs/`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const url = new URL(asset, `${server.url}/docs/`);
      const response = await fetch(url);
      expect(response.status, url.pathname).toBe(200);
      await response.arrayBuffer();
    }
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    // The page loads the document from this server, and no validator badge from elsewhere.
    const initializer = await (await fetch(`${server.url}/docs/static/swagger-initializer.js`)).text();
    expect(initializer).toContain("url: resolveUrl('./json')");
    expect(initializer).toContain('validatorUrl: null');
  });
});

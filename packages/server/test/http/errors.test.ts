import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, startTestServer, type TestServer } from '../support/test-server.js';

describe('HTTP errors keep their status', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop({ removeData: true }));

  const post = (contentType: string, body: string) =>
    fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'x-tessera-key': server.publishableKey, 'content-type': contentType },
      body,
    });

  it('answers a body of an unsupported media type with 415 UNSUPPORTED_MEDIA_TYPE, naming the type it takes', async () => {
    const response = await post('application/xml', '<session/>');
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'application/xml is not accepted here: send application/json' },
    });
  });

  it('answers JSON sent as text/plain with 415, not a 400 from the schema', async () => {
    const response = await post('text/plain;charset=UTF-8', '{}');
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    // the same body as JSON is served
    expect((await post('application/json; charset=utf-8', '{}')).status).toBe(201);
  });

  it('answers malformed JSON with 400 BAD_REQUEST', async () => {
    const response = await post('application/json', '{"tokenTransport":');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('answers an unknown route with 404 NOT_FOUND, whatever the method', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const response = await fetch(`${server.url}/v1/nothing-here`, { method });
      expect(response.status).toBe(404);
      expect(response.headers.get('allow')).toBeNull();
      expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    // a path that only looks like a served one
    expect((await fetch(`${server.url}/v1/keys/abc/rotate/more`, { method: 'POST' })).status).toBe(404);
  });

  it('answers a wrong method on a served path with 405 METHOD_NOT_ALLOWED and the methods it takes in Allow', async () => {
    const put = await fetch(`${server.url}/v1/settings`, { method: 'PUT', headers: { authorization: `Bearer ${server.secretKey}` } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, PATCH');
    expect(await put.json()).toEqual({
      error: { code: 'METHOD_NOT_ALLOWED', message: 'PUT is not allowed on this path: use GET, HEAD, PATCH' },
    });
    // a path with a parameter, and every method the Allow header names is really served
    const get = await fetch(`${server.url}/v1/keys/key_123/rotate`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const deleteHealth = await fetch(`${server.url}/healthz`, { method: 'DELETE' });
    expect(deleteHealth.status).toBe(405);
    expect(deleteHealth.headers.get('allow')).toBe('GET, HEAD');
  });
});

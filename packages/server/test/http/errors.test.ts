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

  it('answers a body of an unsupported media type with 415, in the error body every route uses', async () => {
    const response = await post('application/xml', '<session/>');
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
  });

  it('answers malformed JSON with 400 BAD_REQUEST', async () => {
    const response = await post('application/json', '{"tokenTransport":');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    const response = await fetch(`${server.url}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

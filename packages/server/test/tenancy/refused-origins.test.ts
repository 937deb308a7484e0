import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REFUSED_ORIGIN_LOG_INTERVAL_MS } from '../../src/tenancy/index.js';
import { api, connect, ManualClock, startTestServer, type TestServer } from '../support/test-server.js';

const STRANGER = 'https://elsewhere.example';

describe('a refused origin is logged at warn, once a minute per origin and tenant', () => {
  let server: TestServer;
  const clock = new ManualClock();
  let warnings: () => Array<[Record<string, unknown>, string]>;
  beforeAll(async () => {
    server = await startTestServer({ config: { clock } });
    const spy = vi.spyOn(server.app.services.logger, 'warn');
    warnings = () =>
      spy.mock.calls.filter((call) => String(call[1]).startsWith('refused origin')) as unknown as Array<[Record<string, unknown>, string]>;
  });
  afterAll(() => server.stop({ removeData: true }));

  const refusedSocket = () => connect(server, { key: server.publishableKey, origin: STRANGER }).refusedStatus();
  const refusedRequest = async () =>
    (await api(server, 'POST', '/v1/sessions', { headers: { 'x-tessera-key': server.publishableKey }, body: {}, origin: STRANGER })).status;

  it('says which origin, for which tenant, and what to run; a page retrying adds no line', async () => {
    for (let attempt = 0; attempt < 4; attempt++) expect(await refusedSocket()).toBe(403);
    expect(warnings()).toEqual([
      [
        { code: 'ORIGIN_NOT_ALLOWED', origin: STRANGER, tenantId: undefined, alsoRefusedSinceLastLine: 0 },
        `refused origin ${STRANGER}: not an allowed origin of any tenant; allow it with \`tessera origins add ${STRANGER}\` (or PATCH /v1/settings allowedOrigins)`,
      ],
    ]);
    // over HTTP the key names the tenant: a line of its own, once
    for (let attempt = 0; attempt < 3; attempt++) expect(await refusedRequest()).toBe(403);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toEqual([
      { code: 'ORIGIN_NOT_ALLOWED', origin: STRANGER, tenantId: server.tenantId, alsoRefusedSinceLastLine: 0 },
      expect.stringContaining(`not an allowed origin of tenant ${server.tenantId}`),
    ]);
    for (const [fields, message] of warnings()) expect(JSON.stringify(fields) + message).not.toContain(server.publishableKey);
  });

  it('a minute later the next refusal is logged again, with how many were not', async () => {
    clock.advance(REFUSED_ORIGIN_LOG_INTERVAL_MS - 1);
    expect(await refusedSocket()).toBe(403);
    expect(warnings()).toHaveLength(2);
    clock.advance(1);
    expect(await refusedSocket()).toBe(403);
    expect(warnings()).toHaveLength(3);
    expect(warnings()[2][0]).toMatchObject({ origin: STRANGER, tenantId: undefined, alsoRefusedSinceLastLine: 4 });
  });
});

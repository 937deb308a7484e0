// Token verification/s, in process: `accessTokens.verify(token, now)` against raw
// `crypto.verify` of the same signing input with the same public key.
import { verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './measure.mjs';

/**
 * Calls `fn` in batches until `ms` have passed; returns calls per CPU-second of this process
 * (not per wall-second: on a busy machine, time spent descheduled would count against it).
 */
function rate(fn, ms) {
  const batch = 200;
  let calls = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  do {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
  } while (performance.now() - start < ms);
  const cpu = process.cpuUsage(cpu0);
  return calls / ((cpu.user + cpu.system) / 1e6);
}

export async function benchVerification({ rounds, roundMs, warmupMs }) {
  const dist = pathToFileURL(resolve(process.env.BENCH_SERVER_DIST ?? new URL('../packages/server/dist', import.meta.url).pathname)).href;
  const { buildApp } = await import(`${dist}/app.js`);
  const { initialise } = await import(`${dist}/tenancy/bootstrap.js`);
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-verify-'));
  const app = await buildApp({ dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent', cleanupIntervalMs: 0 });
  try {
    const { tenantId } = await initialise(app.services, ['http://localhost:3000']);
    const tenant = await app.services.tenants.get(tenantId);
    const { accessToken: token } = await app.services.sessions.startAnonymous(tenant);
    const key = app.services.signingKeys.current;
    const [header, payload, signature] = token.split('.');
    const signingInput = Buffer.from(`${header}.${payload}`);
    const signatureBytes = Buffer.from(signature, 'base64url');
    const digest = key.alg === 'ES256' ? 'sha256' : null;
    const publicKey = { key: key.publicKey, dsaEncoding: 'ieee-p1363' };
    const now = Date.now();

    const raw = () => {
      if (!cryptoVerify(digest, signingInput, publicKey, signatureBytes)) throw new Error('raw verify failed');
    };
    const ours = () => app.services.accessTokens.verify(token, now);
    const { sessions } = app.services;
    const full = () => sessions.verify(token);

    rate(raw, warmupMs);
    rate(ours, warmupMs);
    const rawRates = [];
    const ourRates = [];
    for (let i = 0; i < rounds; i++) {
      rawRates.push(rate(raw, roundMs));
      ourRates.push(rate(ours, roundMs));
    }
    // For information: the whole `sessions.verify` (claims + session cache + liveness), async.
    const fullRate = async (ms) => {
      const start = performance.now();
      const cpu0 = process.cpuUsage();
      let calls = 0;
      while (performance.now() - start < ms) {
        for (let i = 0; i < 200; i++) await full();
        calls += 200;
      }
      const cpu = process.cpuUsage(cpu0);
      return calls / ((cpu.user + cpu.system) / 1e6);
    };
    await fullRate(warmupMs / 2);
    const fullRates = [];
    for (let i = 0; i < rounds; i++) fullRates.push(await fullRate(roundMs / 2));
    return { alg: key.alg, raw: rawRates, ours: ourRates, sessionsVerify: median(fullRates) };
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  /** PEM files: a self-signed certificate for `localhost` and 127.0.0.1, and its private key. */
  certPath: string;
  keyPath: string;
  /** For NODE_EXTRA_CA_CERTS: the certificate, after the CAs of `alsoTrust` (an earlier NODE_EXTRA_CA_CERTS) if given. */
  trustPath: string;
  /** Deletes both files. */
  remove(): void;
}

/**
 * A throwaway self-signed certificate (`DNS:localhost`, `IP:127.0.0.1`, two days), made with the
 * `openssl` CLI in a temp directory. The global setup makes one per run and points
 * NODE_EXTRA_CA_CERTS at it, so test workers and the CLI processes they spawn trust it.
 */
export function createTestCertificate(alsoTrust?: string): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
  const certPath = join(dir, 'localhost.crt');
  const keyPath = join(dir, 'localhost.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'pipe' },
  );
  const trustPath = join(dir, 'trust.pem');
  writeFileSync(trustPath, `${alsoTrust ? `${readFileSync(alsoTrust, 'utf8').trim()}\n` : ''}${readFileSync(certPath, 'utf8')}`);
  return { certPath, keyPath, trustPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** In a test worker: the run's certificate and key, for `https.createServer`. */
export async function testTlsOptions(): Promise<{ cert: Buffer; key: Buffer }> {
  const { inject } = await import('vitest'); // not at the top: the global setup imports this file too
  return { cert: readFileSync(inject('tlsCert')), key: readFileSync(inject('tlsKey')) };
}

export interface HttpsTestServer {
  /** `https://localhost:{port}`; the server listens on 127.0.0.1 only. */
  url: string;
  stop(): Promise<void>;
}

/** An https server with the run's certificate on 127.0.0.1, a random port. */
export async function startHttpsServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<HttpsTestServer> {
  const server = createServer(await testTlsOptions(), handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

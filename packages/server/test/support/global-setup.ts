import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { createTestCertificate } from './tls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why `npm run build` failed, or null: tests of the built CLI report it instead of running stale code. */
    buildError: string | null;
    /** The run's self-signed certificate for localhost (PEM file), trusted by the workers through NODE_EXTRA_CA_CERTS. */
    tlsCert: string;
    /** Its private key (PEM file). */
    tlsKey: string;
  }
}

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Builds the packages once per run (incremental: quick when nothing changed), for tests that
 * spawn the CLI; makes a throwaway TLS certificate for the https test servers (test providers).
 */
export default function setup(project: TestProject): () => void {
  let buildError: string | null = null;
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    buildError = `npm run build failed:\n${stdout}${stderr}`.slice(0, 4000);
  }
  project.provide('buildError', buildError);

  const certificate = createTestCertificate(process.env.NODE_EXTRA_CA_CERTS || undefined);
  // Node reads it at start: the forked workers (and the CLI processes they spawn) inherit it.
  process.env.NODE_EXTRA_CA_CERTS = certificate.trustPath;
  project.provide('tlsCert', certificate.certPath);
  project.provide('tlsKey', certificate.keyPath);
  return () => certificate.remove();
}

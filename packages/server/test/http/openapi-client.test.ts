import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, startTestServer, type TestServer } from '../support/test-server.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const FIXTURES = fileURLToPath(new URL('./generated-client/', import.meta.url));
const COMPILER_OPTIONS = ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'];
const OPTIONS = [...COMPILER_OPTIONS, '--skipLibCheck', '--types', 'node'];

/** Runs the repository's tsc; resolves with its output whether it succeeded or not. */
async function tsc(dir: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [TSC, ...args], { cwd: dir });
    return { ok: true, output: stdout };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('a typed client generated from /openapi.json (openapi-typescript + openapi-fetch)', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'tessera-client-'));
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const ast = await openapiTS(new URL('/openapi.json', server.url));
    writeFileSync(join(dir, 'paths.d.ts'), astToString(ast));
    copyFileSync(join(FIXTURES, 'client.ts.txt'), join(dir, 'client.ts'));
    copyFileSync(join(FIXTURES, 'wrong.ts.txt'), join(dir, 'wrong.ts'));
  }, 60_000);
  afterAll(async () => {
    await server.stop({ removeData: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('compiles a client of the main routes with no casts, and it works against the server', async () => {
    const compiled = await tsc(dir, [...OPTIONS, '--outDir', 'out', 'client.ts']);
    expect(compiled.output).toBe('');
    expect(compiled.ok).toBe(true);
    const { stdout } = await run(
      process.execPath,
      [join(dir, 'out/client.js'), server.url, server.publishableKey, server.secretKey, ORIGIN],
      {
        cwd: dir,
      },
    );
    expect(JSON.parse(stdout)).toEqual({
      accessTokenIsString: true,
      expiresAt: expect.any(Number),
      auth: 'anonymous',
      meUserIsNullable: true,
      userName: 'Ada',
      mintedStatus: 201,
      code: 'INVALID_TOKEN',
      codeIsAnErrorCode: true,
      refusedStatus: 401,
    });
  }, 120_000);

  it('refuses to compile a client that misuses the answers', async () => {
    const compiled = await tsc(dir, [...OPTIONS, '--noEmit', 'wrong.ts']);
    expect(compiled.ok).toBe(false);
    const lines = [...compiled.output.matchAll(/wrong\.ts\((\d+),\d+\): error/g)].map((match) => Number(match[1]));
    // Every line marked WRONG-n, and nothing else.
    expect([...new Set(lines)].sort((a, b) => a - b)).toEqual([8, 12, 14, 17, 18]);
  }, 120_000);
});

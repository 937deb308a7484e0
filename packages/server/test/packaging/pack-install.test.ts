import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { run, runOk } from './commands.js';
import { type InstallReport, installConsumerProject } from './consumer-project.js';
import { type PackedPackage, packWorkspaces } from './packed-packages.js';
import { freePort, startTessera } from './tessera-process.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const consumerSources = fileURLToPath(new URL('./consumer/', import.meta.url));
const tsc = join(root, 'node_modules/.bin/tsc');
const npmMissing = spawnSync('npm', ['--version']).status !== 0;
// TESSERA_PACK_TEST_INSTALL_SCRIPTS=1: every install script runs (better-sqlite3 may compile for minutes).
const fullInstall = process.env.TESSERA_PACK_TEST_INSTALL_SCRIPTS === '1';

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe.skipIf(npmMissing)('the packages, packed and installed into an empty project (skipped when npm is not on PATH)', () => {
  let work: string;
  let app: string;
  let packed: PackedPackage[];
  let install: InstallReport;
  const manifest = (name: string) => readJson(join(app, 'node_modules', name, 'package.json'));

  // One pack and one install, shared by every assertion below: the install is most of the time.
  beforeAll(async () => {
    assertBuilt();
    work = mkdtempSync(join(tmpdir(), 'tessera-pack-'));
    app = join(work, 'app');
    mkdirSync(join(work, 'packs'));
    mkdirSync(app);
    const started = performance.now();
    packed = await packWorkspaces(root, join(work, 'packs'));
    const packSeconds = (performance.now() - started) / 1000;
    install = await installConsumerProject(app, root, packed, fullInstall);
    console.log(
      `packed in ${packSeconds.toFixed(1)} s, installed in ${install.installSeconds.toFixed(1)} s; native builds: ${JSON.stringify(install.nativeBuilds)}`,
    );
  }, 15 * 60_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it('packs each package with its built code and no tests, sources or build info', () => {
    expect(packed.map((pkg) => pkg.name).sort()).toEqual([
      '@tessera/client',
      '@tessera/protocol',
      '@tessera/react',
      '@tessera/server',
      '@tessera/widget',
    ]);
    for (const pkg of packed) {
      expect(pkg.files.filter((path) => path.startsWith('dist/')).length, `${pkg.name} has no dist/`).toBeGreaterThan(0);
      expect(
        pkg.files.filter((path) => /(^|\/)(src|test|tests)\/|\.test\.|\.tsbuildinfo$/.test(path)),
        pkg.name,
      ).toEqual([]);
    }
  });

  it("points every entry (exports, main, types, bin) at a file in the tarball and pins the packages' own dependencies", () => {
    for (const pkg of packed) {
      const packageJson = manifest(pkg.name);
      expect(packageJson.private, pkg.name).toBeUndefined();
      const entries = [packageJson.main, packageJson.types, ...leaves(packageJson.bin), ...leaves(packageJson.exports)];
      const missing = entries
        .filter((entry): entry is string => entry !== undefined)
        .map((entry) => entry.replace(/^\.\//, ''))
        .filter((path) => !pkg.files.includes(path));
      expect(missing, `${pkg.name} names files it does not ship`).toEqual([]);
      for (const [name, range] of Object.entries<string>({ ...packageJson.dependencies, ...packageJson.peerDependencies })) {
        if (name.startsWith('@tessera/')) expect(range, `${pkg.name} → ${name}`).toBe(manifest(name).version);
        expect(range, `${pkg.name} → ${name}`).not.toMatch(/^(file|workspace|link):/);
      }
    }
  });

  it('runs `npx tessera init`, which prints the keys, then `start`, which serves health, the widget and the API reference', async () => {
    const init = await run('npx', ['--no-install', 'tessera', 'init', '--data', './d'], app, 60_000);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/admin secret key: sk_\S+/);
    expect(init.stdout).toMatch(/publishable key: +pk_\S+/);

    const port = await freePort();
    const tessera = await startTessera(app, ['--data', './d', '--port', String(port), '--host', '127.0.0.1']);
    try {
      expect(tessera.url).toBe(`http://127.0.0.1:${port}`);
      const health = await fetch(`${tessera.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ ok: true });

      // The widget's script and the chunks it imports on demand, from the installed @tessera/widget.
      for (const script of ['widget.js', 'widget-markdown.js', 'widget-passkeys.js']) {
        const served = await fetch(`${tessera.url}/${script}`);
        expect(served.status, script).toBe(200);
        expect(served.headers.get('content-type'), script).toMatch(/^text\/javascript/);
        expect(await served.text(), script).toBe(readFileSync(join(app, 'node_modules/@tessera/widget/dist', script), 'utf8'));
      }

      const reference = await fetch(`${tessera.url}/openapi.json`);
      expect(reference.status).toBe(200);
      expect((await reference.json()).openapi).toMatch(/^3\./);
      const docs = await fetch(`${tessera.url}/docs/static/index.html`);
      expect(docs.status).toBe(200);
      const docsScript = await fetch(`${tessera.url}/docs/static/swagger-ui-bundle.js`);
      expect(docsScript.status).toBe(200);
    } finally {
      await tessera.stop();
    }
  }, 90_000);

  it('imports the client, the protocol and the server in Node, and resolves the widget bundle', async () => {
    const script = `
      const client = await import('@tessera/client');
      const protocol = await import('@tessera/protocol');
      const server = await import('@tessera/server');
      console.log(JSON.stringify({
        createChatClient: typeof client.createChatClient,
        errorCodes: Object.keys(protocol.ERROR_CODES).length,
        buildApp: typeof server.buildApp,
        widget: import.meta.resolve('@tessera/widget/widget.js'),
      }));`;
    const result = JSON.parse(await runOk('node', ['--input-type=module', '-e', script], app, 30_000));
    expect(result).toEqual({
      createChatClient: 'function',
      errorCodes: expect.any(Number),
      buildApp: 'function',
      widget: `file://${join(app, 'node_modules/@tessera/widget/dist/widget.js')}`,
    });
    expect(result.errorCodes).toBeGreaterThan(10);
  }, 60_000);

  it('type-checks a TypeScript file against the installed types, and reports each wrong use in another', async () => {
    const project = join(app, 'typecheck');
    cpSync(consumerSources, project, { recursive: true });
    const result = await run(tsc, ['--project', 'tsconfig.json', '--pretty', 'false'], project, 170_000);
    const reported = [...result.stdout.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+)/gm)].map(
      ([, file, line, code]) => `${file}:${line} ${code}`,
    );
    expect(reported, result.stdout).toEqual(expectedErrors(join(project, 'misuses-packages.ts')));
  }, 180_000);
});

/** Every string in an `exports` map or a `bin` field: the files it points at. */
function leaves(field: unknown): string[] {
  if (typeof field === 'string') return [field];
  if (field === null || typeof field !== 'object') return [];
  return Object.values(field).flatMap(leaves);
}

/** The errors the wrong-use file declares, `misuses-packages.ts:7 TS2345`, from its `// expect TSnnnn` marks. */
function expectedErrors(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line, index) => {
      const code = /\/\/ expect (TS\d+)$/.exec(line)?.[1];
      return code ? [`misuses-packages.ts:${index + 1} ${code}`] : [];
    });
}

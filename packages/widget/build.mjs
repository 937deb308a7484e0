// Bundles the widget (and the client SDK's public API) into one browser script, dist/widget.js,
// the Markdown renderer into dist/widget-markdown.js, which the widget imports on the first reply
// that needs it, and the WebAuthn ceremonies into dist/widget-passkeys.js, imported only where
// passkeys are offered (so the main script stays within its budget).
import { build } from 'esbuild';
import { readFileSync, utimesSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
/** The main script's budget, gzipped: a build over it fails. */
const MAIN_BUDGET_KIB = 30;

const common = {
  bundle: true,
  minify: true,
  platform: 'browser',
  target: 'es2020',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
};
await Promise.all([
  build({ ...common, entryPoints: [`${root}src/index.ts`], outfile: `${root}dist/widget.js`, format: 'iife' }),
  build({ ...common, entryPoints: [`${root}src/markdown-dom.ts`], outfile: `${root}dist/widget-markdown.js`, format: 'esm' }),
  build({ ...common, entryPoints: [`${root}src/passkey-ceremony.ts`], outfile: `${root}dist/widget-passkeys.js`, format: 'esm' }),
]);
// The folder's own time tells scripts/ensure.mjs the build is fresh (rewriting files does not change it).
utimesSync(`${root}dist`, new Date(), new Date());

const sizeOf = (name) => {
  const bytes = readFileSync(`${root}dist/${name}`);
  return { minified: bytes.length / 1024, gzipped: gzipSync(bytes, { level: 9 }).length / 1024 };
};
const main = sizeOf('widget.js');
const markdown = sizeOf('widget-markdown.js');
const passkeys = sizeOf('widget-passkeys.js');
if (!process.argv.includes('--quiet')) {
  const line = (name, size) => `${name} ${size.minified.toFixed(1)} KiB minified, ${size.gzipped.toFixed(1)} KiB gzipped`;
  console.log(
    `@tessera/widget: ${line('dist/widget.js', main)}; ${line('dist/widget-markdown.js (on demand)', markdown)}; ${line('dist/widget-passkeys.js (with passkeys)', passkeys)}`,
  );
}
if (main.gzipped > MAIN_BUDGET_KIB) {
  console.error(`@tessera/widget: dist/widget.js is over its ${MAIN_BUDGET_KIB} KiB gzipped budget`);
  process.exitCode = 1;
}

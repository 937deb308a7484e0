// Bundles the widget (and the client SDK's public API) into one browser script, dist/widget.js.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const result = await build({
  entryPoints: [`${root}src/index.ts`],
  outfile: `${root}dist/widget.js`,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  sourcemap: 'linked',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('widget.js'))[1].bytes;
const { readFileSync, utimesSync } = await import('node:fs');
// The folder's own time tells scripts/ensure.mjs the build is fresh (rewriting files does not change it).
utimesSync(`${root}dist`, new Date(), new Date());
const gzipped = gzipSync(readFileSync(`${root}dist/widget.js`), { level: 9 }).length;
if (!process.argv.includes('--quiet')) {
  console.log(`@tessera/widget: dist/widget.js ${(bytes / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB gzipped`);
}

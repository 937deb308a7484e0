// Fails when a source file of packages/*/src grows past MAX_LINES: one concept per file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX_LINES = 300;
const sourceFile = /\.(ts|tsx|js|mjs)$/;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (sourceFile.test(entry.name)) yield path;
  }
}

const packages = readdirSync('packages').map((name) => join('packages', name, 'src'));
const tooLong = [];
for (const root of packages) {
  for (const file of files(root)) {
    const lines = readFileSync(file, 'utf8').split('\n').length - 1;
    if (lines > MAX_LINES) tooLong.push(`${file}: ${lines} lines`);
  }
}
if (tooLong.length > 0) {
  console.error(`Source files over ${MAX_LINES} lines (split them by concept):\n  ${tooLong.join('\n  ')}`);
  process.exit(1);
}
console.log(`source files: all within ${MAX_LINES} lines`);

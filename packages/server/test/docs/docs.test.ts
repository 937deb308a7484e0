import { ERROR_CODES } from '@tessera/protocol';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Every Markdown page a user reads: README, docs/, the examples' and the packages' READMEs. */
function markdownPages(): string[] {
  const inFolder = (folder: string, name = (file: string) => file.endsWith('.md')) =>
    existsSync(join(ROOT, folder))
      ? readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
          .filter((file) => name(file) && !file.includes('node_modules'))
          .map((file) => join(folder, file))
      : [];
  return [
    'README.md',
    ...inFolder('docs'),
    ...inFolder('examples', (file) => file.endsWith('README.md')),
    ...inFolder('packages', (file) => /^[^/]+\/README\.md$/.test(file)),
  ];
}

const isInside = (path: string) => {
  const fromRoot = relative(ROOT, path);
  return fromRoot !== '' && !fromRoot.startsWith('..') && !fromRoot.startsWith(sep);
};

/** Links a reader cannot follow inside a clone of this repository. */
function brokenLinks(page: string): string[] {
  const text = read(page);
  const here = dirname(join(ROOT, page));
  const problems: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (target.startsWith('#')) continue;
    if (/^[a-z]+:/i.test(target)) {
      if (!/^https?:\/\/(localhost|127\.0\.0\.1)[:/]/.test(target)) problems.push(`${target} (leaves the repository)`);
      continue;
    }
    const file = resolve(here, target.split('#')[0]);
    if (!isInside(file)) problems.push(`${target} (outside the repository)`);
    else if (!existsSync(file)) problems.push(`${target} (no such file)`);
  }
  for (const [, target] of text.matchAll(/<(https?:\/\/[^>]+)>/g)) {
    if (!/^https?:\/\/(localhost|127\.0\.0\.1)[:/]/.test(target)) problems.push(`${target} (leaves the repository)`);
  }
  // Paths in code spans that climb up, e.g. `../shared/API.md`: only to a file of this repository.
  for (const [, path] of text.matchAll(/`(\.\.\/[^`\s]*)`/g)) {
    const file = [resolve(here, path), resolve(ROOT, path)].find((candidate) => isInside(candidate) && existsSync(candidate));
    if (!file) problems.push(`${path} (not a file of the repository)`);
  }
  return problems.map((problem) => `${page}: ${problem}`);
}

describe('the documentation', () => {
  it('links only to files in the repository (and to a local Tessera)', () => {
    const pages = markdownPages();
    expect(pages).toContain('docs/api.md');
    expect(pages.flatMap(brokenLinks)).toEqual([]);
  });

  it('lists every error code in docs/api.md with its HTTP status and WebSocket close code', () => {
    const table = read('docs/api.md').split('<!-- error-codes:start -->')[1].split('<!-- error-codes:end -->')[0];
    const rows = new Map(
      [...table.matchAll(/^\|\s*([A-Z_]+)\s*\|\s*(\d+)\s*\|\s*([^|]+)\|/gm)].map(([, code, http, ws]) => [code, { http, ws: ws.trim() }]),
    );
    const expected = Object.entries(ERROR_CODES).map(([code, { http, ws }]) => ({ code, http: String(http), closes: ws }));
    const listed = expected.map(({ code }) => ({ code, ...rows.get(code) }));
    expect(listed.map((row) => [row.code, row.http])).toEqual(expected.map((row) => [row.code, row.http]));
    for (const { code, closes } of expected) {
      const ws = rows.get(code)!.ws;
      if (closes === null) expect(ws, code).not.toMatch(/^\d{4}\b/);
      else expect(ws, code).toMatch(new RegExp(`^${closes}\\b`));
    }
    expect([...rows.keys()].filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });

  it('shows in docs/quickstart.md exactly the code the quickstart tests run', () => {
    const doc = read('docs/quickstart.md');
    const included = [...doc.matchAll(/<!-- file: (\S+) -->\n```[a-z]*\n([\s\S]*?)```\n/g)];
    expect(included.map(([, path]) => path).sort()).toEqual(
      readdirSync(join(ROOT, 'docs/quickstart'))
        .map((file) => `docs/quickstart/${file}`)
        .sort(),
    );
    for (const [, path, code] of included) expect(code, `${path}: copy the file into the doc again`).toBe(read(path));
  });
});

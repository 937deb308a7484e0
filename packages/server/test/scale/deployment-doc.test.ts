import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NGINX_TEMPLATE } from '../support/cluster.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('docs/deployment.md', () => {
  const guide = read('../../../../docs/deployment.md');

  it('shows the nginx configuration the multi-node tests run, verbatim', () => {
    expect(guide).toContain(readFileSync(NGINX_TEMPLATE, 'utf8'));
  });

  it('documents every environment variable the server reads', () => {
    const variables = [...read('../../src/main.ts').matchAll(/env\.(TESSERA_[A-Z_]+)/g)].map((match) => match[1]!);
    expect(variables.length).toBeGreaterThan(0);
    for (const variable of new Set(variables)) expect(guide).toContain(`\`${variable}\``);
  });

  it('lists every metric the node exports', () => {
    const names = [...read('../../src/metrics.ts').matchAll(/name: '([a-z_]+)'/g)].map((match) => match[1]!);
    for (const name of names) expect(guide).toContain(`\`${name}\``);
  });
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Under a DOM environment (happy-dom: the React tests) every module is transformed for the browser,
 * and Vite turns `new URL('./file.js', import.meta.url)` into an http URL of the dev server. The
 * real server those tests start needs its file URLs (its SQLite worker): kept as written here.
 */
const keepServerFileUrls = {
  name: 'tessera:keep-server-file-urls',
  enforce: 'pre' as const,
  transform(code: string, id: string) {
    if (!id.includes('/packages/server/src/') || !code.includes('import.meta.url')) return null;
    return { code: code.replace(/\bnew URL\(/g, 'new globalThis.URL('), map: null };
  },
};

export default defineConfig({
  plugins: [keepServerFileUrls],
  resolve: {
    // Exact names: `@tessera/react` must not swallow `@tessera/react/native`.
    alias: [
      { find: /^@tessera\/protocol$/, replacement: source('./packages/protocol/src/index.ts') },
      { find: /^@tessera\/client$/, replacement: source('./packages/client/src/index.ts') },
      { find: /^@tessera\/react$/, replacement: source('./packages/react/src/index.ts') },
      { find: /^@tessera\/react\/native$/, replacement: source('./packages/react/src/native/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.{ts,tsx}'],
    globalSetup: ['packages/server/test/support/global-setup.ts'],
    testTimeout: 20000,
    hookTimeout: 30000,
    pool: 'forks',
  },
});

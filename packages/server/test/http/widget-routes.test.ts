import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { widgetAsset, widgetRoutes } from '../../src/http/widget-routes.js';
import { assertBuilt } from '../support/cli.js';

const built = (name: string) => fileURLToPath(new URL(`../../../widget/dist/${name}`, import.meta.url));

describe('/widget.js and its chunks', () => {
  it("serve the scripts of the @tessera/widget package (the workspace's build here), to any page, revalidated", async () => {
    assertBuilt();
    const app = Fastify();
    await app.register(widgetRoutes());
    for (const script of ['widget.js', 'widget-markdown.js', 'widget-passkeys.js'] as const) {
      expect(widgetAsset(script)).toBe(built(script));
      const response = await app.inject({ method: 'GET', url: `/${script}` });
      expect(response.statusCode, script).toBe(200);
      expect(response.headers['content-type'], script).toBe('text/javascript; charset=utf-8');
      expect(response.headers['cache-control'], script).toBe('no-cache');
      expect(response.headers['cross-origin-resource-policy'], script).toBe('cross-origin');
      expect(response.body, script).toBe(readFileSync(built(script), 'utf8'));
    }
    await app.close();
  });

  it('answer 404 with what to run when the widget is not built', async () => {
    const app = Fastify();
    await app.register(widgetRoutes(() => null));
    for (const url of ['/widget.js', '/widget.js.map', '/widget-markdown.js']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body, url).toMatch(/is not built: run npm run build/);
    }
    await app.close();
  });
});

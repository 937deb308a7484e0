import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

const resolveModule = createRequire(import.meta.url).resolve;

/** The widget's scripts (the main one and the chunks it imports on demand) and their source maps. */
export type WidgetAssetName = `${'widget' | 'widget-markdown' | 'widget-passkeys'}.js${'' | '.map'}`;

/**
 * Where an asset of the built widget is, through the `@tessera/widget` package's exports as Node
 * resolves them: the workspace's packages/widget in the repository, node_modules/@tessera/widget
 * once installed. Null when it is not there (the widget was not built).
 */
export function widgetAsset(name: WidgetAssetName): string | null {
  try {
    return resolveModule(`@tessera/widget/${name}`);
  } catch {
    return null;
  }
}

/**
 * The embeddable chat, `<script src="https://tessera.example/widget.js" data-tessera-key="pk_…" async>`:
 * the bundle built by `npm run build` (404 with a hint when it was not built).
 * Left out of the OpenAPI document: it is an asset, not an API.
 */
export function widgetRoutes(locate = widgetAsset): FastifyPluginAsync {
  return async (app) => {
    const hide = { schema: { hide: true } };
    app.get('/widget.js', hide, (_request, reply) => serve(reply, locate('widget.js'), 'widget.js', 'text/javascript; charset=utf-8'));
    app.get('/widget.js.map', hide, (_request, reply) => serve(reply, locate('widget.js.map'), 'widget.js.map', 'application/json'));
    // Chunks the widget imports on demand: Markdown on the first formatted reply, passkeys where offered.
    for (const chunk of ['widget-markdown.js', 'widget-passkeys.js'] as const) {
      app.get(`/${chunk}`, hide, (_request, reply) => serve(reply, locate(chunk), chunk, 'text/javascript; charset=utf-8'));
      app.get(`/${chunk}.map`, hide, (_request, reply) => serve(reply, locate(`${chunk}.map`), `${chunk}.map`, 'application/json'));
    }
  };
}

async function serve(reply: FastifyReply, path: string | null, name: string, type: string) {
  let body: Buffer;
  try {
    if (path === null) throw new Error(`${name} not found`);
    body = await readFile(path);
  } catch {
    return reply.status(404).type('text/plain').send(`${name} is not built: run npm run build`);
  }
  // Any page may load the script; revalidated on every load so a new build is picked up.
  // The chunks are ES modules: a page on another origin imports them only with CORS.
  return reply
    .type(type)
    .header('cache-control', 'no-cache')
    .header('cross-origin-resource-policy', 'cross-origin')
    .header('access-control-allow-origin', '*')
    .send(body);
}

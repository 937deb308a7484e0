import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/** The built widget (packages/widget/dist): the same relative path from src/ and dist/. */
export const WIDGET_DIST = fileURLToPath(new URL('../../../widget/dist/', import.meta.url));

/**
 * The embeddable chat, `<script src="https://tessera.example/widget.js" data-tessera-key="pk_…" async>`:
 * the bundle built by `npm run build` (404 with a hint when it was not built).
 * Left out of the OpenAPI document: it is an asset, not an API.
 */
export function widgetRoutes(dist = WIDGET_DIST): FastifyPluginAsync {
  return async (app) => {
    const hide = { schema: { hide: true } };
    app.get('/widget.js', hide, (_request, reply) => serve(reply, dist, 'widget.js', 'text/javascript; charset=utf-8'));
    app.get('/widget.js.map', hide, (_request, reply) => serve(reply, dist, 'widget.js.map', 'application/json'));
  };
}

async function serve(reply: FastifyReply, dist: string, name: string, type: string) {
  let body: Buffer;
  try {
    body = await readFile(`${dist}${name}`);
  } catch {
    return reply.status(404).type('text/plain').send(`${name} is not built: run npm run build`);
  }
  // Any page may load the script; revalidated on every load so a new build is picked up.
  return reply.type(type).header('cache-control', 'no-cache').header('cross-origin-resource-policy', 'cross-origin').send(body);
}

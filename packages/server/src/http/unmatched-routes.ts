import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors.js';
import type { RegisteredRoute } from './openapi.js';

interface PathMethods {
  pattern: RegExp;
  methods: Set<string>;
}

/**
 * What a request no route matched is told: `405 METHOD_NOT_ALLOWED` with `Allow` when its path
 * is served with other methods (a PUT where PATCH is meant), else `404 NOT_FOUND`.
 * `routes` is the live list of registered routes (`registerOpenApi` fills it as routes are added).
 */
export function registerUnmatchedRoutes(app: FastifyInstance, routes: readonly RegisteredRoute[]): void {
  let compiled: { count: number; paths: PathMethods[] } | null = null;
  const pathsNow = () => {
    if (compiled?.count !== routes.length) compiled = { count: routes.length, paths: compile(routes) };
    return compiled.paths;
  };
  app.setNotFoundHandler((request, reply) => {
    const allowed = allowedMethods(pathsNow(), request.url.split('?', 1)[0]);
    if (allowed.length === 0) return reply.status(404).send(errorBody('NOT_FOUND', 'no such route'));
    const list = allowed.join(', ');
    return reply
      .status(405)
      .header('Allow', list)
      .send(errorBody('METHOD_NOT_ALLOWED', `${request.method} is not allowed on this path: use ${list}`));
  });
}

/** The methods served on `path`, sorted; fastify answers HEAD wherever it answers GET. */
export function allowedMethods(paths: readonly PathMethods[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of paths) {
    if (!route.pattern.test(path)) continue;
    for (const method of route.methods) methods.add(method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

function compile(routes: readonly RegisteredRoute[]): PathMethods[] {
  const byUrl = new Map<string, Set<string>>();
  for (const { method, url } of routes) {
    const methods = byUrl.get(url) ?? new Set<string>();
    methods.add(method.toUpperCase());
    byUrl.set(url, methods);
  }
  return [...byUrl].map(([url, methods]) => ({ pattern: patternOf(url), methods }));
}

/** A fastify route path as a regular expression: `:param` is one segment, `*` the rest. */
function patternOf(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+(?:\([^)]*\))?|\*)/)
    .map((part) => {
      if (part === '*') return '.*';
      if (part.startsWith(':')) return '[^/]+';
      return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

// HTTP: loops each sending one request after another over a keep-alive connection of its own (undici).
//   session-start  POST /v1/sessions with the publishable key, from an allowed origin (201)
//   refresh        POST /v1/auth/refresh: each loop rotates its own chain, presenting the token it got last
//   me             GET /v1/me with a bearer access token
// `routes`: another server's requests for the same three operations (the peers: bench/peers/<name>/routes.mjs).
import { Pool } from 'undici';
import { errorTally } from './measure.mjs';

export const TESSERA_ROUTES = {
  'session-start': ({ publishableKey }) => ({
    method: 'POST',
    path: '/v1/sessions',
    headers: { 'content-type': 'application/json', 'x-tessera-key': publishableKey },
    body: '{}',
    expect: 201,
  }),
  refresh: (_, chain) => ({
    method: 'POST',
    path: '/v1/auth/refresh',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: chain.refreshToken }),
    expect: 200,
    next: (body) => {
      chain.refreshToken = JSON.parse(body).refreshToken;
    },
  }),
  me: (_, chain) => ({ method: 'GET', path: '/v1/me', headers: { authorization: `Bearer ${chain.accessToken}` }, expect: 200 }),
};

export function startHttpLoad(target, { operation, loops: loopCount, tokens, histogram, routes = TESSERA_ROUTES }) {
  const pool = new Pool(target.httpUrl, { connections: loopCount, pipelining: 1, keepAliveTimeout: 60_000 });
  let running = true;
  let completed = 0;
  const { errors, error } = errorTally();
  const loops = Array.from({ length: loopCount }, async (_, i) => {
    const chain = { ...(tokens[i] ?? {}) };
    while (running) {
      const { expect, next, ...request } = routes[operation](target, chain);
      request.headers = { origin: target.origin, ...request.headers };
      const started = performance.now();
      try {
        const response = await pool.request(request);
        const body = await response.body.text();
        if (response.statusCode !== expect) {
          error(`${response.statusCode} ${body.slice(0, 200)}`);
          if (operation === 'refresh') return; // a broken chain stays broken
          continue;
        }
        next?.(body, response.headers);
        histogram.record(performance.now() - started);
        completed++;
      } catch (err) {
        error(err.message);
      }
    }
  });
  return {
    count: () => completed,
    errors: () => errors,
    async stop() {
      running = false;
      await Promise.all(loops);
      await pool.close();
    },
  };
}

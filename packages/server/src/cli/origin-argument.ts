/**
 * An origin as given on the command line, as browsers send it in `Origin`: scheme://host[:port],
 * lower-case, the default port left out, a trailing `/` dropped. No path, no wildcard, http(s) only.
 */
export function normaliseOrigin(input: string): string {
  const given = input.trim();
  if (given.includes('*')) throw new Error(`${given}: wildcards are not allowed; add each origin on its own`);
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new Error(`${given} is not an origin: give scheme://host[:port], e.g. https://shop.example or http://localhost:3000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    const hint = /^[a-z0-9.-]+:\d+$/i.test(given) ? ` (did you mean http://${given}?)` : '';
    throw new Error(`${given} is not an origin: only http and https${hint}`);
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new Error(`${given} is not an origin: no path, query or user (did you mean ${url.origin}?)`);
  }
  return url.origin;
}

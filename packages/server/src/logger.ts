import pino, { type Logger } from 'pino';

/**
 * Query parameters that carry credentials and never reach a log line (compared decoded, case-insensitively):
 * ours, and a provider's authorization code and `state` on its redirect back.
 */
const SECRET_PARAMS = new Set(['token', 'init', 'key', 'refreshtoken', 'access_token', 'code', 'state']);

/**
 * The URL with the value of every credential parameter replaced. Names are compared
 * after percent-decoding, as the server reads them: `?%74oken=` is `?token=` too.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const hash = url.indexOf('#', start);
  const end = hash < 0 ? url.length : hash;
  const pairs = url.slice(start + 1, end).split('&');
  const redacted = pairs.map((pair) => {
    const name = pair.split('=', 1)[0];
    return SECRET_PARAMS.has(decodedName(name)) ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, start + 1)}${redacted.join('&')}${url.slice(end)}`;
}

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'req.headers["sec-websocket-protocol"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.token',
        '*.refreshToken',
        '*.accessToken',
        '*.flowSecret',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method?: string; url?: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url ?? ''), ip: req.ip }),
    },
  });
}

export type { Logger };

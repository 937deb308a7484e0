import { parseArgs } from 'node:util';

export const USAGE = `tessera <command> [options]

  init --data DIR [--origin URL]... [--json]     create the default tenant, keys and signing key
  start --data DIR --port N [--host H] [--init]  serve HTTP and WebSocket on one port (refused on an
                                                 uninitialised DIR unless --init)
        [--metrics-port N] [--metrics-host H]    GET /metrics on its own port (default host 127.0.0.1)
        [--demo] [--demo-partner-port N]         with the demo shop at / and a partner demo page on port N
                                                 (default 8081 when serving on 8080, else none);
                                                 the demo listens on 127.0.0.1 unless --host is given
        [--example-agent]                        run examples/agent-backend on a free loopback port as the
                                                 tenant's agent (settings.agent) until shutdown
  keys create --name NAME [--kind secret|publishable] [--scope S]... [--ip CIDR]...
              (scopes: tokens:write, sessions:write, users:read, users:delete, tokens:exchange,
               tokens:introspect, admin; default tokens:write)
              [--expires 2027-01-31|30d|12h] [--rate-limit PER_MINUTE] [--data DIR] [--json]
  keys list | keys rotate ID [--grace SECONDS] | keys revoke ID   [--data DIR] [--json]
  partners add --name NAME --origin URL... [--secret S | --secret-file F | --public-key-file PEM | --jwks-url URL]
               [--trusted]   (no key given: a new HS256 secret is generated and shown once)
  partners list | partners remove ID   [--data DIR] [--json]
  audit [--limit N] [--data DIR] [--json]        the newest audit log entries
  signing-key rotate [--data DIR]                new signing key, published now, signing in 10 min
  cleanup [--data DIR]                           delete expired sessions now`;

/** The command line, parsed once: `positionals` are the command, its action and an id. */
export const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string', default: './data' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string' },
    origin: { type: 'string', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
    init: { type: 'boolean', default: false },
    demo: { type: 'boolean', default: false },
    'demo-partner-port': { type: 'string' },
    'example-agent': { type: 'boolean', default: false },
    'metrics-port': { type: 'string' },
    'metrics-host': { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string', default: 'secret' },
    scope: { type: 'string', multiple: true },
    grace: { type: 'string', default: '0' },
    ip: { type: 'string', multiple: true },
    expires: { type: 'string' },
    'rate-limit': { type: 'string' },
    secret: { type: 'string' },
    'secret-file': { type: 'string' },
    'public-key-file': { type: 'string' },
    'jwks-url': { type: 'string' },
    trusted: { type: 'boolean', default: false },
    limit: { type: 'string', default: '50' },
    'trust-proxy': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

export type CliValues = typeof values;

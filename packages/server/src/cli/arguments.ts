import { parseArgs } from 'node:util';

/** The command line, parsed once: `positionals` are the command, its action and its arguments. */
export const { positionals, values } = parse();

function parse() {
  try {
    return parseArgs({
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
        issuer: { type: 'string' },
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
        tenant: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // An unknown or incomplete option is a usage error: said in one line, not a stack trace.
    console.error(`${error instanceof Error ? error.message : error}\nRun \`tessera help\` for the commands and their options.`);
    process.exit(2);
  }
}

export type CliValues = typeof values;

import { DATA_OPTIONS, TENANT_OPTION } from './common-options.js';
import { KEYS_USAGE } from './key-commands.js';
import { ORIGINS_USAGE } from './origin-commands.js';
import { PARTNERS_USAGE } from './partner-commands.js';
import { SETTINGS_USAGE } from './settings-commands.js';

const INIT_USAGE = `tessera init [--origin URL]... [--data DIR] [--json]

Creates the default tenant, its admin secret key, a publishable key and the signing key.
The keys are printed once. A second run on the same data directory changes nothing.

  --origin URL   a browser origin allowed to connect (repeat for several; later: tessera origins add)
  --json         print {tenantId, secretKey, publishableKey, created} as JSON
${DATA_OPTIONS}`;

const START_USAGE = `tessera start [--port N] [--host H] [--init] [--data DIR]

Serves HTTP and WebSocket on one port (default 8080). Refused on a data directory that
\`tessera init\` never initialised, unless --init (which takes --origin like init).

  --host H                     the address to listen on (default every interface; the demo: 127.0.0.1)
  --metrics-port N             GET /metrics on its own port, on --metrics-host (default 127.0.0.1)
  --trust-proxy CIDR           take the client address from X-Forwarded-For of these proxies
  --issuer URL                 the tokens' iss (or TESSERA_ISSUER; default the public URL)
  --demo                       the demo shop at /; --demo-partner-port N: a partner demo page on
                               port N (default 8081 when serving on 8080, else none)
  --example-agent              run examples/agent-backend on a free loopback port as the tenant's
                               agent (settings.agent) until shutdown
${DATA_OPTIONS}`;

const AUDIT_USAGE = `tessera audit [--limit N] [--json] [--data DIR] [--tenant ID]

Prints the newest audit log entries (default 50): who changed which key, setting or partner.
${DATA_OPTIONS}
${TENANT_OPTION}`;

const SIGNING_KEY_USAGE = `tessera signing-key rotate [--data DIR]

Makes a new signing key: published in the JWKS now, signing tokens ten minutes later, so
verifiers' caches know it first. Running servers pick it up by themselves.
${DATA_OPTIONS}`;

const CLEANUP_USAGE = `tessera cleanup [--data DIR]

Deletes expired sessions, their refresh tokens, conversations and messages now (a running
server also does so periodically). Prints what it deleted as JSON.
${DATA_OPTIONS}`;

const HELP_USAGE = `tessera help [COMMAND]

Lists the commands, or prints one command's usage (as \`tessera COMMAND --help\` does).`;

export interface CommandHelp {
  readonly summary: string;
  readonly usage: string;
}

/** Every command of `tessera`, in the order `tessera help` lists them. */
export const COMMANDS: Readonly<Record<string, CommandHelp>> = {
  init: { summary: 'create the default tenant, its keys and the signing key', usage: INIT_USAGE },
  start: { summary: 'serve HTTP and WebSocket on one port', usage: START_USAGE },
  origins: { summary: 'list, add or remove the browser origins allowed to connect', usage: ORIGINS_USAGE },
  settings: { summary: "print or change the tenant's settings", usage: SETTINGS_USAGE },
  keys: { summary: 'create, list, rotate or revoke API keys', usage: KEYS_USAGE },
  partners: { summary: 'add, list or remove partners (third-party embedding)', usage: PARTNERS_USAGE },
  audit: { summary: 'the newest audit log entries', usage: AUDIT_USAGE },
  'signing-key': { summary: 'rotate the token signing key', usage: SIGNING_KEY_USAGE },
  cleanup: { summary: 'delete expired sessions now', usage: CLEANUP_USAGE },
  help: { summary: "list the commands, or print one command's usage", usage: HELP_USAGE },
};

export function isCommand(name: string): boolean {
  return Object.hasOwn(COMMANDS, name);
}

/** `tessera help`: one line per command. */
export function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}${summary}`);
  return `tessera <command> [options]\n\n${lines.join('\n')}\n\nRun \`tessera help COMMAND\` or \`tessera COMMAND --help\` for a command's usage.`;
}

/** `tessera help COMMAND`, `tessera COMMAND --help`. */
export function usageOf(name: string): string {
  return COMMANDS[name].usage;
}

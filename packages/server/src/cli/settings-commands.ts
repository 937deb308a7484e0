import { z } from 'zod';
import type { Services } from '../services.js';
import { describeSettings, settingsPatchSchema } from '../tenancy/index.js';
import { values } from './arguments.js';
import { DATA_OPTIONS, SEEN_BY_RUNNING_SERVERS, TENANT_OPTION } from './common-options.js';
import { CLI, initialisedTenant, type OpenServices } from './initialised-tenant.js';
import { parseSettingValue, patchSetting, segmentsOf, valueAt } from './settings-path.js';
import { UsageError } from './usage-error.js';

export const SETTINGS_USAGE = `tessera settings get [PATH]
tessera settings set PATH VALUE

  get   prints the tenant's settings as JSON, or only the value at PATH (dotted, e.g.
        limits.messagesPerMinute). Secrets show as "[set]", never as themselves.
  set   VALUE is JSON (40, true, null, ["a","b"], {"k":1}); a bare word is a string. The change
        is checked as PATCH /v1/settings checks it, saved, audited (actor cli), and the new
        value at PATH printed. Invalid: exit 1 and what is wrong. Setting agent.url while the
        tenant has no agent signing secret makes one and prints it, once.

  tessera settings get allowedOrigins
  tessera settings set limits.messagesPerMinute 40
  tessera settings set agent.url https://agent.example/turn
  tessera settings set retention.messageDays null

${SEEN_BY_RUNNING_SERVERS}
Browser origins have their own command: tessera origins.

  --json         set: print {path, value} (and signingSecret when one was made) on one line
${DATA_OPTIONS}
${TENANT_OPTION}`;

/** `tessera settings get [PATH]` and `tessera settings set PATH VALUE`; the store is opened once the arguments make sense. */
export async function settingsCommand(action: string | undefined, args: readonly string[], open: OpenServices): Promise<void> {
  if (action === 'get' && args.length <= 1) return open((services) => get(services, args[0]));
  if (action === 'set' && args.length === 2) return open((services) => set(services, args[0], args[1]));
  if (action === 'set') throw new UsageError('settings set needs a PATH and a VALUE (quote JSON for the shell)', 'settings');
  throw new UsageError(action ? `unknown or incomplete: settings ${action}` : 'settings needs an action: get or set', 'settings');
}

async function get(services: Services, path: string | undefined): Promise<void> {
  const tenant = await initialisedTenant(services);
  const described = { tenantId: tenant.id, ...describeSettings(tenant.settings) };
  const value = path === undefined ? described : valueAt(described, segmentsOf(path));
  if (value === undefined) throw new Error(`no setting at ${path}: run tessera settings get to see them all`);
  console.log(JSON.stringify(value, null, 2));
}

async function set(services: Services, path: string, text: string): Promise<void> {
  const tenant = await initialisedTenant(services);
  const segments = segmentsOf(path);
  const checked = settingsPatchSchema.safeParse(patchSetting(tenant.settings, segments, parseSettingValue(text)));
  if (!checked.success) throw new Error(`${path}: ${z.prettifyError(checked.error)}`);
  const settings = await services.tenants.updateSettings(tenant.id, checked.data, CLI);
  // As PATCH /v1/settings does: an agent URL with no secret to sign its requests gets one, shown once.
  const signingSecret = checked.data.agent?.url ? await services.agentSecrets.ensure(tenant.id, CLI) : null;
  const value = valueAt(describeSettings(settings), segments) ?? null;
  if (values.json) {
    console.log(JSON.stringify({ path, value, ...(signingSecret ? { signingSecret } : {}) }));
    return;
  }
  if (signingSecret) console.log(`agent signing secret (shown once; the agent verifies our requests with it): ${signingSecret}`);
  console.log(JSON.stringify(value, null, 2));
  console.error(SEEN_BY_RUNNING_SERVERS);
}

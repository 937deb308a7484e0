import type { Services } from '../services.js';
import type { Tenant } from '../store/index.js';
import { values } from './arguments.js';

/** Opens the data directory's services for `work`, and closes them after. */
export type OpenServices = <T>(work: (services: Services) => Promise<T>) => Promise<T>;

/** What the command line does is audited as done by `cli`. */
export const CLI = { actor: 'cli' };

/** The tenant `--tenant` names, else the data directory's first; or an error that says to run `tessera init`. */
export async function initialisedTenant(services: Services): Promise<Tenant> {
  if (values.tenant !== undefined) {
    const named = await services.store.tenants.get(values.tenant);
    if (!named) throw new Error(`no tenant ${values.tenant} in ${values.data}`);
    return services.tenants.get(named.id);
  }
  const tenant = await services.tenants.first();
  if (!tenant) throw new Error(`${values.data} is not initialised: run tessera init first`);
  return tenant;
}

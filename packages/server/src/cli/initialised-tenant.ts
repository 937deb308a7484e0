import type { Services } from '../services.js';
import type { Tenant } from '../store/index.js';
import { values } from './arguments.js';

/** What the command line does is audited as done by `cli`. */
export const CLI = { actor: 'cli' };

/** The data directory's tenant, or an error that says to run `tessera init`. */
export async function initialisedTenant(services: Services): Promise<Tenant> {
  const tenant = await services.tenants.first();
  if (!tenant) throw new Error(`${values.data} is not initialised: run tessera init first`);
  return tenant;
}

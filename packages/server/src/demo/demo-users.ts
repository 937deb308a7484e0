/** The demo shop's pretend accounts (its own login, not Tessera's). */
export const DEMO_USERS = {
  ada: { id: 'demo-ada', name: 'Ada Lovelace' },
  grace: { id: 'demo-grace', name: 'Grace Hopper' },
} as const;

export type DemoUserKey = keyof typeof DEMO_USERS;

export function isDemoUserKey(value: unknown): value is DemoUserKey {
  return typeof value === 'string' && Object.hasOwn(DEMO_USERS, value);
}

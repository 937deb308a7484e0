/**
 * A non-secret note in this browser that Tessera's httpOnly refresh cookie may be there, so that
 * a first visit does not probe `POST /v1/auth/refresh` for a cookie it cannot have (the 401 a
 * browser logs as a console error). Written when a session starts or is restored, removed when it
 * ends (logout, revocation, a refused refresh). Where there is no localStorage, the cookie may
 * always be there: the refresh is tried, as before.
 */
export interface SessionHint {
  /** Whether a session of this browser may be waiting in the refresh cookie. */
  present(): boolean;
  set(): void;
  clear(): void;
}

export function createSessionHint(baseUrl: string): SessionHint {
  const key = `tessera.session-hint:${baseUrl}`;
  const storage = (): Storage | null => {
    try {
      return globalThis.localStorage ?? null;
    } catch {
      return null; // blocked (sandboxed frames, some privacy settings)
    }
  };
  const attempt = (operation: (store: Storage) => void) => {
    try {
      const store = storage();
      if (store) operation(store);
    } catch {
      // full or blocked: the refresh is simply tried on the next visit
    }
  };
  return {
    present() {
      try {
        const store = storage();
        return store ? store.getItem(key) === '1' : true;
      } catch {
        return true;
      }
    },
    set: () => attempt((store) => store.setItem(key, '1')),
    clear: () => attempt((store) => store.removeItem(key)),
  };
}

import { readTabValue, writeTabValue } from './tab-storage.js';

const RESUME_KEY = 'tessera.widget.resume';

/**
 * Which earlier conversation the chat continues: the one resumed in this page, else the one
 * chosen in this tab before a reload (kept in sessionStorage, for the session it was chosen in).
 */
export interface ResumeMemory {
  /** The conversation to resume on (re)connect for this session, if any. */
  conversationFor(sessionId: string | null | undefined): string | null;
  /** Continues with this conversation from now on; with the session, after a reload of this tab too. */
  keep(conversationId: string, sessionId?: string | null): void;
  /** Back to the session's current conversation. */
  forget(): void;
}

export function createResumeMemory(): ResumeMemory {
  let resumedId: string | null = null;

  function stored(sessionId: string | null | undefined): string | null {
    try {
      const value = JSON.parse(readTabValue(RESUME_KEY) ?? 'null') as { sessionId?: string; conversationId?: string } | null;
      return value?.sessionId && value.sessionId === sessionId ? (value.conversationId ?? null) : null;
    } catch {
      return null;
    }
  }

  return {
    conversationFor: (sessionId) => resumedId ?? stored(sessionId),
    keep(conversationId, sessionId) {
      resumedId = conversationId;
      if (sessionId) writeTabValue(RESUME_KEY, JSON.stringify({ sessionId, conversationId }));
    },
    forget() {
      resumedId = null;
      writeTabValue(RESUME_KEY, null);
    },
  };
}

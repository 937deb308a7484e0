import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { randomToken } from '../ids.js';
import type { AuditEntry, Store } from '../store/index.js';

/** The actions Tessera records. Others may be added; names are `noun.verb_past`. */
export type AuditAction =
  | 'key.created'
  | 'key.rotated'
  | 'key.revoked'
  | 'key.throttled'
  | 'session.linked'
  | 'session.revoked'
  | 'user.erased'
  | 'anonymous.erased'
  | 'settings.changed'
  | 'partner.added'
  | 'partner.removed';

export interface AuditEvent {
  tenantId: string;
  /** Who did it: a key id (`key_...`), `cli`, `system`, or a session id for an end user's own action. */
  actor: string;
  action: AuditAction | (string & {});
  /** What it was done to: a key, session, user (`userId`), partner id... */
  target?: string | null;
  /** Small, non-secret facts. Anything that looks like a credential is dropped. */
  details?: Record<string, unknown>;
}

/**
 * Who makes a change, for the audit log: a key id, `cli`, `system`. Changes made without
 * one (bootstrap, a test's setup) are not audited.
 */
export type Auditor = { actor: string } | undefined;

export interface AuditPage {
  entries: Array<Omit<AuditEntry, 'tenantId'>>;
  /** Pass back as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

export const MAX_AUDIT_PAGE = 200;
const MAX_DETAIL_STRING = 200;
const MAX_DETAIL_ITEMS = 20;
const MAX_DETAILS_BYTES = 2048;
const SECRET_KEY_NAME = /secret|password|passwd|token|pem|hash|credential|cookie|authorization|private/i;
const SECRET_VALUE = /^(sk|pk|rt)_[A-Za-z0-9]{20}_|^eyJ[\w-]*\.[\w-]*\.|-----BEGIN /;

/**
 * The tenant's audit log: who changed keys, sessions, users, partners and settings.
 * Recording never fails the action it describes (a failed write is logged); entries
 * are read newest first with an opaque cursor.
 */
export class Audit {
  private lastAt = 0;
  private sequence = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Records `event` as done by `by`'s actor; nothing when there is none. */
  async by(by: Auditor, event: Omit<AuditEvent, 'actor'>): Promise<void> {
    if (by) await this.record({ ...event, actor: by.actor });
  }

  async record(event: AuditEvent): Promise<void> {
    const at = this.clock.now();
    const entry: AuditEntry = {
      id: this.nextId(at),
      tenantId: event.tenantId,
      at,
      actor: event.actor.slice(0, 128),
      action: event.action.slice(0, 64),
      target: event.target == null ? null : String(event.target).slice(0, 256),
      details: event.details ? scrubDetails(event.details) : null,
    };
    try {
      await this.store.auditLog.insert(entry);
    } catch (error) {
      this.logger.error({ err: error, action: entry.action, target: entry.target }, 'audit write failed');
    }
  }

  async page(tenantId: string, query: { limit?: number; cursor?: string; action?: string; target?: string } = {}): Promise<AuditPage> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), MAX_AUDIT_PAGE);
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.store.auditLog.page(tenantId, { limit: limit + 1, before, action: query.action, target: query.target });
    const entries = rows.slice(0, limit).map(({ tenantId: _tenant, ...rest }) => rest);
    const last = entries[entries.length - 1];
    return { entries, nextCursor: rows.length > limit && last ? encodeCursor(last.at, last.id) : null };
  }

  /** Ids that sort in recording order within a millisecond on this node. */
  private nextId(at: number): string {
    this.sequence = at === this.lastAt ? this.sequence + 1 : 0;
    this.lastAt = at;
    return `aud_${at.toString(36).padStart(9, '0')}${this.sequence.toString(36).padStart(4, '0')}${randomToken(7)}`;
  }
}

function encodeCursor(at: number, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string' &&
      value[1].length <= 64
    ) {
      return { at: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through
  }
  throw new TesseraError('BAD_REQUEST', 'invalid cursor');
}

/** Keeps only small primitive facts; drops credential-like names and values. */
export function scrubDetails(details: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details).slice(0, MAX_DETAIL_ITEMS)) {
    if (SECRET_KEY_NAME.test(key)) continue;
    const clean = scrubValue(value, depth);
    if (clean !== undefined) out[key.slice(0, 64)] = clean;
  }
  if (depth === 0 && Buffer.byteLength(JSON.stringify(out)) > MAX_DETAILS_BYTES) return { truncated: true };
  return out;
}

function scrubValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return SECRET_VALUE.test(value) ? undefined : value.slice(0, MAX_DETAIL_STRING);
  if (Array.isArray(value)) {
    return value
      .slice(0, MAX_DETAIL_ITEMS)
      .map((item) => (item !== null && typeof item === 'object' ? undefined : scrubValue(item, depth)))
      .filter((item) => item !== undefined);
  }
  if (typeof value === 'object' && depth < 1) return scrubDetails(value as Record<string, unknown>, depth + 1);
  return undefined;
}

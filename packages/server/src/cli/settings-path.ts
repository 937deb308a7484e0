import type { TenantSettings } from '../store/index.js';

/** `limits.messagesPerMinute` → `['limits', 'messagesPerMinute']`; an empty segment is refused. */
export function segmentsOf(path: string): string[] {
  const segments = path.split('.');
  if (segments.some((segment) => segment.length === 0))
    throw new Error(`${path} is not a settings path: give e.g. limits.messagesPerMinute`);
  return segments;
}

/** The value at `segments` of `value`, or `undefined` when there is none. */
export function valueAt(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * The `PATCH /v1/settings` body that sets `segments` to `value` and leaves the rest as it is.
 * Patches merge one level deep (`identity` is replaced whole), so what lies deeper is copied
 * from `current` (the stored settings, not the redacted view) with the one value changed.
 */
export function patchSetting(current: TenantSettings, segments: readonly string[], value: unknown): Record<string, unknown> {
  const [top, ...rest] = segments;
  if (rest.length === 0) return { [top]: value };
  if (top === 'oauth') {
    // Stored sealed: a copy of the stored providers would be sealed again as if it were new secrets.
    throw new Error('oauth holds client secrets: set it whole, e.g. tessera settings set oauth \'{"providers":[...]}\'');
  }
  if (top === 'identity') return { identity: withValue(current.identity, rest, value) };
  const [second, ...deeper] = rest;
  return { [top]: { [second]: deeper.length === 0 ? value : withValue(valueAt(current, [top, second]), deeper, value) } };
}

/** A copy of `base` (an object, or a new one) with `value` at `segments`. */
function withValue(base: unknown, segments: readonly string[], value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> =
    base && typeof base === 'object' && !Array.isArray(base) ? (structuredClone(base) as Record<string, unknown>) : {};
  const [first, ...rest] = segments;
  copy[first] = rest.length === 0 ? value : withValue(copy[first], rest, value);
  return copy;
}

/** A command-line value as JSON (`40`, `true`, `null`, `["a"]`, `"x"`); a bare word is a string. */
export function parseSettingValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (/^\s*[[{"]/.test(text)) throw new Error(`${text.slice(0, 100)} is not valid JSON: ${(error as Error).message}`);
    return text;
  }
}

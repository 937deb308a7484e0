import { BlockList, isIP } from 'node:net';
import { TesseraError } from '../errors.js';

/** Most entries one key may list. */
export const MAX_ALLOWLIST_ENTRIES = 100;
const MAX_CACHED_LISTS = 1024;

/**
 * Checks and normalises a key's IP allowlist when it is written: each entry is an
 * address (`203.0.113.7`, `2001:db8::1`) or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`).
 */
export function parseAllowlist(entries: readonly string[]): string[] {
  if (entries.length === 0)
    throw new TesseraError('BAD_REQUEST', 'allowedIps must list at least one address or CIDR block (omit it to allow any)');
  if (entries.length > MAX_ALLOWLIST_ENTRIES)
    throw new TesseraError('BAD_REQUEST', `allowedIps may list at most ${MAX_ALLOWLIST_ENTRIES} entries`);
  return entries.map((entry) => {
    const trimmed = entry.trim();
    const [address, prefix, extra] = trimmed.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const validPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || extra !== undefined || !validPrefix) {
      throw new TesseraError('BAD_REQUEST', `allowedIps: "${entry.slice(0, 64)}" is not an IP address or CIDR block`);
    }
    return prefix === undefined ? address : `${address}/${Number(prefix)}`;
  });
}

const compiled = new Map<string, BlockList>();

/** Whether `address` (as computed from the socket and trusted proxies) is in `entries`. */
export function ipAllowed(entries: readonly string[], address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return blockListOf(entries).check(address, family === 6 ? 'ipv6' : 'ipv4');
}

function blockListOf(entries: readonly string[]): BlockList {
  const cacheKey = entries.join(',');
  let list = compiled.get(cacheKey);
  if (!list) {
    list = new BlockList();
    for (const entry of entries) {
      const [address, prefix] = entry.split('/');
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      try {
        if (prefix === undefined) list.addAddress(address, type);
        else list.addSubnet(address, Number(prefix), type);
      } catch {
        // Entries are validated when written; a bad stored one matches nothing.
      }
    }
    if (compiled.size >= MAX_CACHED_LISTS) compiled.delete(compiled.keys().next().value as string);
    compiled.set(cacheKey, list);
  }
  return list;
}

import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * The caller's address: the socket's, unless the socket is one of the proxies named
 * in `trustProxy`; then the right-most X-Forwarded-For entry not added by a trusted proxy.
 * A spoofed header from anyone else changes nothing.
 */
export function clientAddress(request: IncomingMessage, trustProxy: readonly string[]): string {
  const peer = normalize(request.socket.remoteAddress ?? '');
  if (trustProxy.length === 0) return peer;
  const trusted = blockListOf(trustProxy);
  if (!isTrusted(trusted, peer)) return peer;
  const header = request.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => normalize(hop.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isTrusted(trusted, hops[i])) return hops[i];
  }
  return hops[0] ?? peer;
}

const cache = new Map<string, BlockList>();

function blockListOf(entries: readonly string[]): BlockList {
  const cacheKey = entries.join(',');
  let list = cache.get(cacheKey);
  if (!list) {
    list = new BlockList();
    for (const entry of entries) addToBlockList(list, entry);
    cache.set(cacheKey, list);
  }
  return list;
}

/** Adds `10.0.0.0/8`, `::1/128` or a bare address to a BlockList. */
export function addToBlockList(list: BlockList, entry: string): void {
  const [address, prefix] = entry.split('/');
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (prefix === undefined) list.addAddress(address, family);
  else list.addSubnet(address, Number(prefix), family);
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
export function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

import type { IncomingHttpHeaders } from 'node:http';

/**
 * The client's address behind `hops` trusted reverse proxies, the way Express computes `req.ip` with
 * `trust proxy` = hops: the peer address, then X-Forwarded-For from right to left; the first address that
 * is not a trusted proxy's. With 0 hops the header is ignored (anyone can write it).
 */
export function clientAddress(peer: string | undefined, headers: IncomingHttpHeaders, hops: number): string {
  const chain = [peer ?? 'unknown'];
  const xff = headers['x-forwarded-for'];
  const raw = Array.isArray(xff) ? xff.join(',') : (xff ?? '');
  const forwarded = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .reverse();
  chain.push(...forwarded);
  return normaliseAddress(chain[Math.min(hops, chain.length - 1)] ?? 'unknown');
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, so that one client is one key whatever the socket family. */
export function normaliseAddress(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

export function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = normaliseAddress(addr);
  return a === '::1' || a.startsWith('127.');
}

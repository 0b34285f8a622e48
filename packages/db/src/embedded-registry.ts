// URLs of embedded (PGlite) servers started in this process. PGlite executes one protocol message at a
// time on a single backend, so clients of these URLs must use one connection (see README).
const embedded = new Set<string>();

function key(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port}`;
  } catch {
    return url;
  }
}

export function registerEmbeddedUrl(url: string): void {
  embedded.add(key(url));
}

export function unregisterEmbeddedUrl(url: string): void {
  embedded.delete(key(url));
}

export function isEmbeddedUrl(url: string): boolean {
  return embedded.has(key(url));
}

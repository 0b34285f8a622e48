import WebSocket from 'ws';

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function get<T = unknown>(base: string, path: string): Promise<Reply<T>> {
  const res = await fetch(base + path);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}

export async function post<T = unknown>(base: string, path: string, body: unknown): Promise<Reply<T>> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as T, text };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A WS client that records every message (parsed) and ping. */
export class Recorder {
  readonly ws: WebSocket;
  readonly messages: unknown[] = [];
  pings = 0;
  closed: { code: number; reason: string } | null = null;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (d) => this.messages.push(JSON.parse(String(d))));
    this.ws.on('ping', () => this.pings++);
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  async waitFor<T>(pred: (m: unknown) => m is T, timeoutMs = 5000): Promise<T> {
    const start = Date.now();
    for (;;) {
      const found = this.messages.find(pred);
      if (found !== undefined) return found;
      if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for a WS message');
      await sleep(20);
    }
  }

  async waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
    const start = Date.now();
    while (!cond()) {
      if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for a condition');
      await sleep(20);
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

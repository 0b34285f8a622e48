import { createServer } from 'node:net';
import { SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@volspike/backend';
import type { Sim } from '@volspike/binance-sim';
import type { UniverseMessage } from '@volspike/runtime';

/** A TCP port that was free a moment ago (the stack's apps need fixed ports to find each other). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** The sim's tradable USDT perpetuals by 24h quote volume, and the enter threshold that makes exactly `n` liquid. */
export function liquidUniverse(sim: Sim, n: number): { ranked: string[]; liquid: string[]; enter: number } {
  const perps = sim.market
    .symbols()
    .filter((s) => s.contractType === 'PERPETUAL' && s.status === 'TRADING' && s.quoteAsset === 'USDT')
    .map((s) => ({ symbol: s.symbol, qv: sim.market.quoteVolume24h(s.symbol) }))
    .sort((a, b) => b.qv - a.qv);
  return {
    ranked: perps.map((p) => p.symbol),
    liquid: perps.slice(0, n).map((p) => p.symbol),
    enter: (perps[n - 1]!.qv + perps[n]!.qv) / 2,
  };
}

/**
 * The environment of a whole stack under test, pointed at `sim`, with exactly the liquid universe of `enter`
 * (exit at half) and fast 1 s polling; `extra` adds or overrides variables.
 */
export function stackTestSource(opts: {
  sim: Sim;
  dataDir: string;
  databaseUrl: string;
  ports: { api: number; proxy: number; funding: number };
  key: string;
  jwtSecret: string;
  enter: number;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    DATA_DIR: opts.dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: opts.databaseUrl,
    PORT: String(opts.ports.api),
    BINANCE_PROXY_PORT: String(opts.ports.proxy),
    FUNDING_API_PORT: String(opts.ports.funding),
    BINANCE_REST_URL: opts.sim.url,
    BINANCE_WS_URL: opts.sim.wsUrl,
    ALERT_INGEST_API_KEY: opts.key,
    JWT_SECRET: opts.jwtSecret,
    OI_LIQUID_ENTER_QUOTE_24H: String(opts.enter),
    OI_LIQUID_EXIT_QUOTE_24H: String(opts.enter / 2),
    OI_UNIVERSE_REFRESH_SEC: '5',
    OI_POLL_MIN_INTERVAL_MS: '1000',
    OI_POLL_MAX_INTERVAL_MS: '1000',
    OI_PUBLISH_INTERVAL_MS: '500',
    OI_UPDATE_TICK_MS: '200',
    OI_ALERT_TIMEFRAMES: '3s:2%:300s:tol=1s:min=1:label=3s',
    FEATURE_TELEGRAM_POLLER: 'false',
    ...opts.extra,
  };
}

/** A universe message naming `symbols` (with the sim's 24h volumes), as the universe job would publish it. */
export function universeOf(sim: Sim, symbols: string[]): UniverseMessage {
  const now = new Date().toISOString();
  return {
    updatedAt: now,
    enterThreshold: 4e6,
    exitThreshold: 2e6,
    symbols: symbols.map((symbol) => ({
      symbol,
      quoteVolume24h: sim.market.quoteVolume24h(symbol),
      enteredAt: now,
      lastSeenAt: now,
    })),
  };
}

/** A token as the backend signs it (`npm run users -- token`): HS256, our issuer and audience, one hour. */
export function signUserToken(userId: string, jwtSecret: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(jwtSecret));
}

/**
 * Whether a suite that needs something of the machine (a Redis or Postgres binary, Caddy) skips: locally it
 * skips with the reason printed once; with CI=true it does not skip — it throws, so the file fails with that
 * reason, and a green CI run has really run every suite.
 */
export function skipWhenMissing(what: string, missing: string | null): boolean {
  if (missing === null) return false;
  if (process.env.CI === 'true') throw new Error(`${what} cannot run in CI: ${missing}`);
  console.warn(`${what} skipped: ${missing}`);
  return true;
}

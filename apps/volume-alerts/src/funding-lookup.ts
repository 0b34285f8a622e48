import type { Logger } from '@volspike/runtime';

/**
 * `GET <FUNDING_API_URL>/<SYMBOL>` with a 1 s timeout and NO retries (defect §6.2: retrying the API's 503
 * "stale" cost ~6 s per symbol). Any failure, a non-200, or a missing/null rate → null; the volume payload
 * turns that into the legacy 0.0 (FR-VA-1, the one legacy exception kept).
 */
export class FundingLookup {
  private failing = false;

  constructor(
    private readonly opts: {
      /** e.g. http://localhost:8888/funding; null = WS_FUNDING_ENABLED=false (no lookup, rate unknown) */
      baseUrl: string | null;
      logger: Logger;
      timeoutMs?: number;
      fetchImpl?: typeof fetch;
    },
  ) {}

  async fundingRate(symbol: string): Promise<number | null> {
    if (!this.opts.baseUrl) return null;
    const url = `${this.opts.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(symbol)}`;
    try {
      const res = await (this.opts.fetchImpl ?? fetch)(url, {
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 1000),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`funding API answered ${res.status}`);
      const body = JSON.parse(text) as { fundingRate?: unknown };
      const rate = body.fundingRate;
      if (this.failing) {
        this.failing = false;
        this.opts.logger.info('funding API answering again');
      }
      return typeof rate === 'number' && Number.isFinite(rate) ? rate : null;
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        this.opts.logger.warn(
          { err, symbol },
          'funding API lookup failed; volume alerts carry fundingRate 0.0 (legacy) until it answers',
        );
      }
      return null;
    }
  }
}

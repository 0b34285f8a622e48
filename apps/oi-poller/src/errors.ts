/** Typed errors of the OI poller. */
export class OiPollerError extends Error {
  readonly code: 'OI_SHARD_INVALID' | 'OI_POLLER_STOPPED' | 'OI_STALENESS_IMPOSSIBLE';
  constructor(code: OiPollerError['code'], message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'OiPollerError';
    this.code = code;
  }
}

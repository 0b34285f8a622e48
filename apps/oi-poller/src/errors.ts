import { VolspikeError } from '@volspike/errors';
/** Typed errors of the OI poller. */
export class OiPollerError extends VolspikeError<'OI_SHARD_INVALID' | 'OI_STALENESS_IMPOSSIBLE'> {
  constructor(code: OiPollerError['code'], message: string, cause?: unknown) {
    super(code, message, { cause });
  }
}

import { VolspikeError } from '@volspike/errors';
/** Typed error for invalid configuration or input passed to an oi-core rule. `code` is stable. */
export type OiCoreErrorCode =
  | 'POLL_BUDGET_INVALID'
  | 'POLL_INTERVALS_INVALID'
  | 'UNIVERSE_THRESHOLDS_INVALID'
  | 'OI_TIMEFRAMES_INVALID'
  | 'RING_BUFFER_INVALID';

export class OiCoreError extends VolspikeError<OiCoreErrorCode> {}

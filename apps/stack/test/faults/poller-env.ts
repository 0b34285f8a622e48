// The oi-poller settings of the fault scenarios that follow samples and one alert through the stack.
// 3 s lookback, 2 % threshold, a cooldown longer than any test: an 8 % ramp over 4 s fires exactly once.
// The scenarios state their bounds (burst after a restart, sample gaps) in fixed poll intervals, so they run
// the fixed scheduler; the activity scheduler's own bounds are tested in apps/oi-poller/test.
export function faultPollerEnv(intervalMs = 1000, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OI_ALERT_TIMEFRAMES: '3s:2%:600s:tol=1s:min=100:label=3s',
    OI_POLL_MIN_INTERVAL_MS: String(intervalMs),
    OI_POLL_MAX_INTERVAL_MS: String(intervalMs),
    OI_PUBLISH_INTERVAL_MS: '500',
    OI_OUTBOX_MAX_DELAY_MS: '1000',
    OI_HEARTBEAT_INTERVAL_MS: '1000',
    OI_WARM_START: 'false',
    OI_SCHEDULER: 'fixed',
    ...extra,
  };
}

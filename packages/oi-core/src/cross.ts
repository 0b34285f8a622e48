export type CrossAlertType = 'PRICE_CROSS' | 'FUNDING_CROSS' | 'OI_CROSS';

export interface CrossResult {
  crossed: boolean;
  /** set when crossed: true = upward (prev < thr ≤ cur), false = downward (prev > thr ≥ cur) */
  crossedUp?: boolean;
}

/**
 * User cross rule (docs/legacy-contracts.md §4.6): up ⇔ prev < threshold ≤ current; down ⇔ prev > threshold ≥ current.
 * prev null (first observation) only sets the baseline; prev exactly equal to the threshold never counts.
 * Non-finite values never cross.
 */
export function detectCross(p: {
  previous: number | null | undefined;
  current: number;
  threshold: number;
}): CrossResult {
  const { previous, current, threshold } = p;
  if (previous === null || previous === undefined) return { crossed: false };
  if (!Number.isFinite(previous) || !Number.isFinite(current) || !Number.isFinite(threshold)) return { crossed: false };
  if (previous < threshold && threshold <= current) return { crossed: true, crossedUp: true };
  if (previous > threshold && threshold >= current) return { crossed: true, crossedUp: false };
  return { crossed: false };
}

export type CrossThresholdCheck = { ok: true } | { ok: false; code: 'CROSS_THRESHOLD_INVALID'; message: string };

/**
 * Threshold validation for user cross alerts: PRICE_CROSS and OI_CROSS need a finite number > 0;
 * FUNDING_CROSS accepts any finite non-zero number (negative funding is real; legacy defect §6.30).
 * Also accepts the short names PRICE / OI / FUNDING.
 */
export function validateCrossThreshold(
  alertType: CrossAlertType | 'PRICE' | 'FUNDING' | 'OI' | string,
  threshold: number,
): CrossThresholdCheck {
  const type = alertType.toUpperCase().replace(/_CROSS$/, '');
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    return { ok: false, code: 'CROSS_THRESHOLD_INVALID', message: 'threshold must be a finite number' };
  }
  if (type === 'FUNDING') {
    return threshold !== 0
      ? { ok: true }
      : { ok: false, code: 'CROSS_THRESHOLD_INVALID', message: 'funding threshold must be non-zero' };
  }
  if (type === 'PRICE' || type === 'OI') {
    return threshold > 0
      ? { ok: true }
      : {
          ok: false,
          code: 'CROSS_THRESHOLD_INVALID',
          message: `${type === 'OI' ? 'open interest' : 'price'} threshold must be greater than 0`,
        };
  }
  return { ok: false, code: 'CROSS_THRESHOLD_INVALID', message: `unknown alert type ${alertType}` };
}

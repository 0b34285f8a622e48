export { USAGE, UsageError, parseCompareArgs, runCompare, type CompareArgs } from './compare-command.js';
export { compareSides, type CompareResult, type Finding } from './compare.js';
export { EnvSchema, loadAppEnv, type Env } from './env.js';
export { formatReport } from './report.js';
export { readLegacy } from './legacy-source.js';
export { readShadow } from './shadow-source.js';
export * from './tolerances.js';
export type { SideData, SnapshotItem, UniverseMember, VolumeAlertItem } from './model.js';

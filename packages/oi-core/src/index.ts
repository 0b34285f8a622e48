export * from './errors.js';
export * from './time.js';
export * from './poll-interval.js';
export * from './universe.js';
export * from './py-format.js';
export * from './volume.js';
export * from './schedule.js';

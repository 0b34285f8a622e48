export * from './errors.js';
export * from './poll-interval.js';
export * from './universe.js';

export * from './clock.js';
export * from './clock-quiescence.js';
export * from './virtual-clock.js';
export * from './duration.js';
export * from './errors.js';
export * from './rng.js';
export * from './trace.js';

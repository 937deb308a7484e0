export * from './errors.js';
export * from './close-codes.js';
export * from './close-reasons.js';
export * from './models.js';
export * from './frames.js';

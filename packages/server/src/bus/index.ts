export type { Bus, BusEvent } from './bus.js';
export { MemoryBus } from './memory-bus.js';

import type { Bus, BusEvent } from './bus.js';

/** The single-node bus: delivery is synchronous and in-process, and never misses an event. */
export class MemoryBus implements Bus {
  private readonly handlers = new Set<(event: BusEvent) => void>();
  readonly reliable = true;

  async publish(event: BusEvent): Promise<void> {
    for (const handler of this.handlers) handler(event);
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onReliabilityChange(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}

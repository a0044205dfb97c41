/** Keeps the last `capacity` items; older ones fall off. Used for a component's recent log lines. */
export class RingBuffer<T> {
  readonly #items: T[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`ring buffer capacity must be a positive integer, got ${capacity}`);
  }

  push(item: T): void {
    this.#items.push(item);
    if (this.#items.length > this.capacity) this.#items.shift();
  }

  toArray(): T[] {
    return [...this.#items];
  }
}

/**
 * A seeded pseudo-random source in plain JavaScript (mulberry32), so the data splits and
 * the synthetic dataset are the same bytes in Node and in every browser, on every TF.js
 * backend: nothing here touches TF.js's own random ops.
 */
export class SeededRandom {
  private state: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`seed = ${seed} is invalid: expected an integer`);
    this.state = seed >>> 0;
  }

  /** The whole state, to continue the same sequence elsewhere (see {@link restore}). */
  save(): { state: number; spareNormal: number | null } {
    return { state: this.state, spareNormal: this.spareNormal };
  }

  restore(saved: { state: number; spareNormal: number | null }): void {
    this.state = saved.state >>> 0;
    this.spareNormal = saved.spareNormal;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

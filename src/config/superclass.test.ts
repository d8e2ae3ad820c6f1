import { describe, expect, it } from 'vitest';
import { superclassAccuracy } from './superclass';

describe('superclassAccuracy', () => {
  // 4 classes in two families {0, 1} and {2, 3}.
  const families = [0, 0, 1, 1];
  it('counts a confusion inside a family as right and one across families as wrong', () => {
    // 10 samples: 5 right, 3 confused within the family (0→1, 2→3, 3→2), 2 across (1→2, 3→0).
    const confusion = [2, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1];
    expect(superclassAccuracy(confusion, families)).toBeCloseTo(8 / 10, 12);
  });
  it('is the class accuracy when every class is its own family, null without samples', () => {
    const confusion = [3, 1, 0, 0, 0, 2, 0, 0, 0, 0, 1, 1, 0, 0, 0, 2];
    expect(superclassAccuracy(confusion, [0, 1, 2, 3])).toBeCloseTo(8 / 10, 12);
    expect(superclassAccuracy(new Array(16).fill(0), families)).toBeNull();
    expect(superclassAccuracy(new Int32Array(0), families)).toBeNull(); // a matrix the page let go
  });
  it('refuses a matrix of another size', () => {
    expect(() => superclassAccuracy([1, 2, 3], families)).toThrow(/9 cells|3 cells/);
  });
});

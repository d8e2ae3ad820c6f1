import { describe, expect, it } from 'vitest';
import { columnOrderCheck } from './column-order';

/** Logits of a teacher that puts sample i's top logit in column `column(label)`, 30 samples a class. */
function teacher(classes: number, column: (label: number) => number, wrongEvery = 0) {
  const labels: number[] = [];
  const logits: number[] = [];
  for (let i = 0; i < classes * 30; i++) {
    const label = i % classes;
    labels.push(label);
    // A teacher right most of the time: every `wrongEvery`-th sample's top logit is a neighbour's.
    const top = wrongEvery && i % wrongEvery === 0 ? (column(label) + 1) % classes : column(label);
    for (let c = 0; c < classes; c++) logits.push(c === top ? 5 : (c * 7) % 3);
  }
  return [Float32Array.from(logits), Int32Array.from(labels)] as const;
}
const digits = Array.from({ length: 10 }, (_, i) => 'abcdefghij'[i]);

describe("the order of a teacher's logits columns", () => {
  it('says nothing of logits in the classes’ order, even from a teacher that is often wrong', () => {
    expect(columnOrderCheck(...teacher(10, (c) => c), digits)).toBeNull();
    expect(columnOrderCheck(...teacher(10, (c) => c, 3), digits)).toBeNull();
  });

  it('names two swapped columns (the 8 × 8 digits with "i" and "j" written the other way round)', () => {
    const swapped = (c: number) => (c === 8 ? 9 : c === 9 ? 8 : c);
    expect(columnOrderCheck(...teacher(10, swapped, 7), digits)).toBe(
      'the logits\' columns look out of order: columns 8 ("i") and 9 ("j") look swapped. The columns must follow the classes in the page\'s order ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")',
    );
  });

  it('names columns shifted by one, either way', () => {
    expect(columnOrderCheck(...teacher(10, (c) => (c + 1) % 10), digits)).toBe(
      "the logits' columns look shifted by 1: most samples of every class have their top logit 1 column away",
    );
    expect(columnOrderCheck(...teacher(10, (c) => (c + 9) % 10), digits)).toMatch(/shifted by -1/);
  });

  it('names a column that holds another class, and a class without samples is left alone', () => {
    const moved = (c: number) => (c === 2 ? 5 : c);
    expect(columnOrderCheck(...teacher(6, moved), ['a', 'b', 'c', 'd', 'e', 'f'])).toMatch(
      /most samples of class 2 \("c"\) have their top logit in column 5 \("f"\)/,
    );
    expect(columnOrderCheck(new Float32Array(0), new Int32Array(0), ['a', 'b'])).toBeNull();
  });
});

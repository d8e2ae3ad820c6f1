/**
 * Superclass accuracy from a confusion matrix (`C × C`, row = label, column = prediction):
 * the share of test samples whose predicted class is in the label's superclass (family), so
 * a confusion between two classes of one family still counts. Null without samples, or for an
 * evaluation whose matrix the page has let go (an empty one: it keeps the two latest).
 */
export function superclassAccuracy(confusion: ArrayLike<number>, superclassOf: readonly number[]): number | null {
  const classes = superclassOf.length;
  if (confusion.length === 0) return null;
  if (confusion.length !== classes * classes) throw new Error(`confusion has ${confusion.length} cells, expected ${classes}² = ${classes * classes}`);
  let same = 0;
  let total = 0;
  for (let t = 0; t < classes; t++)
    for (let p = 0; p < classes; p++) {
      const n = confusion[t * classes + p];
      total += n;
      if (superclassOf[t] === superclassOf[p]) same += n;
    }
  return total ? same / total : null;
}

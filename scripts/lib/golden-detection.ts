// The detection golden file (docs/spec.md, "Detection"): two batches of scenes' sampled cells
// (the grid's targets and the seeded sampling of src/detect), random student and teacher
// logits over K + 1 classes and student box values, and in float64 (golden-float64.ts's dual
// numbers for the classification side, a plain derivative for the box side) every method's
// loss and gradient on those cells, with DKD at its detection settings.
import { SeededRandom } from '../../src/data/random';
import { sampleCells } from '../../src/detect/cells';
import { CELLS, cellTargets, GRID, STRIDE } from '../../src/detect/grid';
import type { SceneBox } from '../../src/detect/scenes';
import { goldenCase, type DkdGoldenOptions } from './golden-float64';
import { PCD_OPTION_SETS } from './golden-cases';

const CLASSES = 10;
const BACKGROUND = CLASSES;
export const DETECTION_DKD: DkdGoldenOptions = { alpha: 1, beta: 0.25, tau: 1 };
/** Smooth-L1's β (torchvision's Faster R-CNN box head). */
const BETA = 1 / 9;

function randomScene(random: SeededRandom): SceneBox[] {
  return Array.from({ length: 1 + random.int(4) }, () => {
    const height = 14 + random.int(15);
    const width = 8 + random.int(20);
    return { label: random.int(CLASSES), x: random.int(64 - width + 1), y: random.int(64 - height + 1), width, height };
  });
}

function detectionCase(seed: number, scenes: number) {
  const random = new SeededRandom(seed * 7919);
  const targets = Array.from({ length: scenes }, () => cellTargets(randomScene(random), CLASSES));
  const sampled = sampleCells(
    targets.map((t) => t.classes),
    BACKGROUND,
    random,
  );
  const rows = Array.from(sampled.rows);
  const labels = rows.map((r) => targets[Math.floor(r / CELLS)].classes[r % CELLS]);
  const row = (std: number) => Array.from({ length: CLASSES + 1 }, () => std * random.normal());
  const studentLogits = rows.map(() => row(1));
  // A teacher that mostly knows each cell's class.
  const teacherLogits = labels.map((label) => row(2).map((v, c) => (c === label ? v + 4 : v)));
  const positives = rows.filter((_, i) => sampled.positive[i] === 1);
  const boxTargets = positives.map((r) => Array.from(targets[Math.floor(r / CELLS)].boxes.subarray((r % CELLS) * 4, (r % CELLS) * 4 + 4)));
  // Some values within β of their target (the quadratic part), most beyond (the linear part).
  const studentBoxes = boxTargets.map((t) => t.map((v) => v + 0.3 * random.normal()));
  const n = rows.length;
  let boxLoss = 0;
  const boxGrad = studentBoxes.map((b, p) =>
    b.map((v, j) => {
      const diff = v - boxTargets[p][j];
      const a = Math.abs(diff);
      boxLoss += (a < BETA ? (0.5 * a * a) / BETA : a - 0.5 * BETA) / n;
      return (a < BETA ? diff / BETA : Math.sign(diff)) / n;
    }),
  );
  const classification = goldenCase({ studentLogits, teacherLogits, labels }, PCD_OPTION_SETS.slice(0, 2), DETECTION_DKD);
  return {
    seed,
    scenes,
    grid: `${GRID}×${GRID} cells of ${STRIDE} px`,
    classes: CLASSES,
    sampledRows: rows,
    positive: Array.from(sampled.positive),
    studentBoxes,
    boxTargets,
    box: { beta: BETA, loss: boxLoss, grad: boxGrad },
    ...classification,
  };
}

export function detectionGoldenText(): string {
  const file = {
    about:
      'Golden values of the detection losses (docs/spec.md, "Detection"): the sampled cells of seeded scenes, their K + 1 logits (background last) and the positive cells\' box values; CE, KD, DKD (α = 1, β = 0.25, τ = 1) and PCD on the cells, smooth-L1 (β = 1/9, summed, over the sampled cells) on the boxes, and their gradients, in float64 by npm run golden:make (scripts/lib/golden-detection.ts).',
    cases: [detectionCase(1, 3), detectionCase(2, 4)],
  };
  return `${JSON.stringify(file)}\n`;
}

// The cases of the project's golden file: their inputs (seeded, so the file is the same bytes
// on every run) and the PCD option sets each is computed for (docs/spec.md, "The golden file").
import { SeededRandom } from '../../src/data/random';
import { goldenCase, type GoldenInputs, type PcdGoldenOptions } from './golden-float64';

/** Every PCD option a case is computed for: the paper's, each switch, another S and τ, one pass, standardisation. */
export const PCD_OPTION_SETS: PcdGoldenOptions[] = [
  { stages: 3, tau: 4, adaptive: true, standardize_logits: false, ranking: true },
  { stages: 3, tau: 4, adaptive: false, standardize_logits: false, ranking: true },
  { stages: 4, tau: 2, adaptive: true, standardize_logits: true, ranking: true },
  { stages: 2, tau: 4, adaptive: true, standardize_logits: false, ranking: false },
  { stages: 5, tau: 1, adaptive: true, standardize_logits: false, ranking: true, fine_to_coarse: true, coarse_to_fine: false },
  { stages: 3, tau: 8, adaptive: true, standardize_logits: false, ranking: true, fine_to_coarse: false, coarse_to_fine: true },
];

/** Student logits ~ N(0, 1), teacher's ~ N(0, 4²); labels the teacher's favourite, except the last sample's (a teacher that is wrong). */
function randomInputs(seed: number, batch: number, classes: number): GoldenInputs {
  const random = new SeededRandom(seed * 1000 + batch * 10 + classes);
  const row = (std: number) => Array.from({ length: classes }, () => std * random.normal());
  const studentLogits = Array.from({ length: batch }, () => row(1));
  const teacherLogits = Array.from({ length: batch }, () => row(4));
  const labels = teacherLogits.map((t, b) => {
    const favourite = t.indexOf(Math.max(...t));
    return b === batch - 1 ? (favourite + 1) % classes : favourite;
  });
  return { studentLogits, teacherLogits, labels };
}

/** Small integer logits: many gaps tie exactly, so the rule "ties go to the lower class index" is checked. */
function tiedInputs(seed: number): GoldenInputs {
  const random = new SeededRandom(seed);
  const row = (spread: number) => Array.from({ length: 7 }, () => random.int(2 * spread + 1) - spread);
  return { studentLogits: [row(2), row(2), row(2)], teacherLogits: [row(4), row(4), row(4)], labels: [0, 3, 6] };
}

export const SHAPES: [batch: number, classes: number][] = [
  [4, 10],
  [8, 10],
  [6, 100],
  [3, 7],
];

export function goldenFile() {
  const cases = [];
  for (const seed of [1, 2]) {
    for (const [batch, classes] of SHAPES) cases.push({ seed, batch, classes, ...goldenCase(randomInputs(seed, batch, classes), PCD_OPTION_SETS) });
  }
  // Not standardised: an exact tie of standardised gaps in float64 (|a| = |−a|) is a near-tie that float32 rounding may break either way.
  cases.push({
    seed: 3,
    batch: 3,
    classes: 7,
    ...goldenCase(
      tiedInputs(3),
      PCD_OPTION_SETS.filter((o) => !o.standardize_logits),
    ),
  });
  return {
    about:
      'Golden values for CE, KD, DKD and PCD losses and their gradients with respect to the student logits, computed in float64 from docs/spec.md by npm run golden:make (scripts/lib/golden-float64.ts). Compare float32 results with a relative tolerance of about 1e-4.',
    cases,
  };
}

export const goldenFileText = () => `${JSON.stringify(goldenFile())}\n`;

// "Reproduce this run" for a detection race (the digit scenes): the scenes, their cell
// targets, the teacher's cell logits, and each seed's draws (batches and sampled cells,
// replayed by src/detect/plan.ts as the race drew them), so reproduce.py trains the same
// grid detectors in PyTorch on the same cells and compares its students with the page's.
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import type { Method } from '../distill/methods';
import { CELLS, cellTargets } from '../detect/grid';
import { DETECTION_CLASSES, detectorSpec } from '../detect/detector';
import { DetectionPlan } from '../detect/plan';
import type { SceneDataset, SceneSplit } from '../detect/scenes-file';
import { cellLogitsOf, sceneBatch } from '../detect/training';
import { seedsOf, plannedSteps, type TrainerConfig } from '../train/config';
import type { RunSpec } from '../train/reports';
import {
  initialWeightFiles,
  REPRODUCTION_FORMAT,
  trainedWeightFiles,
  type MeasuredEvaluation,
  type ReproductionSource,
  type StudentLayer,
} from './bundle';
import { npyBytes } from './npy';

/** `run.json` of a detection race (`task: "detection"`): what reproduce.py's detection branch reads. */
export interface DetectionManifest {
  format: typeof REPRODUCTION_FORMAT;
  task: 'detection';
  createdBy: string;
  backend: string;
  config: TrainerConfig;
  compare: Method[];
  runs: RunSpec[];
  dataset: {
    id: 'scenes';
    /** A cell's classes: the ten digits, then background (index 10). */
    classNames: string[];
    imageShape: [64, 64, 1];
    grid: { cells: number; stride: number; background: number };
    how: string;
    train: SceneFiles & { teacherCells: string };
    test: SceneFiles;
  };
  student: { id: string; layers: StudentLayer[]; weights: { name: string; shape: number[] }[] };
  steps: { perEpoch: number; total: number; batchSize: number };
  /** Per seed: the initial weights; each step's scenes (`[steps, batch]`, −1 past a short batch); its sampled cells, flat, with each step's offsets. */
  seeds: { seed: number; initialWeights: string; batches: string; cells: string; cellOffsets: string }[];
  evaluations: MeasuredEvaluation[];
  trained: { seed: number; run: string; weights: string }[];
}

interface SceneFiles {
  count: number;
  /** `[N, 64, 64]` grey levels 0…255 (the model reads them / 255). */
  images: string;
  /** `[N, 64]` each cell's class, background = 10. */
  cellClasses: string;
  /** `[N, 64, 4]` each cell's box target (tx, ty, tw, th; 0 for background). */
  cellBoxes: string;
}

/** What a detection race's bundle is made from: a classification bundle's source with the scenes for data, and no live changes. */
export type DetectionReproductionSource = Omit<ReproductionSource, 'dataset' | 'liveChanges'> & { data: SceneDataset };

/** A split's scenes and cell targets as .npy files named `<what>_<which>.npy`. */
function sceneFiles(split: SceneSplit, which: 'train' | 'test', files: Map<string, Uint8Array>): SceneFiles {
  const grey = Uint8Array.from(split.images, (v) => Math.round(v * 255));
  const classes = new Int32Array(split.count * CELLS);
  const boxes = new Float32Array(split.count * CELLS * 4);
  split.boxes.forEach((scene, s) => {
    const targets = cellTargets(scene, DETECTION_CLASSES);
    classes.set(targets.classes, s * CELLS);
    boxes.set(targets.boxes, s * CELLS * 4);
  });
  const names = { images: `scenes_${which}.npy`, cellClasses: `cell_classes_${which}.npy`, cellBoxes: `cell_boxes_${which}.npy` };
  files.set(names.images, npyBytes([split.count, 64, 64], grey, '|u1'));
  files.set(names.cellClasses, npyBytes([split.count, CELLS], classes, '<i4'));
  files.set(names.cellBoxes, npyBytes([split.count, CELLS, 4], boxes));
  return { count: split.count, ...names };
}

/** Every training scene's teacher cell logits, `[N, 64, K + 1]`, in batches of 100. */
async function teacherCells(teacher: tf.LayersModel, split: SceneSplit): Promise<Float32Array> {
  const width = DETECTION_CLASSES + 1;
  const out = new Float32Array(split.count * CELLS * width);
  for (let start = 0; start < split.count; start += 100) {
    const indices = Array.from({ length: Math.min(100, split.count - start) }, (_, i) => start + i);
    const { images } = sceneBatch(split, indices);
    out.set(cellLogitsOf(teacher, images), start * CELLS * width);
    images.dispose();
    await tf.nextFrame();
  }
  return out;
}

/** The files of a detection race's bundle (name → bytes), as {@link reproductionFiles} makes a classification race's. */
export async function detectionReproductionFiles(source: DetectionReproductionSource): Promise<Map<string, Uint8Array>> {
  const { config, data } = source;
  const files = new Map<string, Uint8Array>();
  const train = sceneFiles(data.train, 'train', files);
  const test = sceneFiles(data.test, 'test', files);
  const width = DETECTION_CLASSES + 1;
  if (source.runs.some((r) => r.method.method !== 'ce') && !source.teacher) throw new Error('teacher: a distilling run needs the detection teacher');
  const cells = source.teacher ? await teacherCells(source.teacher, data.train) : new Float32Array(data.train.count * CELLS * width);
  files.set('teacher_cells_train.npy', npyBytes([data.train.count, CELLS, width], cells));

  const { perEpoch, total } = plannedSteps(config, null);
  const student = initialWeightFiles(config.student, seedsOf(config), detectorSpec(config.student).build, files);
  const seeds: DetectionManifest['seeds'] = [];
  for (const seed of seedsOf(config)) {
    // The race's draws, replayed: the same plan object the race steps through.
    const plan = new DetectionPlan(config, seed, data.train);
    const batches = new Int32Array(total * config.batchSize).fill(-1);
    const rows: number[] = [];
    const offsets = new Int32Array(total + 1);
    for (let step = 0; step < total; step++) {
      const planned = plan.next();
      batches.set(planned.indices, step * config.batchSize);
      rows.push(...planned.cells.rows);
      offsets[step + 1] = rows.length;
    }
    const names = { batches: `batches-seed${seed}.npy`, cells: `cells-seed${seed}.npy`, cellOffsets: `cell-offsets-seed${seed}.npy` };
    files.set(names.batches, npyBytes([total, config.batchSize], batches, '<i4'));
    files.set(names.cells, npyBytes([rows.length], rows, '<i4'));
    files.set(names.cellOffsets, npyBytes([total + 1], offsets, '<i4'));
    seeds.push({ seed, initialWeights: `init-seed${seed}.npy`, ...names });
  }
  const trained = trainedWeightFiles(seedsOf(config), source.students, files);
  const manifest: DetectionManifest = {
    format: REPRODUCTION_FORMAT,
    task: 'detection',
    createdBy: source.createdBy,
    backend: source.backend,
    config,
    compare: source.compare,
    runs: source.runs,
    dataset: {
      id: 'scenes',
      classNames: [...data.classNames.slice(0, DETECTION_CLASSES), 'background'],
      imageShape: [64, 64, 1],
      grid: { cells: CELLS, stride: 8, background: DETECTION_CLASSES },
      how: `the site's digit scenes (npm run data: scripts/lib/scenes-build.ts), ${data.train.count} training and ${data.test.count} test scenes; a cell's targets as src/detect/grid.ts assigns them`,
      train: { ...train, teacherCells: 'teacher_cells_train.npy' },
      test,
    },
    student,
    steps: { perEpoch, total, batchSize: config.batchSize },
    seeds,
    evaluations: source.evaluations,
    trained,
  };
  files.set('run.json', new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`));
  files.set('README.txt', new TextEncoder().encode(detectionReadme(manifest)));
  files.set('reproduce.py', new TextEncoder().encode(source.script));
  return files;
}

function detectionReadme(manifest: DetectionManifest): string {
  const seeds = manifest.seeds.map((s) => s.seed);
  return `A detection race of the PCD playground (the digit scenes), carried out of the browser (${REPRODUCTION_FORMAT}).
${manifest.runs.map((r) => r.id).join(', ')}, grid detector ${manifest.student.id}, seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}, ${manifest.steps.total} steps; made by ${manifest.createdBy} on the ${manifest.backend} backend.

  python3 reproduce.py             trains the same detectors in PyTorch (>= 1.13, numpy) on the same
                                   batches and cells, then compares each with the page's trained one:
                                   the class of every test cell and its logits
  python3 reproduce.py --check     ...and exits 1 if more than 0.5% of the test cells take another class, or
                                   the logits are more than 2% apart (training amplifies rounding: after
                                   300 steps a race of four measured up to 0.4% and 1.4%)

Files
  run.json                          the configuration, every raced run, the grid, the steps, the page's AP
  scenes_*.npy                      the scenes' grey levels (N x 64 x 64, 0..255; the model reads /255)
  cell_classes_*.npy, cell_boxes_*.npy   each cell's class (10 = background) and box target
  teacher_cells_train.npy           the teacher's 11 logits for every cell of every training scene
  init-seed<s>.npy                  the detector's initial weights of seed s (TF.js order)
  batches-seed<s>.npy               each step's scenes (rows of scenes_train.npy; -1 past a short batch)
  cells-seed<s>.npy, cell-offsets-seed<s>.npy   each step's sampled cells: rows of the batch's B x 64 cells
  trained-<run>-seed<s>.npy         each trained detector's weights, as the page left them
  reproduce.py                      the script
`;
}

/** The page's "Reproduce this run" of a detection race: the bundle in one .zip under `folder`. */
export async function detectionReproductionZip(source: DetectionReproductionSource, folder: string): Promise<Uint8Array> {
  const files = await detectionReproductionFiles(source);
  return zipSync(Object.fromEntries([...files].map(([name, bytes]) => [`${folder}/${name}`, bytes])), { level: 6 });
}

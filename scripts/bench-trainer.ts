// npm run bench:trainer: time per training step of a student with each method, on the
// synthetic dataset in Node (CPU backend), with the teacher-logit cache, and the ratios the
// trainer issue asks about (PCD / KD step, cached distillation / CE step). A benchmark:
// it prints figures and asserts nothing. The browser backends come with the worker.
import { generateSynthetic100 } from '../src/data/synthetic';
import { METHOD_DEFAULTS, type Method } from '../src/distill/objective';
import { modelSpec } from '../src/models/zoo';
import { selectBackend } from '../src/tf/backends';
import { defaultTrainerConfig } from '../src/train/config';
import { DistillationTrainer } from '../src/train/trainer';

const steps = Number(process.argv[2] ?? 40);
await selectBackend(['cpu']);
const dataset = generateSynthetic100();
const teacher = modelSpec('synthetic-mlp-teacher').build(1);
const config = { ...defaultTrainerConfig('synthetic100'), batchSize: 128, budget: { unit: 'steps' as const, amount: steps + 5 } };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
const msPerStep: Partial<Record<Method, number>> = {};
for (const method of ['ce', 'kd', 'dkd', 'pcd'] as const) {
  const trainer = new DistillationTrainer(config, [{ id: method, method: METHOD_DEFAULTS[method] }], dataset, teacher);
  for (let i = 0; i < 5; i++) await trainer.trainStep(); // warm-up, teacher cache
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const started = performance.now();
    await trainer.trainStep();
    times.push(performance.now() - started);
  }
  trainer.dispose();
  msPerStep[method] = median(times);
  console.log(`${method.padEnd(4)} ${msPerStep[method]!.toFixed(2).padStart(8)} ms/step  ${(1000 / msPerStep[method]!).toFixed(1).padStart(6)} steps/s  ${((128 * 1000) / msPerStep[method]!).toFixed(0).padStart(7)} samples/s`);
}
console.log(`synthetic100, student ${config.student}, batch 128, CPU backend in Node, median of ${steps} steps`);
console.log(`PCD / KD step: ${(msPerStep.pcd! / msPerStep.kd!).toFixed(2)}×   cached KD / CE step: ${(msPerStep.kd! / msPerStep.ce!).toFixed(2)}×   cached PCD / CE step: ${(msPerStep.pcd! / msPerStep.ce!).toFixed(2)}×`);
teacher.dispose();

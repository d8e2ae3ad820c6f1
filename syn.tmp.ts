import { selectBackend } from './src/tf/backends';
import { generateSynthetic100 } from './src/data/synthetic';
import { modelSpec } from './src/models/zoo';
import { trainSupervised } from './src/train/supervised';
await selectBackend(['cpu']);
const ds = generateSynthetic100();
const epochs = Number(process.argv[3] ?? 10);
for (const id of process.argv[2].split(',')) {
  const model = modelSpec(id).build(1);
  const r = await trainSupervised(model, ds, { epochs, batchSize: 128, learningRate: 2e-3, shiftAugmentation: 0, seed: 1 }, (e) => console.log(id, e.epoch, e.trainLoss.toFixed(3), (e.testAccuracy*100).toFixed(1), e.seconds.toFixed(1)+'s'));
}

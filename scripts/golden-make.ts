// npm run golden:make: writes src/distill/fixtures/distill-golden.json (the golden values of
// docs/spec.md computed in float64 by scripts/lib/golden-float64.ts: plain loops, exact
// gradients, independent of TF.js and the kernels) and src/detect/fixtures/detection-golden.json
// (the detection losses on sampled cells, scripts/lib/golden-detection.ts). Deterministic: the
// same bytes every run (`npm run golden:make -- --check` says whether the committed files are
// what it writes).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { goldenFileText } from './lib/golden-cases';
import { detectionGoldenText } from './lib/golden-detection';

const files: [string, string][] = [
  [fileURLToPath(new URL('../src/distill/fixtures/distill-golden.json', import.meta.url)), goldenFileText()],
  [fileURLToPath(new URL('../src/detect/fixtures/detection-golden.json', import.meta.url)), detectionGoldenText()],
];
let stale = false;
for (const [target, text] of files) {
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(target, 'utf8');
    } catch {
      // missing: stale
    }
    if (committed !== text) {
      console.error(`${target} differs from what npm run golden:make writes: run it and commit the result`);
      stale = true;
    } else console.log(`${target}: identical to what npm run golden:make writes (${text.length.toLocaleString('en')} bytes)`);
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${target} (${text.length.toLocaleString('en')} bytes)`);
  }
}
if (stale) process.exit(1);

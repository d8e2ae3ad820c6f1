// npm run golden:make: writes src/distill/fixtures/distill-golden.json, the golden values of
// docs/spec.md computed in float64 by scripts/lib/golden-float64.ts (plain loops, exact
// gradients, independent of TF.js and the kernels). Deterministic: the same bytes every run
// (`npm run golden:make -- --check` says whether the committed file is what it writes).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { goldenFileText } from './lib/golden-cases';

const target = fileURLToPath(new URL('../src/distill/fixtures/distill-golden.json', import.meta.url));
const text = goldenFileText();
if (process.argv.includes('--check')) {
  const committed = readFileSync(target, 'utf8');
  if (committed !== text) {
    console.error(`${target} differs from what npm run golden:make writes: run it and commit the result`);
    process.exit(1);
  }
  console.log(`${target}: identical to what npm run golden:make writes (${text.length.toLocaleString('en')} bytes)`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target} (${text.length.toLocaleString('en')} bytes)`);
}

// npm run check:golden -- <file>: every case of a golden file through the project's own
// losses on the TF.js CPU backend (or `--backend wasm`); exits non-zero on any failure.
import { readFileSync } from 'node:fs';
import { checkGoldenCase, formatCaseReport, parseGoldenFile } from '../src/distill/golden';
import { selectBackend } from '../src/tf/backends';

const args = process.argv.slice(2);
const backendAt = args.indexOf('--backend');
const backend = backendAt >= 0 ? args.splice(backendAt, 2)[1] : 'cpu';
const file = args[0];
if (!file || (backend !== 'cpu' && backend !== 'wasm')) {
  console.error('usage: npm run check:golden -- <golden.json> [--backend cpu|wasm]');
  process.exit(2);
}

let text: string;
try {
  text = readFileSync(file, 'utf8');
} catch (error) {
  console.error(`cannot read ${file}: ${(error as Error).message}`);
  process.exit(2);
}
let golden;
try {
  golden = parseGoldenFile(JSON.parse(text), file);
} catch (error) {
  console.error(`${file} is not a golden file: ${(error as Error).message}`);
  process.exit(2);
}

await selectBackend([backend]);
console.log(`backend: ${backend}`);
let passed = 0;
let failed = 0;
for (const [index, golden_case] of golden.cases.entries()) {
  const shape = `B=${golden_case.studentLogits.length} C=${golden_case.studentLogits[0]?.length ?? 0}`;
  const report = await checkGoldenCase(golden_case, `case ${index} (${shape}, ${golden_case.pcd.length} PCD configs)`);
  console.log(formatCaseReport(report));
  if (report.passed) passed++;
  else failed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

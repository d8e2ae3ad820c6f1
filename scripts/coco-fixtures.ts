// npm run coco:fixtures: writes src/detect/fixtures/coco-cases.json, the hard COCO cases and
// three seeded random ones (src/test-support/coco-cases.ts) with pycocotools' numbers for
// each (scripts/coco-reference.py), which the AP port's unit test checks without Python.
import { writeFileSync } from 'node:fs';
import { hardCocoCases, randomCocoCase } from '../src/test-support/coco-cases';
import { pycocotoolsEvaluations } from '../src/test-support/coco-reference';

const cases = [...hardCocoCases(), ...[1, 2, 3].map((seed) => randomCocoCase(seed))];
const expected = pycocotoolsEvaluations(cases);
const out = 'src/detect/fixtures/coco-cases.json';
writeFileSync(
  out,
  `${JSON.stringify({ made: 'npm run coco:fixtures (pycocotools COCOeval, bbox)', cases: cases.map((c, i) => ({ ...c, expected: expected[i] })) })}\n`,
);
console.log(`wrote ${out}: ${cases.length} cases`);

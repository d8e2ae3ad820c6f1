// pycocotools' numbers for COCO cases: scripts/coco-reference.py run once over all of them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CocoEvaluation } from '../detect/coco-eval';
import type { CocoCase } from './coco-cases';
import { pythonWithPycocotools } from './python';

export function pycocotoolsEvaluations(cases: CocoCase[]): CocoEvaluation[] {
  const dir = mkdtempSync(join(tmpdir(), 'coco-'));
  try {
    const files = cases.flatMap((c, i) => {
      const [gt, dt] = [join(dir, `gt${i}.json`), join(dir, `dt${i}.json`)];
      writeFileSync(gt, JSON.stringify(c.groundTruth));
      writeFileSync(dt, JSON.stringify(c.detections));
      return [gt, dt];
    });
    const run = spawnSync(pythonWithPycocotools(), [new URL('../../scripts/coco-reference.py', import.meta.url).pathname, ...files], {
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`coco-reference.py exited with ${run.status}:\n${run.stderr}`);
    return run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as CocoEvaluation);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

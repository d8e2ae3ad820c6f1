import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGoldenCase, parseGoldenFile, type GoldenFile } from './golden';
import { useCpuBackend } from './test-setup';

const read = (name: string): GoldenFile => parseGoldenFile(JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')), name);
// The project's own file (npm run golden:make) and the reference it was checked against (scripts/golden-make.test.ts).
const golden = read('distill-golden.json');
const reference = read('distill-golden-reference.json');

beforeAll(useCpuBackend);

describe('golden values (docs/spec.md) on the CPU backend', () => {
  const cases = [
    ...golden.cases.map((c, i) => [`distill-golden.json case ${i}`, c] as const),
    ...reference.cases.map((c, i) => [`reference case ${i}`, c] as const),
  ];
  it.each(cases)('%s: every loss, gradient, rank and group', async (i, goldenCase) => {
    const report = await checkGoldenCase(goldenCase, i);
    expect(report.failures).toEqual([]);
    expect(report.worstRelativeError).toBeLessThanOrEqual(1e-4);
  });

  it('fails a case whose expected values are wrong', async () => {
    const tampered = structuredClone(golden.cases[0]);
    tampered.kd.grad[1][3] *= 1.001;
    tampered.pcd[0].stages['2'].groups[0][0] = 1 - tampered.pcd[0].stages['2'].groups[0][0];
    tampered.pcd[2].jointLoss *= 1.0005;
    const report = await checkGoldenCase(tampered, 'tampered');
    expect(report.passed).toBe(false);
    expect(report.failures.map((f) => f.split(' ')[0])).toEqual(['kd.grad', 'pcd[0].stage2.groups', 'pcd[2].joint.loss']);
  });

  it('rejects a file that is not in the golden format, naming the field', () => {
    expect(() => parseGoldenFile({ cases: [] }, 'empty.json')).toThrow(/empty\.json: cases/);
    const broken = structuredClone(golden) as unknown as { cases: { kd: { loss: unknown } }[] };
    broken.cases[1].kd.loss = 'nine';
    expect(() => parseGoldenFile(broken, 'broken.json')).toThrow(/broken\.json: cases\.1\.kd\.loss/);
  });
});

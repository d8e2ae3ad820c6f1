import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GoldenCase } from '../distill/golden';
import { PCD_DEFAULTS } from '../distill/methods';
import { groupSlot } from '../kernels/pcd-attrs';
import { inspect, inspectInBlocks, inspectionJson } from './inspect';
import { npyBytes } from '../reproduce/npy';
import { LOGITS_LIMITS, parseLogitsCsv, parseLogitsFile, parseLogitsJson, parseLogitsNpy, type LogitsData } from './logits-file';

const golden = JSON.parse(readFileSync(new URL('../distill/fixtures/distill-golden.json', import.meta.url), 'utf8'));
const encode = (text: string) => new TextEncoder().encode(text);

/** An .npy file of shape (2, B, C): the teacher's logits, then the student's. */
function npy(teacher: number[][], student: number[][], descr: '<f4' | '<f8' = '<f4'): Uint8Array {
  return npyBytes([2, teacher.length, teacher[0].length], [...teacher.flat(), ...student.flat()], descr);
}

function csv(teacher: number[][], student: number[][], labels?: number[], names?: string[]): string {
  const classes = teacher[0].length;
  const header = ['role', 'sample', ...(labels ? ['label'] : []), ...(names ?? Array.from({ length: classes }, (_, c) => `c${c}`))].join(',');
  const rows = teacher.flatMap((row, b) => [
    ['teacher', b, ...(labels ? [labels[b]] : []), ...row].join(','),
    ['student', b, ...(labels ? [labels[b]] : []), ...student[b]].join(','),
  ]);
  return [header, ...rows].join('\n') + '\n';
}

describe('logits files: JSON, CSV and NPY read the same numbers', () => {
  const teacher = [
    [1, 2, 3.5],
    [0, -1, 4],
  ];
  const student = [
    [0.5, 0, 1],
    [2, 2, -2.25],
  ];
  it('each format gives B, C, both matrices, labels and class names', () => {
    const fromJson = parseLogitsJson('a.json', JSON.stringify({ teacher, student, labels: [2, 1], classNames: ['cat', 'dog', 'owl'] }));
    const fromCsv = parseLogitsCsv('a.csv', csv(teacher, student, [2, 1], ['cat', 'dog', 'owl']));
    const fromNpy = parseLogitsNpy('a.npy', npy(teacher, student, '<f8'));
    for (const data of [fromJson, fromCsv, fromNpy]) {
      expect([data.batch, data.classes]).toEqual([2, 3]);
      expect(Array.from(data.teacher)).toEqual(teacher.flat());
      expect(Array.from(data.student)).toEqual(student.flat());
    }
    expect(Array.from(fromJson.labels!)).toEqual([2, 1]);
    expect(Array.from(fromCsv.labels!)).toEqual([2, 1]);
    expect(fromCsv.classNames).toEqual(['cat', 'dog', 'owl']);
    expect(fromNpy.labels).toBeNull();
    expect(fromNpy.classNames).toEqual(['0', '1', '2']);
    expect(parseLogitsFile('b.NPY', npy(teacher, student)).batch).toBe(2);
  });

  it.each([
    ['a.json', '{"teacher": [[1, 2]], "student": [[1, "x"]]}', /a\.json, student\[0\]\[1\]: "x" is not a number/],
    ['a.json', '{"teacher": [[1, 2]], "student": [[1, 2], [3, 4]]}', /a\.json, field "student": 2 rows: expected 1/],
    ['a.json', '{"teacher": [[1, 2]], "student": [[1, 2]], "labels": [5]}', /labels\[0\]: label 5 is not a class index 0…1/],
    ['a.json', '{"teacher": [[1, 2]], "student": [[1, 2]], "extra": 1}', /field "extra": unknown/],
    ['a.json', '{"teacher": [[1, 2]], "student": [[1, 1e999]]}', /student\[0\]\[1\]: Infinity is not a finite number/],
    ['a.json', '{"teacher": [[1]], "student": [[1]]}', /1 class: expected at least 2/],
    ['a.json', '{"teacher": [[1, 2]], ', /not valid JSON/],
    ['a.csv', 'role,sample,a,b\nteacher,0,1,2\n', /1 data rows: expected a teacher and a student row per sample/],
    ['a.csv', 'role,sample,a,b\nteacher,0,1,2\nteacher,0,1,2\n', /line 3: a second teacher row for sample 0/],
    ['a.csv', 'role,sample,a,b\nteacher,0,1,2\nstudent,0,1,NaN\n', /line 3, column "b": "NaN" is not a finite number/],
    ['a.csv', 'role,sample,a,b\nteacher,0,1,2\nstudent,0,1\n', /line 3: 3 columns: expected 4/],
    ['a.csv', 'role,sample,a,b\nteacher,0,1,2\npupil,0,1,2\n', /line 3: role "pupil": expected teacher or student/],
    ['a.csv', 'kind,sample,a,b\n', /line 1: header starts "kind,sample": expected "role,sample"/],
    ['a.csv', 'role,sample,label,a,b\nteacher,0,1,1,2\nstudent,0,0,1,2\n', /label 0 differs from the other row of sample 0 \(1\)/],
    ['a.txt', 'hello', /unknown kind "\.txt": expected \.json, \.csv or \.npy/],
  ])('%s refused: %s', (file, text, message) => {
    expect(() => parseLogitsFile(file, encode(text))).toThrow(message);
  });

  it('reads quoted class names in a CSV header ("cat, the animal")', () => {
    const data = parseLogitsCsv('q.csv', 'role,sample,"cat, the animal",dog\nteacher,0,1,2\nstudent,0,0.5,1\n');
    expect(data.classNames).toEqual(['cat, the animal', 'dog']);
    expect(Array.from(data.student)).toEqual([0.5, 1]);
  });

  it('refuses non-UTF-8 text, broken or wrong NPY, and files past the limits', () => {
    expect(() => parseLogitsFile('a.csv', Uint8Array.from([0x72, 0x6f, 0xff, 0xfe]))).toThrow(/a\.csv: not UTF-8 text/);
    expect(() => parseLogitsFile('a.npy', encode('PK zip'))).toThrow(/a\.npy: not an \.npy file/);
    const good = npy([[1, 2]], [[3, 4]]);
    expect(() => parseLogitsFile('a.npy', good.subarray(0, good.length - 4))).toThrow(/a\.npy: 12 data bytes: expected 16 for shape \(2, 1, 2\)/);
    const int = npy([[1, 2]], [[3, 4]]);
    int.set(encode("'<i4'"), 10 + "{'descr': ".length);
    expect(() => parseLogitsFile('a.npy', int)).toThrow(/dtype <i4: expected float32/);
    expect(() => parseLogitsFile('big.json', new Uint8Array(LOGITS_LIMITS.bytes + 1))).toThrow(/big\.json: 20\.0 MB: at most 20\.0 MB/);
    const wide = { teacher: [Array(LOGITS_LIMITS.classes + 1).fill(0)], student: [Array(LOGITS_LIMITS.classes + 1).fill(0)] };
    expect(() => parseLogitsJson('wide.json', JSON.stringify(wide))).toThrow(/1,001 classes: at most 1,000/);
  });
});

describe('the inspector computes the spec’s values (golden file)', () => {
  it.each((golden.cases as unknown[]).map((c, i) => [i, c] as [number, unknown]))(
    "case %i: PCD ranks, groups, losses and gradient; KD, DKD, CE (computed in blocks of 2 samples, as the inspector's worker does)",
    async (_i, goldenCase) => {
      const g = goldenCase as GoldenCase;
      const data: LogitsData = parseLogitsJson(
        'golden.json',
        JSON.stringify({ teacher: g.teacherLogits, student: g.studentLogits, labels: g.labels }),
      );
      const close = (actual: number, expected: number, what: string) =>
        expect(Math.abs(actual - expected), what).toBeLessThanOrEqual(1e-4 * Math.abs(expected) + 1e-5);
      for (const entry of g.pcd) {
        const c = entry.config;
        const options = {
          ...PCD_DEFAULTS,
          stages: c.stages,
          temperature: c.tau,
          adaptive: c.adaptive,
          ranking: c.ranking,
          standardizeLogits: c.standardize_logits,
          fineToCoarse: c.fine_to_coarse ?? true,
          coarseToFine: c.coarse_to_fine ?? true,
        };
        const blocks: number[] = [];
        const result = (await inspectInBlocks(data, options, 2, async (done) => (blocks.push(done), false)))!;
        expect(blocks.at(-1)).toBe(data.batch);
        expect(Array.from(result.pcd.ranks)).toEqual(entry.ranks.flat());
        close(result.pcd.loss, entry.jointLoss, 'joint loss');
        entry.jointGrad.flat().forEach((v, i) => close(result.pcd.grad[i], v, `grad[${i}]`));
        const groups = (c.stages * (c.stages + 1)) / 2;
        for (const [key, stage] of Object.entries(entry.stages)) {
          const k = Number(key);
          close(result.pcd.stageLosses[k - 1], stage.loss, `L_${k}`);
          stage.groups.forEach((row, b) =>
            row.forEach((group, cls) => expect(result.stageGroups[(b * c.stages + k - 1) * data.classes + cls]).toBe(group)),
          );
          stage.groupLoss.forEach((row, b) =>
            row.forEach((v, gi) => close(result.pcd.groupLosses[b * groups + groupSlot(k, gi)], v, `D stage ${k} group ${gi}`)),
          );
        }
      }
      const plain = (await inspectInBlocks(data, { ...PCD_DEFAULTS, temperature: g.kd.tau }, 2, async () => false))!;
      // Blocks are the whole batch's means: the same as one pass over it.
      const whole = inspect(data, { ...PCD_DEFAULTS, temperature: g.kd.tau });
      close(plain.pcd.loss, whole.pcd.loss, 'blocks = whole');
      // A newer request superseding this one: it stops at the next block and gives nothing.
      expect(await inspectInBlocks(data, PCD_DEFAULTS, 1, async () => true)).toBeNull();
      close(plain.kd.loss, g.kd.loss, 'KD');
      g.kd.grad.flat().forEach((v, i) => close(plain.kd.grad[i], v, `KD grad[${i}]`));
      close((await inspectInBlocks(data, { ...PCD_DEFAULTS, temperature: g.dkd.tau }, 2, async () => false))!.dkd!.loss, g.dkd.loss, 'DKD');
      close(plain.ce!.loss, g.ce.loss, 'CE');
      const exported = inspectionJson(data, plain) as { pcd: { ranks: number[][] } };
      expect(exported.pcd.ranks).toHaveLength(data.batch);
    },
  );
});

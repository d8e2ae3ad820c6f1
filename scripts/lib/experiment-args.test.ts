import { defaultTrainerConfig } from '../../src/train/config';
import { describe, expect, it } from 'vitest';
import { runsOf } from '../../src/config/page-config';
import { PRESETS } from '../../src/config/presets';
import { METHOD_DEFAULTS } from '../../src/distill/methods';
import { readLocalFiles } from '../../src/import/local-read';
import { npyBytes } from '../../src/reproduce/npy';
import { REPRODUCTION_FORMAT } from '../../src/reproduce/bundle';
import { ArgumentError, planExperiment } from './experiment-args';
import { formatMeanStd, formatPairedGain, formatPairedGains, pairedGain, resultTable, seedNoiseNote } from './experiment-report';
import { configOfSeeds } from './experiment-run';
import type { ExperimentResult } from './experiment-run';
import { curvesFigure, passedAt } from './study-figure';

const plan = (line: string, files: Record<string, string> = {}) =>
  planExperiment(line.split(' ').filter(Boolean), (path) => {
    if (!(path in files)) throw new Error(`ENOENT: ${path}`);
    return files[path];
  });

describe('experiment flags', () => {
  it('runs every preset exactly as the page configures it', () => {
    for (const preset of PRESETS) {
      const p = plan(`--preset ${preset.id}`);
      expect(p.config).toEqual(preset.page.config);
      expect(p.runs).toEqual(runsOf(preset.page));
      expect(p.seeds).toEqual([1, 2, 3]);
      expect(p.evalEvery).toBe(1);
    }
  });

  it('reads a config file as the page exports it', () => {
    const page = structuredClone(PRESETS[1].page);
    const p = plan('--config /x/my-setup.json --seeds 4', { '/x/my-setup.json': JSON.stringify(page) });
    expect(p.config).toEqual(page.config);
    expect(p.runs.map((r) => r.id)).toEqual(runsOf(page).map((r) => r.id));
    expect(p.seeds).toEqual([4]);
    expect(p.label).toBe('my-setup');
    // Without --seeds, the seeds the page raced: seed … seed + seeds − 1.
    const several = plan('--config /x/five.json', { '/x/five.json': JSON.stringify({ ...page, config: { ...page.config, seed: 3, seeds: 5 } }) });
    expect(several.seeds).toEqual([3, 4, 5, 6, 7]);
  });

  it('refuses a config file the page would have to repair, naming what is wrong', () => {
    const bad = JSON.stringify({ config: { dataset: 'synthetic100', batchSize: 'many' }, compare: [] });
    expect(() => plan('--config bad.json', { 'bad.json': bad })).toThrow(/--config "bad.json".*batchSize/);
    expect(() => plan('--config missing.json')).toThrow(/--config "missing.json" is invalid: expected a readable JSON file \(ENOENT/);
  });

  it('sets every field the flags name', () => {
    const p = plan(
      '--dataset synthetic100 --methods ce,kd,pcd --student synthetic-mlp-medium --subset 2000 --epochs 40 --batch 128 ' +
        '--optimizer sgd --lr 0.05 --momentum 0.8 --lr-schedule constant --warmup 0.1 --stages 4 --tau 2 --alpha 0.5 ' +
        '--ranking off --lambda off --passes fine-to-coarse --schedule bidirectional --standardize on --eval-every 5 --seeds 7,8 --out /tmp/a.json',
    );
    expect(p.config).toMatchObject({
      student: 'synthetic-mlp-medium',
      trainSubset: 2000,
      budget: { unit: 'epochs', amount: 40 },
      batchSize: 128,
      optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.8 },
      learningRateSchedule: 'constant',
      warmupShare: 0.1,
      schedule: { kind: 'bidirectional' },
    });
    expect(p.config.method).toEqual({
      ...METHOD_DEFAULTS.pcd,
      stages: 4,
      temperature: 2,
      alpha: 0.5,
      ranking: false,
      adaptive: false,
      coarseToFine: false,
      standardizeLogits: true,
    });
    expect(p.runs.map((r) => r.id)).toEqual(['ce', 'kd', 'pcd']);
    expect(p.runs[1].method).toEqual({ ...METHOD_DEFAULTS.kd, temperature: 2, standardizeLogits: true });
    expect(p.runs[2].method).toEqual(p.config.method);
    expect(p).toMatchObject({ seeds: [7, 8], evalEvery: 5, out: '/tmp/a.json' });
  });

  it('changes a preset with flags, keeping the rest', () => {
    const race = PRESETS.find((p) => p.id === 'race')!;
    const p = plan('--preset race --epochs 3 --steps 100'.replace(' --steps 100', ''));
    expect(p.config).toEqual({ ...race.page.config, budget: { unit: 'epochs', amount: 3 } });
    expect(plan('--preset race --steps 100').config.budget).toEqual({ unit: 'steps', amount: 100 });
  });

  it('refuses bad flags with the flag, the value and what was expected', () => {
    const cases: [string, RegExp][] = [
      ['--preset nope', /--preset "nope" is invalid: expected one of .*race/],
      ['--lr 0x10', /--lr "0x10" is invalid: expected a number/],
      ['--subset 2.5', /--subset "2.5" is invalid: expected an integer ≥ 1/],
      ['--ranking maybe', /--ranking "maybe" is invalid: expected on or off/],
      ['--methods ce,kd --stages 2', /--stages "2" is invalid: expected a PCD run/],
      ['--methods ce --tau 2', /--tau "2" is invalid: expected a distilling run/],
      ['--methods ce,xx', /--methods "ce,xx" is invalid: expected methods among/],
      ['--epochs 3 --steps 4', /either --epochs or --steps/],
      ['--momentum 0.5', /expected an SGD run/],
      ['--stages 101', /method.stages: expected at most 10$/],
      ['--subset 99999', /trainSubset: at most 16000/],
      ['--passes none', /--passes "none" is invalid/],
      ['--bogus 1', /--bogus "1" is invalid: expected one of the flags/],
      ['--lr', /--lr \(missing value\)/],
      ['--preset race --dataset mnist', /--dataset "mnist" is invalid: expected synthetic100/],
    ];
    for (const [line, message] of cases) {
      expect(() => plan(line), line).toThrow(ArgumentError);
      expect(() => plan(line), line).toThrow(message);
    }
  });
});

describe('a reproduction bundle as --config', () => {
  const tiny = PRESETS.find((p) => p.id === 'tiny')!.page;
  /** A bundle's run.json (what the runner reads of it: the page's config and runs, the live changes). */
  const bundle = (liveChanges: unknown, seeds = 1) =>
    JSON.stringify({
      format: REPRODUCTION_FORMAT,
      config: { ...tiny.config, seed: 4, seeds },
      compare: tiny.compare,
      runs: runsOf(tiny),
      dataset: { id: 'synthetic100' },
      student: {},
      steps: {},
      seeds: [],
      evaluations: [],
      liveChanges,
    });
  const planOf = (liveChanges: unknown, seeds = 1) => plan('--config b/run.json', { 'b/run.json': bundle(liveChanges, seeds) });

  it('replays its own seeds, one seed too, and its live changes as the page made them', () => {
    const p = planOf([{ fromStep: 5, change: { learningRate: 0.005, temperature: 2 } }]);
    expect(p.seeds).toEqual([4]);
    expect(p.liveChanges).toEqual([{ fromStep: 5, change: { learningRate: 0.005, temperature: 2 } }]);
    expect(planOf([], 2).seeds).toEqual([4, 5]);
  });

  it('refuses a live change the page would refuse, naming it', () => {
    const cases: [unknown, RegExp][] = [
      // Gradient ascent: the runner trained it to 25% and exited 0.
      [[{ fromStep: 5, change: { learningRate: -0.05 } }], /liveChanges\[0\] \(from step 5\): optimizer.learningRate: .*0/],
      [[{ fromStep: 5, change: { learningRate: '0.5' } }], /liveChanges\[0\].change.learningRate: a number, got "0.5"/],
      [[{ fromStep: 5, change: { temperature: 0 } }], /liveChanges\[0\] \(from step 5\): .*temperature/],
      [
        [
          { fromStep: 2, change: { alpha: 2 } },
          { fromStep: 1, change: { alpha: 1 } },
        ],
        /liveChanges\[1\].fromStep: a whole step from 2 to 40 \(in order\), got 1/,
      ],
      [[{ fromStep: 400, change: { alpha: 2 } }], /liveChanges\[0\].fromStep: a whole step from 0 to 40/],
      [[{ fromStep: 3, change: { bogus: 1 } }], /liveChanges\[0\] \(from step 3\): bogus: cannot change while a run trains/],
      [{ fromStep: 3 }, /a bundle whose "liveChanges" is a list/],
      [[null], /liveChanges\[0\].fromStep/],
    ];
    for (const [changes, message] of cases) {
      expect(() => planOf(changes), JSON.stringify(changes)).toThrow(ArgumentError);
      expect(() => planOf(changes), JSON.stringify(changes)).toThrow(message);
    }
  });
});

describe('experiment tables', () => {
  const row = (seed: number, method: string, testAccuracy: number) => ({
    seed,
    method,
    testAccuracy,
    teacherAgreement: 0.5,
    nonTargetKl: 1,
    nonTargetRankCorrelation: 0.3,
    diverged: false,
    steps: 10,
  });
  const rows = [row(1, 'ce', 0.5), row(1, 'kd', 0.6), row(2, 'ce', 0.4), row(2, 'kd', 0.6)];

  it('pairs gains by seed', () => {
    expect(pairedGain(rows, 'kd', 'ce').map((g) => +g.toFixed(6))).toEqual([0.1, 0.2]);
    expect(formatMeanStd([0.1, 0.2], 100)).toBe('15.00 ± 7.07');
  });

  it('marks a paired gain beyond seed noise (paired t-test, p < 0.05), and only such a gain', () => {
    // The race's KD over CE in three seeds: steady, beyond noise.
    expect(formatPairedGain([0.074, 0.062, 0.086], 100)).toBe('7.40 ± 1.20 \\*');
    // PCD against KD: −0.4 ± 0.6, within noise; and two seeds that disagree in sign.
    expect(formatPairedGain([-0.0105, 0.0005, -0.002], 100)).toBe('-0.40 ± 0.58');
    expect(formatPairedGain([0.1, 0.2], 100)).toBe('15.00 ± 7.07');
    // One seed is never marked.
    expect(formatPairedGain([0.3], 100)).toBe('30.00 ± 0.00');
    // Two seeds are not tested (a t-test with one degree of freedom), however steady: p = 0.025 here.
    expect(formatPairedGain([0.1, 0.101], 100)).toBe('10.05 ± 0.07');
    // A loss beyond noise is marked as a gain is.
    expect(formatPairedGain([-0.074, -0.062, -0.086], 100)).toBe('-7.40 ± 1.20 \\*');
    // A column is one family: a gain marked alone (p = 0.03) is not once three comparisons share the column.
    const alone = [0.009, 0.001, 0.013, 0.004, 0.012, -0.002, 0.005];
    expect(formatPairedGain(alone, 100)).toBe('0.60 ± 0.56 \\*');
    expect(
      formatPairedGains([[0.009, 0.005, 0.01, 0.006, 0.008, 0.002, 0.007], alone, [0.009, -0.003, 0.013, 0.004, 0.012, -0.002, 0.005]], 100),
    ).toEqual(['0.67 ± 0.27 \\*', '0.60 ± 0.56', '0.54 ± 0.63']);
  });

  it('says under a table what its seed count lets it test', () => {
    expect(seedNoiseNote(5)).toMatch(
      /^\\\* beyond seed noise: a paired t-test over the 5 seeds .* Holm-adjusted over the column's comparisons\. .* with 5 seeds only large, steady ones pass\. It assumes the seeds' differences roughly normal: with 5 seeds no distribution-free test \(sign, permutation\) can go below p = 0\.06\.$/,
    );
    expect(seedNoiseNote(6)).not.toContain('assumes');
    expect(seedNoiseNote(2)).toBe('No difference is tested for noise: 2 seeds give a paired t-test one degree of freedom; run 3 or more.');
  });

  it('writes in the result’s config the seeds it trained', () => {
    const config = defaultTrainerConfig('synthetic100');
    expect(configOfSeeds(config, [21, 22])).toMatchObject({ seed: 21, seeds: 2 });
    // Seeds that do not follow each other are listed by the result, not by the config.
    expect(configOfSeeds(config, [3, 7])).toMatchObject({ seed: 3, seeds: 1 });
  });

  it('writes one line per run with its gain over CE', () => {
    const table = resultTable({
      rows,
      runs: [
        { id: 'ce', method: METHOD_DEFAULTS.ce },
        { id: 'kd', method: METHOD_DEFAULTS.kd },
      ],
    });
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toContain('| CE | 45.00 ± 7.07 | — |');
    expect(table).toContain('| KD | 60.00 ± 0.00 | 15.00 ± 7.07 |');
  });
});

describe('figures from results', () => {
  const curve = (run: string, seed: number, ys: number[]) => ({
    seed,
    run,
    points: ys.map((y, i) => ({ step: (i + 1) * 10, epoch: i + 1, testAccuracy: y, testLoss: 1, trainAccuracy: y, trainLoss: 1 })),
  });
  const result = {
    label: 'x',
    seeds: [1, 2],
    steps: 40,
    runs: [
      { id: 'ce', method: METHOD_DEFAULTS.ce },
      { id: 'kd', method: METHOD_DEFAULTS.kd },
    ],
    teacher: { id: 't', parameters: 1, testAccuracy: 0.9 },
    curves: [
      curve('ce', 1, [0.3, 0.5, 0.5, 0.5]),
      curve('ce', 2, [0.3, 0.5, 0.5, 0.5]),
      curve('kd', 1, [0.2, 0.6, 0.4, 0.7]),
      curve('kd', 2, [0.2, 0.6, 0.4, 0.7]),
    ],
  } as unknown as ExperimentResult;

  it('finds the epoch from which a run stays above another', () => {
    expect(passedAt(result, 'kd', 'ce')).toBe(4); // above at epoch 2, below at 3, above from 4 on
    expect(passedAt(result, 'ce', 'kd')).toBeNull();
  });

  it('draws one path per run and the teacher line', () => {
    const svg = curvesFigure(result);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('teacher 90.0');
    expect(svg).toContain('epoch (40 steps in all)');
  });
});

describe('the runner on one’s own data', () => {
  // 12 rows of 3 features, classes named out of order ("b" before "a"), and the teacher's logits for every row.
  const csv = ['x,y,z,label', ...Array.from({ length: 12 }, (_, i) => `${i},${i % 3},${(i * 7) % 5},${['b', 'a', 'c'][i % 3]}`)].join('\n');
  const logits = npyBytes(
    [12, 3],
    Array.from({ length: 36 }, (_, k) => (k % 3 === [1, 0, 2][Math.floor(k / 3) % 3] ? 2 : 0)),
  );
  const bytes: Record<string, Uint8Array<ArrayBuffer>> = { 'd.csv': new TextEncoder().encode(csv), 't.npy': new Uint8Array(logits) };
  const localPlan = (line: string, folders: string[] = []) =>
    planExperiment(
      line.split(' ').filter(Boolean),
      () => {
        throw new Error('no text files here');
      },
      (path) => {
        if (!(path in bytes)) throw new Error(`ENOENT: ${path}`);
        return bytes[path];
      },
      (path) => folders.includes(path),
    );

  it('reads a CSV and the teacher’s logits as the page does: the same classes, split and samples', async () => {
    const p = localPlan('--data d.csv --teacher-logits t.npy --steps 5 --seeds 1,2');
    expect(p.config).toMatchObject({ dataset: 'local', student: 'local-mlp', seeds: 1 });
    expect(p.local!.facts).toMatchObject({ name: 'd.csv', classNames: ['a', 'b', 'c'], teacher: { kind: 'logits', file: 't.npy' } });
    // The teacher's logits put the label's column highest: it is right on every test sample.
    expect(p.local!.facts.teacherTestAccuracy).toBe(1);
    expect(p.runs.map((r) => r.id)).toEqual(['ce', 'kd', 'dkd', 'pcd']);
    // The page's own reader, given the same files and its default split (share 0.2, seed 1), makes the same dataset.
    const page = await readLocalFiles(
      {
        dataset: { kind: 'csv', file: new File([bytes['d.csv']], 'd.csv') },
        teacher: { kind: 'logits', file: new File([bytes['t.npy']], 't.npy') },
        split: { testShare: 0.2, seed: 1 },
      },
      () => Promise.reject(new Error('no images')),
    );
    expect(p.local!.dataset).toEqual(page.dataset);
    // Another split seed, another split.
    const other = localPlan('--data d.csv --teacher-logits t.npy --split-seed 2 --test-share 0.25');
    expect(other.local!.dataset.test.labels).not.toEqual(p.local!.dataset.test.labels);
    expect(other.local!.facts.testCount).toBe(3);
  });

  it('cautions, as the page does, when the teacher’s logits columns look out of order', () => {
    expect(localPlan('--data d.csv --teacher-logits t.npy').local!.caution).toBeNull();
    // The same logits with columns "a" and "b" swapped.
    const values = Array.from(new Float32Array(bytes['t.npy'].buffer.slice(bytes['t.npy'].length - 36 * 4)));
    const swapped = values.map((_, k) => values[k % 3 === 0 ? k + 1 : k % 3 === 1 ? k - 1 : k]);
    bytes['s.npy'] = new Uint8Array(npyBytes([12, 3], swapped));
    expect(localPlan('--data d.csv --teacher-logits s.npy').local!.caution).toMatch(/columns 0 \("a"\) and 1 \("b"\) look swapped/);
  });

  it('refuses what it cannot run, naming the flag', () => {
    expect(() => localPlan('--data imgs --teacher-logits t.npy', ['imgs'])).toThrow(
      /--data "imgs" is invalid: .*is a folder: the runner reads a CSV of features/,
    );
    expect(() => localPlan('--data d.csv')).toThrow(/--teacher-logits \(missing value\) is invalid/);
    expect(() => localPlan('--dataset local')).toThrow(/--data \(missing value\) is invalid/);
    expect(() => localPlan('--test-share 0.3')).toThrow(/--test-share "0.3" is invalid: expected a local dataset/);
    expect(() => localPlan('--preset race --data d.csv --teacher-logits t.npy')).toThrow(/--preset "race" is invalid/);
    expect(() => localPlan('--data d.csv --teacher-logits t.npy --test-share 0.9')).toThrow(/--data "d.csv" is invalid: .*test share/);
    expect(() => localPlan('--data d.csv --teacher-logits missing.npy')).toThrow(/ENOENT: missing.npy/);
  });
});

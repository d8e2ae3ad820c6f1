// `npm run experiment -- … --export-pytorch DIR`, then the exported reproduce.py in PyTorch:
// every evaluation within one test sample of the runner's, the final accuracies too.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/reproduce/bundle';
import { npyBytes, readNpyArray } from '../../src/reproduce/npy';
import { spawnSync } from 'node:child_process';
import { pythonWithTorch, runReproduce, skipWithout } from '../../src/test-support/python';
import { planExperiment } from './experiment-args';
import { runExperiment } from './experiment-run';

const folders: string[] = [];
afterAll(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

// The timeouts guard against a hang, not a pace: with the machine loaded, one of these PyTorch
// round trips took over four minutes.
describe.skipIf(skipWithout('torch'))('the runner’s PyTorch export', () => {
  it.each([
    ['the race’s four methods, two seeds, Adam, joint PCD', ['--preset', 'tiny', '--methods', 'ce,kd,dkd,pcd', '--seeds', '1,2']],
    [
      'SGD, a bidirectional schedule of 4 stages, standardised logits, ranking and λ off, one pass',
      [
        '--preset',
        'tiny',
        '--methods',
        'ce,kd,dkd,pcd',
        '--seeds',
        '5',
        '--optimizer',
        'sgd',
        '--lr',
        '0.05',
        '--schedule',
        'bidirectional',
        '--stages',
        '4',
        '--standardize',
        'on',
        '--ranking',
        'off',
        '--lambda',
        'off',
        '--passes',
        'coarse-to-fine',
      ],
    ],
  ])(
    'reproduce.py gives the runner’s accuracies (%s)',
    async (_, flags) => {
      const dir = mkdtempSync(join(tmpdir(), 'pcd-export-'));
      folders.push(dir);
      const result = await runExperiment(planExperiment([...flags, '--export-pytorch', dir, '--out', join(dir, 'result.json')]), 'test', () => {});
      const manifest = parseManifest('run.json', readFileSync(join(dir, 'run.json'), 'utf8'));
      expect(manifest.runs.map((r) => r.id)).toEqual(['ce', 'kd', 'dkd', 'pcd']);
      expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toMatch(
        /^ce, kd, dkd, pcd on synthetic100, student synthetic-mlp-tiny, seeds? [\d, ]+, 40 steps/m,
      );
      expect(manifest.evaluations.length).toBe(result.curves.reduce((n, c) => n + c.points.length, 0));
      const { output, finals } = runReproduce(dir, ['--check']);
      const testCount = manifest.dataset.test.count;
      const several = result.seeds.length > 1;
      for (const row of result.rows) {
        const key = several ? `${row.method}@${row.seed}` : row.method;
        expect(Math.abs(finals[key] - row.testAccuracy) * testCount, `${key}\n${output}`).toBeLessThanOrEqual(1);
      }
      expect(Object.keys(finals)).toHaveLength(result.rows.length);
    },
    120_000,
  );

  it('PCD past a near-tie at a group boundary: --check allows what PyTorch’s float32 and float64 differ by, and fails beyond it', async () => {
    // Seed 4 of the race preset: the page and PyTorch part at a rank decided by float32 rounding (step 143) and end up
    // to 14 test samples apart, which the one-sample rule failed; CE stays within one sample throughout.
    const dir = mkdtempSync(join(tmpdir(), 'pcd-export-'));
    folders.push(dir);
    await runExperiment(
      planExperiment(['--preset', 'race', '--seeds', '4', '--methods', 'ce,pcd', '--export-pytorch', dir, '--out', join(dir, 'r.json')]),
      'test',
      () => {},
    );
    const { output } = runReproduce(dir, ['--check']);
    expect(output).toMatch(
      /seed 4, pcd: first near-tie at a group boundary at step \d+ \(sample \d+ of the batch, ranks \d+ and \d+, gaps [\d.e+-]+ apart\)/,
    );
    const measured = /the page is up to (\d+) test samples from PyTorch; PyTorch's float32 and float64 differ by up to (\d+)/.exec(output);
    expect(measured, output).not.toBeNull();
    const [pagePcd, ownPcd] = [Number(measured![1]), Number(measured![2])];
    expect(pagePcd).toBeGreaterThan(1); // the case the bound is for, not the exact one
    expect(pagePcd).toBeLessThanOrEqual(ownPcd);
    // The check can fail: the page's evaluations moved, CE by 2 samples, then PCD's last by more than the bound.
    const original = readFileSync(join(dir, 'run.json'), 'utf8');
    const tamper = (run: string, samples: number) => {
      const manifest = JSON.parse(original);
      const last = manifest.evaluations.filter((e: { run: string }) => e.run === run).at(-1);
      last.testAccuracy += samples / last.testCount;
      writeFileSync(join(dir, 'run.json'), JSON.stringify(manifest));
      return last.step as number;
    };
    const ceStep = tamper('ce', 2);
    expect(() => runReproduce(dir, ['--check'])).toThrow(`--check: seed 4, ce, step ${ceStep}: 2 test samples from the page's (at most 1 allowed)`);
    tamper('pcd', ownPcd + 40);
    expect(() => runReproduce(dir, ['--check'])).toThrow(
      /--check: PCD is \d+ test samples from the page's after its first near-tie, more than PyTorch's own/,
    );
  }, 600_000);

  it('reproduce.py checks a bundle from a stranger: each tampered field named, nothing written outside, no traceback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcd-export-'));
    folders.push(dir);
    await runExperiment(
      planExperiment(['--preset', 'tiny', '--seeds', '1', '--export-pytorch', dir, '--out', join(dir, 'r.json')]),
      'test',
      () => {},
    );
    const original = readFileSync(join(dir, 'run.json'), 'utf8');
    const python = pythonWithTorch();
    // run.json as plain JSON, edited field by field as a stranger would.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    type Manifest = any;
    const run = (edit: (m: Manifest) => void, args: string[] = []) => {
      const manifest = JSON.parse(original);
      edit(manifest);
      writeFileSync(join(dir, 'run.json'), JSON.stringify(manifest));
      const out = spawnSync(python, [join(dir, 'reproduce.py'), dir, ...args], { encoding: 'utf8', timeout: 300_000 });
      return { status: out.status, output: `${out.stdout}${out.stderr}` };
    };
    const refused = (edit: (m: Manifest) => void, message: RegExp, args: string[] = []) => {
      const { status, output } = run(edit, args);
      expect(status, output).toBe(1);
      expect(output).toMatch(message);
      expect(output).not.toContain('Traceback');
    };
    // A run id that climbs out of the folder --save-students names: refused before anything is written.
    const out = join(dir, 'deep', 'out');
    refused((m) => (m.runs[0].id = '../../escaped-run'), /runs\[0\]\.id is invalid: expected letters, digits, _ or -/, ['--save-students', out]);
    expect(existsSync(join(dir, 'escaped-run-seed1.pt'))).toBe(false);
    // A million stages grew to 8.9 GB of masks.
    refused(
      (m) => (m.runs.find((r: { id: string }) => r.id === 'pcd').method.stages = 1_000_000),
      /runs\[1\]\.method\.stages is invalid: expected a whole number from 1 to 10/,
    );
    refused((m) => (m.runs[1].method.temperature = 0), /runs\[1\]\.method\.temperature is invalid: expected a number from 0\.1 to 100/);
    // No seeds printed {} and passed --check.
    refused((m) => (m.seeds = []), /seeds is invalid: expected a list of at least one seed/, ['--check']);
    refused((m) => (m.seeds[0].order = '../x.npy'), /seeds\[0\]\.order is invalid: expected a \.npy file name in the bundle's folder/);
    // Hand-edited steps would train another run than the configuration's.
    refused((m) => (m.steps.total = 400), /steps is invalid: expected the configuration's 8 per epoch, 40 in all, batch 64/);
    // A label past the classes, NaN teacher logits.
    const labels = readNpyArray('y_train.npy', readFileSync(join(dir, 'y_train.npy'))).data as Int32Array;
    const bad = labels.slice();
    bad[3] = 100;
    writeFileSync(join(dir, 'y_train.npy'), npyBytes([bad.length], bad, '<i4'));
    refused(() => {}, /y_train\.npy: labels from 0 to 99 \(the 100 classes\), found 0 … 100/);
    writeFileSync(join(dir, 'y_train.npy'), npyBytes([labels.length], labels, '<i4'));
    const logits = readNpyArray('teacher_train.npy', readFileSync(join(dir, 'teacher_train.npy')));
    const nan = (logits.data as Float32Array).slice();
    nan[5] = NaN;
    writeFileSync(join(dir, 'teacher_train.npy'), npyBytes(logits.shape, nan));
    refused(() => {}, /teacher_train\.npy: every value finite, found NaN or infinity/);
  }, 600_000);

  it('replays the page’s live changes (lr, τ, α at their steps) in the runner and in reproduce.py', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcd-export-'));
    folders.push(dir);
    const flags = ['--preset', 'tiny', '--methods', 'ce,kd,dkd,pcd', '--seeds', '1,2'];
    const plain = await runExperiment(planExperiment([...flags, '--export-pytorch', dir, '--out', join(dir, 'r.json')]), 'test', () => {});
    // The bundle as the page writes it after two live changes: from step 12 τ 2 and α 2, from step 25 a lower rate.
    const manifest = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    manifest.liveChanges = [
      { fromStep: 12, change: { temperature: 2, alpha: 2 } },
      { fromStep: 25, change: { learningRate: 0.003 } },
    ];
    writeFileSync(join(dir, 'run.json'), JSON.stringify(manifest));
    const replayed = join(dir, 'replayed');
    const changed = await runExperiment(
      planExperiment(['--config', join(dir, 'run.json'), '--export-pytorch', replayed, '--out', join(dir, 'c.json')]),
      'test',
      () => {},
    );
    // The changes took effect (the runs differ from the plain ones) and travel on in the runner's own export.
    expect(changed.rows.map((r) => r.nonTargetKl)).not.toEqual(plain.rows.map((r) => r.nonTargetKl));
    expect(changed.rows.find((r) => r.method === 'ce' && r.seed === 1)!.testAccuracy).not.toBe(
      plain.rows.find((r) => r.method === 'ce' && r.seed === 1)!.testAccuracy,
    ); // the learning rate reaches CE too
    expect(parseManifest('run.json', readFileSync(join(replayed, 'run.json'), 'utf8')).liveChanges).toEqual(manifest.liveChanges);
    const { output, finals } = runReproduce(replayed, ['--check']);
    expect(output).toContain('step 12: changed live to {"temperature": 2, "alpha": 2}');
    for (const row of changed.rows)
      expect(Math.abs(finals[`${row.method}@${row.seed}`] - row.testAccuracy) * 4000, `${row.method}@${row.seed}\n${output}`).toBeLessThanOrEqual(1);
  }, 600_000);
});

// `npm run experiment -- … --export-pytorch DIR` for image and detection data, then the
// exported reproduce.py in PyTorch (CNN students, the digit scenes, torchrun, ImageFolder).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/reproduce/bundle';
import { npyBytes, readNpyArray } from '../../src/reproduce/npy';
import type { DetectionManifest } from '../../src/reproduce/detection-bundle';
import { grayPng } from '../../src/test-support/png';
import { spawnSync } from 'node:child_process';
import { pythonWithTorch, runReproduce, skipWithout } from '../../src/test-support/python';
import { planExperiment } from './experiment-args';
import { runExperiment } from './experiment-run';

const folders: string[] = [];
afterAll(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

// The timeouts guard against a hang, not a pace: with the machine loaded, one of these PyTorch
// round trips took over four minutes.
describe.skipIf(skipWithout('torch'))('the runner’s PyTorch export of images and scenes', () => {
  it('a CNN student trained in Node on WASM: reproduce.py rebuilds its conv layers and gives the runner’s accuracies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcd-export-'));
    folders.push(dir);
    const flags = [
      '--dataset',
      'mnist',
      '--student',
      'mnist-cnn-small',
      '--methods',
      'ce,kd,dkd,pcd',
      '--subset',
      '256',
      '--steps',
      '24',
      '--seeds',
      '1',
    ];
    const result = await runExperiment(planExperiment([...flags, '--export-pytorch', dir, '--out', join(dir, 'result.json')]), 'test', () => {});
    const manifest = parseManifest('run.json', readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(manifest.backend).toBe('wasm');
    expect(manifest.student.layers.map((l) => l.kind)).toEqual(['conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dense']);
    const { output, finals } = runReproduce(dir, ['--check']);
    expect(output).toMatch(/largest difference from the page: [01] test samples?/);
    for (const row of result.rows)
      expect(Math.abs(finals[row.method] - row.testAccuracy) * manifest.dataset.test.count, `${row.method}\n${output}`).toBeLessThanOrEqual(1);
    // Trained: every run left the 10% of chance behind (the export is of a real run, not of initial weights).
    for (const row of result.rows) expect(row.testAccuracy, row.method).toBeGreaterThan(0.3);
  }, 600_000);

  it('a detection race (the digit scenes): reproduce.py trains the same grid detectors on the same cells as the runner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcd-export-'));
    folders.push(dir);
    const flags = ['--preset', 'scenes', '--seeds', '1', '--subset', '128', '--steps', '24', '--eval-every', '10'];
    const result = await runExperiment(planExperiment([...flags, '--export-pytorch', dir, '--out', join(dir, 'result.json')]), 'test', () => {});
    expect(result.task).toBe('detection');
    const manifest = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as DetectionManifest;
    expect(manifest.task).toBe('detection');
    expect(manifest.student.layers.map((l) => l.kind)).toEqual([
      'conv2d',
      'maxpool2d',
      'conv2d',
      'maxpool2d',
      'conv2d',
      'maxpool2d',
      'conv2d',
      'conv2d',
    ]);
    const { output, finals } = runReproduce(dir, ['--check']);
    expect(Object.keys(finals).sort()).toEqual(['ce', 'dkd', 'kd', 'pcd']);
    for (const [run, apart] of Object.entries(finals as unknown as Record<string, { cellsDiffer: number; logitsApart: number }>)) {
      expect(apart.cellsDiffer, `${run}\n${output}`).toBeLessThanOrEqual(0.005);
      expect(apart.logitsApart, `${run}\n${output}`).toBeLessThan(0.02);
    }
    // A bundle whose teacher is not the one trained with (its logits tripled) fails the check: it can fail.
    const file = join(dir, 'teacher_cells_train.npy');
    const { shape, data } = readNpyArray(file, readFileSync(file));
    writeFileSync(
      file,
      npyBytes(
        shape,
        Float32Array.from(data, (v) => 3 * v),
      ),
    );
    expect(() => runReproduce(dir, ['--check'])).toThrow(/--check: .* test cells .* logits [\d.]+% apart/);
  }, 600_000);

  it('reproduce.py --data under torchrun: two gloo processes train what one does with twice their batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcd-export-'));
    folders.push(dir);
    await runExperiment(
      planExperiment(['--preset', 'tiny', '--methods', 'ce,kd,dkd,pcd', '--seeds', '1', '--export-pytorch', dir, '--out', join(dir, 'r.json')]),
      'test',
      () => {},
    );
    const python = pythonWithTorch();
    const last = (out: string) =>
      JSON.parse(
        out
          .trim()
          .split('\n')
          .at(-1)!
          .replace(/^\[default0\]:/, ''),
      ) as Record<string, number>;
    // The bundle holds x_train.npy, y_train.npy, x_test.npy, y_test.npy and teacher_train.npy: a --data folder.
    const one = spawnSync(python, [join(dir, 'reproduce.py'), dir, '--data', dir, '--epochs', '1', '--batch-size', '128'], { encoding: 'utf8' });
    expect(one.status, one.stderr).toBe(0);
    // --redirects 1 --tee 1: Debian's torch 1.13 on Python 3.11 fails on torchrun's default redirects ("0").
    const two = spawnSync(
      python,
      [
        '-m',
        'torch.distributed.run',
        '--nproc_per_node',
        '2',
        '--redirects',
        '1',
        '--tee',
        '1',
        join(dir, 'reproduce.py'),
        dir,
        '--data',
        dir,
        '--epochs',
        '1',
        '--batch-size',
        '64',
        '--gloo',
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    expect(two.status, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/epoch 1\/1 \(2 processes\)/);
    const single = last(one.stdout);
    expect(Object.keys(single)).toEqual(['ce', 'kd', 'dkd', 'pcd']);
    // Each step the two processes' batches are the single process's batch cut in two, and DDP averages their gradients.
    for (const [id, accuracy] of Object.entries(last(two.stdout))) expect(Math.abs(accuracy - single[id]) * 4000, id).toBeLessThanOrEqual(1);
  }, 600_000);

  it('reproduce.py --data takes an image folder (torchvision’s ImageFolder) and a torchvision student, and saves state_dicts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcd-export-'));
    folders.push(dir);
    await runExperiment(
      planExperiment(['--preset', 'tiny', '--methods', 'kd,pcd', '--seeds', '1', '--export-pytorch', dir, '--out', join(dir, 'r.json')]),
      'test',
      () => {},
    );
    // Three classes of 32 × 32 gray images, each class a different brightness; the teacher's logits know them.
    const images = join(dir, 'images');
    const logits: number[] = [];
    for (const [split, count] of [
      ['train', 8],
      ['test', 4],
    ] as const)
      for (const [c, name] of ['ant', 'bee', 'cat'].entries()) {
        mkdirSync(join(images, split, name), { recursive: true });
        for (let i = 0; i < count; i++) {
          writeFileSync(
            join(images, split, name, `${i}.png`),
            grayPng(
              32,
              32,
              Array.from({ length: 1024 }, (_, k) => (60 * c + 7 * i + k) % 256),
            ),
          );
          if (split === 'train') logits.push(...[0, 1, 2].map((k) => (k === c ? 3 : 0)));
        }
      }
    writeFileSync(join(images, 'teacher_train.npy'), npyBytes([24, 3], logits));
    const out = join(dir, 'students');
    const run = spawnSync(
      pythonWithTorch(),
      [
        join(dir, 'reproduce.py'),
        dir,
        '--data',
        images,
        '--epochs',
        '1',
        '--batch-size',
        '8',
        '--student',
        'torchvision:resnet18',
        '--save-students',
        out,
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^epoch 1\/1 \(1 process\): kd \d+\.\d\d%, pcd \d+\.\d\d%$/m);
    const finals = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    expect(Object.keys(finals)).toEqual(['kd', 'pcd']);
    for (const accuracy of Object.values(finals)) expect(accuracy * 12).toBeCloseTo(Math.round(accuracy * 12), 9); // a count of the 12 test images
    // Each student's state_dict loads into a fresh torchvision ResNet-18 of 3 classes.
    const load = spawnSync(
      pythonWithTorch(),
      [
        '-c',
        `import torch, torchvision, sys\nfor r in ("kd", "pcd"):\n    torchvision.models.resnet18(num_classes=3).load_state_dict(torch.load(f"{sys.argv[1]}/{r}.pt"))\nprint("loaded")`,
        out,
      ],
      { encoding: 'utf8' },
    );
    expect(load.stdout.trim(), load.stderr).toBe('loaded');
  }, 600_000);
});

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../worker/api';
import { runsOf } from '../app/store/config-state';
import { builtInDataset, loadDataset } from '../data/load';
import { loadTeacher } from '../models/teacher';
import { serveDirectory } from '../test-support/static-server';
import { selectBackend } from '../tf/backends';
import { DistillationTrainer, type ProbeSnapshot } from '../train/trainer';
import { CHAPTERS } from './chapters';
import { cueText, groupShares, type CueState } from './cues';

// Chapter 4's claims replayed on a real run of its configuration (the paper preset's PCD
// run, seed 1, Node's WASM backend): at step 0 the middle group of stage 3 holds the most
// loss on the probe batch, after the warm-up the group of the largest gaps does, and the cue
// says so in the words the chapter uses.
let site: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  await selectBackend(['wasm']);
  site = await serveDirectory('public');
});
afterAll(() => site.close());

describe('chapter 4 on a real run of its configuration', () => {
  it('the middle group holds the most loss at the start, the group of the largest gaps after the warm-up; the cue says it', async () => {
    const chapter = CHAPTERS[3];
    expect(chapter.cue).toBe('group-loss');
    const page = chapter.page!;
    const { config } = page;
    const run = runsOf(page).find((r) => r.id === 'pcd')!;
    const data = await loadDataset(builtInDataset(config.dataset), site.url);
    const { model: teacher } = await loadTeacher(builtInDataset(config.dataset), site.url, fetch, data);
    const trainer = new DistillationTrainer(config, [run], data, teacher);
    const warmEnd = Math.round(config.warmupShare * trainer.totalSteps);
    const probes: ProbeSnapshot[] = [await trainer.probeSnapshot()];
    while (trainer.currentStep < warmEnd + 10) await trainer.trainStep();
    probes.push(await trainer.probeSnapshot());
    trainer.dispose();
    teacher.dispose();
    const stages = run.method.method === 'pcd' ? run.method.stages : 0;
    const [start, warmed] = probes.map((p) => groupShares(p, stages, 3)!);
    expect(start.share[1]).toBe(Math.max(...start.share));
    expect(warmed.share[0]).toBe(Math.max(...warmed.share));
    expect(warmed.lambda[1]).toBeLessThan(start.lambda[1]);
    expect(warmed.lambda[2]).toBeLessThan(start.lambda[2]);
    const state = (upTo: number): CueState => ({ evaluations: [], probes: probes.slice(0, upTo), classNames: data.classNames, step: probes[upTo - 1].step, totalSteps: trainer.totalSteps, probeSample: 0, config, runs: ['pcd'], teacherAccuracy: null });
    expect(cueText('group-loss', state(1))).toMatch(/^At step 0, over the 8 probe samples, stage 3’s groups \(largest gaps first\) hold \d+% \/ \d+% \/ \d+% of its loss: the middle group holds the most, as before the student has learnt anything\./);
    expect(cueText('group-loss', state(2))).toMatch(new RegExp(`^At step ${warmEnd + 10}, .*: the group of the largest gaps holds the most, as once the student has the teacher’s broad shape\\. Since step 0, λ `));
  }, 60_000);
});

// Chapter 2's claims replayed on the recorded race (docs/results/preset-race.json: the race
// preset, 3 seeds, evaluated every epoch; its CE and KD runs are the chapter's own, same
// weights and batches). For the first epochs CE is ahead; then KD passes it for good, and CE
// levels off while it memorises its labels; the cue says each as the evaluations have it.
describe('chapter 2 on the recorded race', () => {
  const recorded = JSON.parse(readFileSync(new URL('../../docs/results/preset-race.json', import.meta.url), 'utf8')) as {
    curves: { seed: number; run: string; points: { step: number; testAccuracy: number; trainAccuracy: number; testLoss: number; trainLoss: number }[] }[];
  };
  const evaluationsOf = (seed: number, upToStep: number): EvaluationReport[] =>
    recorded.curves
      .filter((c) => c.seed === seed && (c.run === 'ce' || c.run === 'kd'))
      .flatMap((c) => c.points.filter((p) => p.step <= upToStep).map((p) => ({ id: c.run, testCount: 4000, perClassAccuracy: [], confusion: new Int32Array(0), teacherAgreement: null, nonTargetKl: null, nonTargetRankCorrelation: null, ...p })));
  const state = (evaluations: EvaluationReport[]): CueState => ({ evaluations, probes: [], classNames: [], step: 640, totalSteps: 640, probeSample: 0, config: CHAPTERS[1].page!.config, runs: ['ce', 'kd'], teacherAccuracy: null });

  it.each([1, 2, 3])('seed %i: CE ahead at first, then KD passes it for good and CE levels off', (seed) => {
    expect(CHAPTERS[1].cue).toBe('kd-passes-ce');
    expect(cueText('kd-passes-ce', state(evaluationsOf(seed, 16)))).toMatch(/^At step 16 CE is ahead: /);
    const end = cueText('kd-passes-ce', state(evaluationsOf(seed, 640)))!;
    expect(end).toMatch(/^KD has passed CE at step \d+ and stays ahead: \d+\.\d% against \d+\.\d% at step 640\. CE has levelled off \(.*\) while it gets 9\d\.\d% of its training samples right: it memorises its labels\.$/);
  });
});

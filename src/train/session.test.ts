import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_DEFAULTS } from '../distill/objective';
import { serveDirectory } from '../test-support/static-server';
import { selectBackend } from '../tf/backends';
import { ConfigError, defaultTrainerConfig } from './config';
import { TrainingSession } from './session';
import { EVALUATION_TEST_LIMIT, type ReportBatch } from './session-reports';
import type { RunSpec } from './reports';

let site: { url: string; close: () => Promise<void> };
// The session is the same code on every backend; these tests drive it on WASM, the fastest
// backend in Node (the teacher's logits for the 4,000 test samples: ~0.1 s against ~1.3 s on
// the pure-JS CPU backend), and recover from a lost device onto the CPU backend.
beforeAll(async () => {
  await selectBackend(['wasm']);
  site = await serveDirectory('public');
});
afterAll(() => site.close());

const runs: RunSpec[] = [
  { id: 'ce', method: METHOD_DEFAULTS.ce },
  { id: 'pcd', method: METHOD_DEFAULTS.pcd },
];
const config = (steps: number) => ({
  ...defaultTrainerConfig('synthetic100'),
  trainSubset: 512,
  batchSize: 64,
  budget: { unit: 'steps', amount: steps },
});

/**
 * A session whose steps are never cut into chunks: the page cuts a slow step by measured time,
 * which changes float rounding with the machine's load, and these tests compare steps bit for bit.
 */
const pinned = () => new TrainingSession(fetch, 'whole');

async function collect(session: TrainingSession): Promise<ReportBatch[]> {
  const batches: ReportBatch[] = [];
  await session.start((batch) => batches.push(batch));
  return batches;
}

describe('a training session (what the worker hosts)', () => {
  it('computes the teacher logits at configure, reporting progress chunk by chunk', async () => {
    const session = pinned();
    const progress: { what: string; done: number; total: number }[] = [];
    await session.configure(config(5), runs, site.url, (p) => progress.push(p));
    const cache = progress.filter((p) => p.what.includes('training samples'));
    const test = progress.filter((p) => p.what.includes('test samples'));
    expect(cache.map((p) => p.done)).toEqual([256, 512]);
    expect(cache.every((p) => p.total === 512)).toBe(true);
    expect(test.length).toBeGreaterThan(1);
    expect(test.at(-1)!.done).toBe(test.at(-1)!.total);
    expect(test.map((p) => p.done)).toEqual([...test.map((p) => p.done)].sort((a, b) => a - b));
    session.dispose();
  });

  it('a probe-only preparation skips the teacher on the test split; the first evaluation computes it then', async () => {
    const session = pinned();
    const progress: string[] = [];
    await session.configure(config(5), runs, site.url, (p) => progress.push(p.what), { testLogits: false });
    expect(progress.some((what) => what.includes('test samples'))).toBe(false);
    expect((await session.probe()).teacherProbabilities).not.toBeNull();
    const evaluations = await session.evaluate();
    expect(evaluations.find((e) => e.id === 'pcd')!.teacherAgreement).toBeGreaterThan(0);
    session.dispose();
  });

  it('a newer configure supersedes one that is still preparing, which stops at its next chunk', async () => {
    const session = pinned();
    const seen: string[] = [];
    const first = session.configure({ ...config(5), trainSubset: 4096 }, runs, site.url, (p) => seen.push(`first ${p.done}`));
    const second = session.configure(config(5), runs, site.url, (p) => seen.push(`second ${p.done}`));
    await expect(first).rejects.toThrow(/superseded by a newer configuration/);
    expect(await second).toMatchObject({ totalSteps: 5, trainCount: 512 });
    expect(seen.filter((s) => s.startsWith('first'))).toEqual([]); // stopped before its first chunk
    expect(seen.some((s) => s.startsWith('second'))).toBe(true);
    expect((await collect(session)).flatMap((b) => b.steps)).toHaveLength(5);
    session.dispose();
  });

  it('evaluates every curve point on the same test samples, and the whole split besides at the end', async () => {
    const session = pinned();
    await session.configure(config(16), runs, site.url);
    const batches = await collect(session);
    // Each evaluation is said before it starts (the steps wait for it), with the samples it will predict.
    const said = batches.map((b, i) => ({ i, evaluating: b.evaluating })).filter((b) => b.evaluating);
    expect(said.length).toBeGreaterThanOrEqual(2);
    // (its progress follows at the report rate, which a fast evaluation may finish within)
    expect(
      said.every(
        (b) => b.evaluating!.total === 0 || b.evaluating!.total === 2 * (EVALUATION_TEST_LIMIT + 512) || b.evaluating!.total === 2 * (4000 + 512),
      ),
    ).toBe(true);
    expect(batches.findIndex((b) => b.evaluating)).toBeLessThan(batches.findIndex((b) => b.evaluations.length));
    expect(batches.at(-1)!.evaluating).toBeUndefined();
    const evaluations = batches.flatMap((b) => b.evaluations);
    // One test set per curve: every point on the same first samples, the final one too; the
    // whole split comes besides at the end (from the same predictions: its first part is the curve's).
    expect(evaluations.map((e) => [e.id, e.step, e.testCount, e.whole?.testCount ?? null, e.trainCount])).toEqual([
      ['ce', 8, EVALUATION_TEST_LIMIT, null, 512],
      ['pcd', 8, EVALUATION_TEST_LIMIT, null, 512],
      ['ce', 16, EVALUATION_TEST_LIMIT, 4000, 512],
      ['pcd', 16, EVALUATION_TEST_LIMIT, 4000, 512],
    ]);
    for (const e of evaluations.slice(2)) {
      expect(e.correct).toHaveLength(EVALUATION_TEST_LIMIT);
      expect(e.whole!.correct).toHaveLength(4000);
      expect(Array.from(e.whole!.correct.subarray(0, EVALUATION_TEST_LIMIT))).toEqual(Array.from(e.correct));
      expect(e.testAccuracy).toBeCloseTo(e.correct.reduce((n, c) => n + c, 0) / EVALUATION_TEST_LIMIT, 12);
      expect(e.whole!.testAccuracy).toBeCloseTo(e.whole!.correct.reduce((n, c) => n + c, 0) / 4000, 12);
    }
    expect((await session.evaluate()).map((e) => [e.testCount, e.whole?.testCount])).toEqual([
      [EVALUATION_TEST_LIMIT, 4000],
      [EVALUATION_TEST_LIMIT, 4000],
    ]);
    session.dispose();
  });

  it('trains to the end of its budget with the committed teacher', async () => {
    const session = pinned();
    const info = await session.configure(config(5), runs, site.url);
    expect(info).toMatchObject({ totalSteps: 5, teacherTestAccuracy: expect.any(Number) });
    const batches = await collect(session);
    const steps = batches.flatMap((b) => b.steps);
    expect(steps.map((s) => s.step)).toEqual([0, 1, 2, 3, 4]);
    expect(session.state()).toBe('done');
    // Budget 5 steps of 8 per epoch: one evaluation, at the end, for every run.
    const evaluations = batches.flatMap((b) => b.evaluations);
    expect(evaluations.map((e) => [e.id, e.step])).toEqual([
      ['ce', 5],
      ['pcd', 5],
    ]);
    expect(evaluations[1].teacherAgreement).toBeGreaterThan(0);
    const probe = batches.findLast((b) => b.probe)!.probe!;
    expect(probe.step).toBe(5);
    expect(probe.runs.map((r) => r.id)).toEqual(['ce', 'pcd']);
    session.dispose();
  });

  it('pausing and resuming keeps the state: the same losses as a straight run', async () => {
    const straight = pinned();
    await straight.configure(config(6), runs, site.url);
    const expected = (await collect(straight)).flatMap((b) => b.steps);
    straight.dispose();

    const interrupted = pinned();
    await interrupted.configure(config(6), runs, site.url);
    const first = await interrupted.step();
    const second = await interrupted.step();
    const beforePause: ReportBatch[] = [];
    const running = interrupted.start((batch) => beforePause.push(batch));
    interrupted.pause();
    await running;
    expect(interrupted.state()).toBe('paused');
    const afterResume = await collect(interrupted);
    const all = [first, second, ...[...beforePause, ...afterResume].flatMap((b) => b.steps)];
    expect(all).toEqual(expected);
    interrupted.dispose();
  });

  it('a pause sent from another task (as the worker receives it) stops a running loop', async () => {
    const session = pinned();
    await session.configure(config(2000), runs, site.url);
    // Sent from a task of its own once the first report is out (no timer: whatever the machine's load).
    let sent = false;
    const batches: ReportBatch[] = [];
    await session.start((batch) => {
      batches.push(batch);
      if (!sent) setTimeout(() => session.pause(), 0);
      sent = true;
    });
    const steps = batches.flatMap((b) => b.steps);
    expect(session.state()).toBe('paused');
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.length).toBeLessThan(2000);
    session.dispose();
  });

  it('a configure that arrives while a probe is running waits for it (calls come as interleaved messages)', async () => {
    const session = pinned();
    await session.configure(config(4), runs, site.url);
    const probing = session.probe();
    const replacing = session.configure({ ...config(4), student: 'synthetic-mlp-tiny' }, runs, site.url);
    const [probe, info] = await Promise.all([probing, replacing]);
    expect(probe.runs.map((r) => r.id)).toEqual(['ce', 'pcd']);
    expect(info.totalSteps).toBe(4);
    expect((await session.step()).step).toBe(0);
    session.dispose();
  });

  it('refuses an invalid change, naming the field, and the run goes on as it was', async () => {
    const session = pinned();
    await session.configure(config(4), runs, site.url);
    const before = await session.step();
    await expect(session.configure({ ...config(4), batchSize: -3 }, runs, site.url)).rejects.toThrow(ConfigError);
    await expect(session.configure({ ...config(4), batchSize: -3 }, runs, site.url)).rejects.toThrow(/batchSize/);
    const after = await session.step();
    expect(after.step).toBe(before.step + 1);
    session.dispose();
  });

  it('pauses on a non-finite loss with a message naming the run, the step and the loss', async () => {
    const session = pinned();
    // SGD at the largest learning rate the schema allows still diverges: the NaN pause is still needed.
    const diverging = { ...config(50), optimizer: { kind: 'sgd', learningRate: 10, momentum: 0.9 } };
    await session.configure(diverging, runs, site.url);
    const batches = await collect(session);
    expect(session.state()).toBe('paused');
    expect(batches.at(-1)!.message).toMatch(/^paused: run (ce|pcd), step \d+: (the loss|loss term \w+) is (NaN|Infinity|-Infinity)$/);
    session.dispose();
  });

  it('configured again (the page’s Reset), it goes back to step 0 and the same first loss', async () => {
    const session = pinned();
    await session.configure(config(4), runs, site.url);
    const first = await session.step();
    await session.step();
    await session.configure(config(4), runs, site.url, undefined, { sameData: true });
    expect(await session.step()).toEqual(first);
    session.dispose();
  });

  it('refuses runs with bad methods, naming the run and the field', async () => {
    const session = pinned();
    const bad = [{ id: 'pcd', method: { ...METHOD_DEFAULTS.pcd, temperature: 0 } }];
    await expect(session.configure(config(4), bad, site.url)).rejects.toThrow(/runs\.pcd\.temperature/);
    const tooManyStages = [{ id: 'pcd', method: { ...METHOD_DEFAULTS.pcd, stages: 101 } }];
    await expect(session.configure(config(4), tooManyStages, site.url)).rejects.toThrow(/runs\.pcd\.stages: expected at most 10/);
    session.dispose();
  });

  it('changes the learning rate, τ and α mid-run without a reset; refuses a bad change and goes on', async () => {
    const plain = pinned();
    await plain.configure({ ...config(6), learningRateSchedule: 'constant' }, runs, site.url);
    const changed = pinned();
    await changed.configure({ ...config(6), learningRateSchedule: 'constant' }, runs, site.url);
    for (let i = 0; i < 2; i++) expect(await changed.step()).toEqual(await plain.step());
    // Checked by the schema Apply uses (live-change.ts), with its words and the field's path.
    expect(() => changed.change({ temperature: -1 })).toThrow(/temperature: expected at least 0\.1/);
    expect(() => changed.change({ learningRate: 1e308 })).toThrow(/optimizer\.learningRate: expected at most 10/);
    expect(() => changed.change({ alpha: Number.NaN })).toThrow(/alpha: expected a finite number/);
    expect(() => changed.change({ seed: 3 } as never)).toThrow(/seed: cannot change while a run trains/);
    changed.change({ learningRate: 0.01, temperature: 2, alpha: 0.5 });
    const [next, reference] = [await changed.step(), await plain.step()];
    expect(next.step).toBe(2);
    expect(next.learningRate).toBe(0.01);
    expect(next.runs[0].loss).toBe(reference.runs[0].loss); // CE: this step's loss comes before the new rate acts
    expect(next.runs[1].terms.pcd).not.toBe(reference.runs[1].terms.pcd); // PCD: new τ and α
    // Kept for the reproduction export: the settings it started with, and the change from step 2 on.
    const temperatures = (list: RunSpec[]) => list.map((r) => ('temperature' in r.method ? r.method.temperature : null));
    await changed.withLoaded(async ({ initial, changes, runs: now }) => {
      expect(temperatures(initial.runs)).toEqual(temperatures(runs));
      expect(temperatures(now)).toEqual(runs.map((r) => ('temperature' in r.method ? 2 : null)));
      expect(changes).toEqual([{ fromStep: 2, change: { learningRate: 0.01, temperature: 2, alpha: 0.5 } }]);
    });
    plain.dispose();
    changed.dispose();
  });

  it('a step cut into chunks (as the page cuts a slow one) trains the same run up to float rounding', async () => {
    const whole = pinned();
    await whole.configure(config(4), runs, site.url);
    const chunked = new TrainingSession(fetch, 24); // 64 samples a step: chunks of 24, 24 and 16
    await chunked.configure(config(4), runs, site.url);
    const [a, b] = [(await collect(whole)).flatMap((x) => x.steps), (await collect(chunked)).flatMap((x) => x.steps)];
    expect(b.map((s) => s.step)).toEqual(a.map((s) => s.step));
    a.forEach((step, i) =>
      step.runs.forEach((run, r) => {
        expect(b[i].runs[r].loss).toBeCloseTo(run.loss, 4);
      }),
    );
    whole.dispose();
    chunked.dispose();
  });

  it('a lost device pauses the run with a message; recover continues from the last good weights', async () => {
    const straight = pinned();
    await straight.configure(config(16), runs, site.url);
    const expected = (await collect(straight)).flatMap((b) => b.steps);
    straight.dispose();

    const session = pinned();
    await session.configure(config(16), runs, site.url);
    await session.step();
    await session.step();
    const before: ReportBatch[] = [];
    // The loop copies the state at its first step (step 2), then the device goes.
    await session.start((batch) => {
      before.push(batch);
      session.deviceLost('destroyed: test');
    });
    expect(session.state()).toBe('paused');
    expect(before.at(-1)!.message).toMatch(/^paused: the GPU device was lost \(destroyed: test\); recover .* \(step \d+\)$/);
    const reached = before.flatMap((b) => b.steps).at(-1)!.step + 1;
    const prepared: string[] = [];
    const recovery = await session.recover(['cpu'], (p) => prepared.push(p.what));
    // The teacher's logits are computed while recovering (as at configure), not inside the first step after it.
    expect(prepared.some((what) => what.includes('training samples'))).toBe(true);
    expect(recovery.backend.backend).toBe('cpu');
    expect(recovery.resumedAtStep).toBeGreaterThanOrEqual(2);
    expect(recovery.resumedAtStep + recovery.stepsLost).toBe(reached);
    const after = (await collect(session)).flatMap((b) => b.steps);
    // The same run, now on another backend: the same steps, losses equal up to the backends' float rounding.
    const rest = expected.slice(recovery.resumedAtStep);
    expect(after.map((s) => s.step)).toEqual(rest.map((s) => s.step));
    after.forEach((step, i) => step.runs.forEach((run, r) => expect(run.loss).toBeCloseTo(rest[i].runs[r].loss, 4)));
    expect(session.state()).toBe('done');
    session.dispose();
    await selectBackend(['wasm']);
  });

  it('stop ends a running session after its current step and frees every tensor', async () => {
    const tf = await import('@tensorflow/tfjs');
    const before = tf.memory().numTensors;
    const session = pinned();
    await session.configure(config(50), runs, site.url);
    const running = session.start(() => undefined);
    session.stop();
    await running;
    expect(session.state()).toBe('idle');
    await expect(session.step()).rejects.toThrow(/no session/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { runsOf } from '../config/page-config';
import { fromHash as fromHashWith, toHash } from '../config/link';
import { draftErrors } from '../app/store/session-store';
import { defaultTrainerConfig, parseTrainerConfig } from '../train/config';
import type { EvaluationReport, ProbeSnapshot } from '../worker/api';
import { CHAPTERS, chapterIndex, LESSON_CHARTS, LESSON_LINKS } from './chapters';
import { asOfStep, cueText, probabilityPercent, type CueState } from './cues';
import { runName } from '../config/palette';

/** A link read as the page reads it, with the lesson's chapters. */
const fromHash = (hash: string) => fromHashWith(hash, LESSON_LINKS);

describe('the lesson chapters', () => {
  it('has about six chapters, each with text, what to look for, and charts the page has', () => {
    expect(CHAPTERS.length).toBeGreaterThanOrEqual(6);
    for (const chapter of CHAPTERS) {
      expect(chapter.title.length).toBeGreaterThan(5);
      expect(chapter.paragraphs.length).toBeGreaterThan(0);
      expect(chapter.lookFor.length).toBeGreaterThan(20);
      expect(chapter.charts.length).toBeGreaterThan(0);
      for (const chart of chapter.charts) expect(LESSON_CHARTS).toContain(chart);
    }
  });

  it('trains only configurations the schema accepts (and their variants)', () => {
    for (const chapter of CHAPTERS) {
      for (const page of [chapter.page, ...chapter.variants.map((v) => v.page)]) {
        if (!page) continue;
        expect(draftErrors(page, null), chapter.title).toEqual({});
        expect(runsOf({ ...page, config: parseTrainerConfig(page.config, null) }).length).toBeGreaterThan(0);
      }
    }
  });

  it('CE against KD races KD against CE, long enough for KD to pass (640 steps, not the 5-epoch race)', () => {
    const chapter = CHAPTERS[1];
    expect(chapter.page!.config.method.method).toBe('kd');
    expect(chapter.page!.compare).toEqual(['ce']);
    expect(chapter.page!.config.budget).toEqual({ unit: 'epochs', amount: 40 });
  });

  it('reads #lesson=N (1-based), refuses what names no chapter, and writes it back', () => {
    expect(chapterIndex('1')).toBe(0);
    expect(chapterIndex(String(CHAPTERS.length))).toBe(CHAPTERS.length - 1);
    for (const bad of ['0', '99', '2.5', '-1', 'two', '']) expect(chapterIndex(bad)).toBeNull();
    const lecturer = fromHash('#lesson=2&hide=setup')!;
    expect(lecturer).toMatchObject({ lesson: 1, hide: ['setup'], hasConfig: false, notices: [] });
    expect(fromHash('#lesson=42')!.notices[0]).toMatch(/lesson = "42" is not a chapter 1–8/);
    const page = CHAPTERS[3].page!;
    const back = fromHash(toHash(page, { lesson: 3 }))!;
    expect(back.lesson).toBe(3);
    expect({ config: back.config, compare: back.compare }).toEqual(page);
    expect(toHash(page, { lesson: null })).not.toMatch(/lesson=/);
  });
});

function evaluation(id: string, step: number, testAccuracy: number): EvaluationReport {
  return {
    id,
    seed: 1,
    step,
    trainAccuracy: testAccuracy,
    trainLoss: 1,
    testCount: 1000,
    trainCount: 1000,
    testAccuracy,
    testLoss: 1,
    perClassAccuracy: [],
    confusion: new Int32Array(0),
    correct: new Uint8Array(0),
    teacherAgreement: null,
    nonTargetKl: null,
    nonTargetRankCorrelation: null,
  };
}

function state(partial: Partial<CueState>): CueState {
  return {
    evaluations: [],
    probes: [],
    classNames: ['zero', 'one', 'two', 'three'],
    step: 0,
    totalSteps: 640,
    probeSample: 0,
    config: defaultTrainerConfig('synthetic100'),
    runs: ['ce', 'kd'],
    teacherAccuracy: 0.9,
    ...partial,
  };
}

function probe(step: number, lambdas: number[], groupLosses: number[] = [0, 0, 0]): ProbeSnapshot {
  // 1 sample, 4 classes, PCD with S = 2 (G = 3 slots: stage 1's group, then stage 2's two).
  return {
    step,
    seed: 1,
    count: 1,
    classes: 4,
    labels: [3],
    teacherProbabilities: Float32Array.from([0.01, 0.2, 0.001, 0.789]),
    runs: [
      {
        id: 'pcd',
        probabilities: Float32Array.from([0.25, 0.25, 0.25, 0.25]),
        logitGaps: Float32Array.from([0.5, 2.5, 0.1, 1]),
        pcd: {
          ranks: Int32Array.from([2, 0, 3, 1]),
          stageGroups: new Int32Array(8),
          groupLosses: Float32Array.from(groupLosses),
          lambdas: Float32Array.from(lambdas),
        },
      },
    ],
  };
}

describe('live cues, from the reports', () => {
  it('says when KD has passed CE, and stays honest while CE leads', () => {
    expect(cueText('kd-passes-ce', state({}))).toBeNull();
    const early = [evaluation('ce', 16, 0.2), evaluation('kd', 16, 0.15), evaluation('ce', 32, 0.3), evaluation('kd', 32, 0.28)];
    expect(cueText('kd-passes-ce', state({ evaluations: early }))).toMatch(/^At step 32 CE is ahead: 30\.0% against KD’s 28\.0%/);
    const later = [...early, evaluation('ce', 48, 0.33), evaluation('kd', 48, 0.35), evaluation('ce', 64, 0.34), evaluation('kd', 64, 0.4)];
    expect(cueText('kd-passes-ce', state({ evaluations: later }))).toBe(
      'KD has passed CE at step 48 and stays ahead: 40.0% against 34.0% at step 64.',
    );
    // Ahead, behind, ahead again: the passing step is the start of the latest lead.
    const back = [...later, evaluation('ce', 80, 0.5), evaluation('kd', 80, 0.45), evaluation('ce', 96, 0.5), evaluation('kd', 96, 0.55)];
    expect(cueText('kd-passes-ce', state({ evaluations: back }))).toMatch(/passed CE at step 96/);
  });

  it('names the teacher’s runner-up and the class of the largest gap', () => {
    expect(cueText('runner-up', state({ probes: [probe(0, [0.1, 0.2, 0.3])] }))).toBe(
      'For probe sample #1 (true class “three”), at τ = 1.0 the teacher gives “three” 78.9% and its runner-up “one” 20.0%: the dark knowledge is in that second number and the ones below it.',
    );
    // At the slider's τ, in one format; and a teacher that is wrong on the sample says so.
    expect(cueText('runner-up', state({ probes: [probe(0, [0.1, 0.2, 0.3])], probeTemperature: 8 }))).toMatch(
      /^For probe sample #1 \(true class “three”\), at τ = 8\.0 the teacher gives “three” \d+\.\d% and its runner-up “one” \d+\.\d%/,
    );
    const wrong = { ...probe(0, [0.1, 0.2, 0.3]), labels: [1] };
    expect(cueText('runner-up', state({ probes: [wrong] }))).toMatch(
      /true class “one”\), .* The teacher is wrong on this sample: its favourite is not the true class \(it gives “one” 20\.0%\)\.$/,
    );
    expect(probabilityPercent(0.789)).toBe('78.9%');
    expect(probabilityPercent(0.0052)).toBe('0.52%');
    expect(probabilityPercent(3.1e-7)).toBe('3.1e-5%');
    expect(cueText('largest-gap', state({ probes: [probe(20, [0.1, 0.2, 0.3])] }))).toMatch(
      /step 20, .* furthest from the teacher on “one”: a logit gap of 2\.50, rank 1\.$/,
    );
  });

  it('checks chapter 3’s claim against the earliest snapshot: the gaps shrink and the order changes, or says they did not', () => {
    const withGaps = (step: number, gaps: number[]) => {
      const p = probe(step, [0.1, 0.2, 0.3]);
      return { ...p, runs: [{ ...p.runs[0], logitGaps: Float32Array.from(gaps) }] };
    };
    const start = withGaps(0, [3, 1, 2, 6]); // “three” first
    expect(cueText('largest-gap', state({ probes: [start, withGaps(50, [0.5, 2.5, 0.1, 1])] }))).toBe(
      'At step 50, for probe sample #1, the student is furthest from the teacher on “one”: a logit gap of 2.50, rank 1. Since step 0 the gaps have shrunk (mean 3.00 → 1.03) and the order has changed: the class ranked first then is now rank 2.',
    );
    expect(cueText('largest-gap', state({ probes: [start, withGaps(50, [3, 1, 2, 7])] }))).toMatch(
      / This time the gaps have not shrunk since step 0 \(mean 3\.00 → 3\.25\), but the order has not changed: the class ranked first then is still first\.$/,
    );
    expect(cueText('largest-gap', state({ probes: [start, withGaps(50, [1, 0.2, 0.1, 2])] }))).toMatch(
      /This time the gaps have shrunk since step 0 \(mean 3\.00 → 0\.83\), but the order has not changed/,
    );
  });

  it('says which group holds the loss and whether λ fell in each group, as the snapshots have it', () => {
    const base = defaultTrainerConfig('synthetic100');
    const config = { ...base, method: { ...base.method, stages: 2 } };
    expect(config.method.method).toBe('pcd');
    // Stage 2's slots are 1 and 2 (largest gaps, smallest gaps).
    const start = probe(0, [0, 0.2, 0.5], [9, 1, 3]);
    expect(cueText('group-loss', state({ config, probes: [start] }))).toBe(
      'At step 0, over the 1 probe samples, stage 2’s groups (largest gaps first) hold 25% / 75% of its loss: the group of the smallest gaps holds the most, as before the student has learnt anything. Train to see λ move.',
    );
    const later = probe(100, [0, 0.1, 0.1], [9, 3, 1]);
    expect(cueText('group-loss', state({ config, probes: [start, later] }))).toBe(
      'At step 100, over the 1 probe samples, stage 2’s groups (largest gaps first) hold 75% / 25% of its loss: the group of the largest gaps holds the most, as once the student has the teacher’s broad shape. Since step 0, λ fell in every group (0.200 → 0.100, 0.500 → 0.100): inside each, the student points more and more the teacher’s way.',
    );
    // Mid warm-up (640 steps: it ends at step 53) no group is expected: the order is flipping.
    expect(cueText('group-loss', state({ config, probes: [probe(40, [0, 0.2, 0.5], [9, 1, 3])] }))).toMatch(
      /the group of the smallest gaps holds the most; during the warm-up \(to step 53\) the most loss moves from the group of the smallest gaps to the group of the largest gaps\./,
    );
    // What contradicts the chapter is said, not hidden.
    const odd = probe(100, [0, 0.3, 0.1], [9, 1, 3]);
    expect(cueText('group-loss', state({ config, probes: [start, odd] }))).toBe(
      'At step 100, over the 1 probe samples, stage 2’s groups (largest gaps first) hold 25% / 75% of its loss: the group of the smallest gaps holds the most; this time not the group of the largest gaps, which holds the most after the warm-up over 1,000 test samples. Since step 0, λ of the group of the largest gaps rose (0.200 → 0.300, 0.500 → 0.100).',
    );
  });

  it('says which phase of a schedule trains, from the step', () => {
    const base = defaultTrainerConfig('synthetic100');
    const config = { ...base, schedule: { kind: 'bidirectional' as const } };
    // S = 3: phases 3, 2, 1, 1, 2, 3 of 640 / 6 steps each.
    expect(cueText('schedule-phase', state({ config, step: 0 }))).toBe('Step 0 of 640: phase 1 of 6 trains stage 3 alone.');
    expect(cueText('schedule-phase', state({ config, step: 330 }))).toBe('Step 330 of 640: phase 4 of 6 trains stage 1 alone.');
    expect(cueText('schedule-phase', state({ config: base }))).toMatch(/^Joint schedule/);
    // With the run's stage losses the cue checks the chapter's claim, and says when it does not hold.
    const steps = Array.from({ length: 330 }, (_, i) => i);
    const falling = (i: number, from: number) => 5 / (1 + Math.max(0, i - from) / 20);
    // Phase 1 (0–107, stage 3): all fall. Phase 2 (107–213, stage 2): L2 falls, L3 rises. Phase 3 (213–320, stage 1): L1 falls.
    const values = steps.map((i) =>
      i < 107 ? [falling(i, 0), falling(i, 0), falling(i, 0)] : i < 213 ? [1, falling(i, 107), 1 + (i - 107) / 50] : [falling(i, 213), 1, 2],
    );
    const upTo = (step: number, v = values) => ({ steps: steps.slice(0, step), values: v.slice(0, step) });
    expect(cueText('schedule-phase', state({ config, step: 60, stageLosses: upTo(60) }))).toMatch(
      /^Step 60 of 640: phase 1 of 6 trains stage 3 alone\. In this first phase every stage’s loss falls together \(L1 \d\.\d\d → \d\.\d\d, L2 .*, L3 .*\)\.$/,
    );
    expect(cueText('schedule-phase', state({ config, step: 200, stageLosses: upTo(200) }))).toMatch(
      /phase 2 of 6 trains stage 2 alone\. In this phase the stage that trains is the one whose loss falls: L2 \d\.\d\d → \d\.\d\d, while L3 \d\.\d\d → \d\.\d\d\.$/,
    );
    const flat = steps.map((i) => (i < 213 ? values[i] : [1 + (i - 213) / 100, 1, 2]));
    expect(cueText('schedule-phase', state({ config, step: 300, stageLosses: upTo(300, flat) }))).toMatch(
      /phase 3 of 6 trains stage 1 alone\. This time L1 did not fall in its own phase: L1 /,
    );
  });
});

describe('a cue and the history slider', () => {
  it('as of an earlier step, a cue reads only the reports up to it', () => {
    const base = defaultTrainerConfig('synthetic100');
    const config = { ...base, schedule: { kind: 'bidirectional' as const } };
    const steps = Array.from({ length: 330 }, (_, i) => i);
    const stageLosses = { steps, values: steps.map((i) => [5 - i / 100, 5, 5]) };
    const now = state({ config, step: 329, stageLosses, evaluations: [evaluation('ce', 100, 0.2), evaluation('ce', 300, 0.4)] });
    const then = asOfStep(now, 120);
    expect(then.step).toBe(120);
    expect(then.evaluations.map((e) => e.step)).toEqual([100]);
    expect(then.stageLosses!.steps.at(-1)).toBe(120);
    expect(then.stageLosses!.values).toHaveLength(121);
    // The schedule cue then speaks of step 120 (phase 2), not of the latest step (phase 4).
    expect(cueText('schedule-phase', then)).toMatch(/^Step 120 of 640: phase 2 of 6 trains stage 2 alone\./);
    expect(cueText('schedule-phase', now)).toMatch(/^Step 329 of 640: phase 4 of 6/);
  });
});

describe('chapter 6’s variants', () => {
  it('each is named as the page names its run, never as PCD itself', () => {
    const chapter = CHAPTERS.find((c) => c.variants.length)!;
    expect(chapter.variants.map((v) => v.label)).toEqual(['PCD as in the paper', 'PCD without ranking', 'PCD without λ', 'PCD without ranking or λ']);
    for (const variant of chapter.variants.slice(1)) expect(runName('pcd', variant.page.config.method)).toBe(variant.label);
    expect(runName('pcd', chapter.variants[0].page.config.method)).toBe('PCD');
    expect(runName('kd', chapter.variants[3].page.config.method)).toBe('KD');
  });
});

describe('the lesson formulas', () => {
  it("each typesets with KaTeX as MathML with no inline style (the site's CSP) and has a plain reading", () => {
    const formulas = CHAPTERS.flatMap((c) => c.formulas);
    expect(formulas.length).toBeGreaterThan(5);
    for (const { tex, says } of formulas) {
      const markup = katex.renderToString(tex, { output: 'mathml', displayMode: true, throwOnError: true });
      expect(markup, tex).toMatch(/^<span class="katex(-display)?"><(span class="katex"><)?math xmlns="http:\/\/www\.w3\.org\/1998\/Math\/MathML"/);
      expect(markup, tex).not.toMatch(/style=/);
      expect(says.length).toBeGreaterThan(5);
    }
  });
});

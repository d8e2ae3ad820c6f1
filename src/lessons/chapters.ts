// The lesson: a guided path through distillation and PCD, one chapter at a time. Each
// chapter says what to read, which configuration it trains, which charts it shows (the
// others are folded away, not gone), what to look for, and which live cue watches the
// reports for the thing to see. No React and no TF.js: the page imports it, and the unit
// tests check every chapter against the presets and the schema. The numbers quoted come
// from docs/results.md (3 seeds each), so the text says what the project measured.
import { METHOD_DEFAULTS } from '../distill/methods';
import { VIEW_CHARTS, type PageConfig, type ViewChart } from '../config/types';
import type { LessonLinks } from '../config/link';
import { PRESETS } from '../config/presets';
import { runName } from '../config/palette';

/** A chart a chapter can show: the playground's charts, and the lesson's own temperature view. */
export type LessonChart = ViewChart;

/** The charts in the order the page lays them out: the temperature view first. */
export const LESSON_CHARTS: readonly LessonChart[] = VIEW_CHARTS;

/** What a live cue watches (src/lessons/cues.ts computes each from the reports). */
export type CueId = 'runner-up' | 'kd-passes-ce' | 'largest-gap' | 'group-loss' | 'schedule-phase' | 'race-summary';

export interface Chapter {
  title: string;
  /** Plain paragraphs; any term of art is explained in the sentence that uses it. */
  paragraphs: string[];
  /** Typeset with KaTeX (as MathML) from `tex`; `says` is the plain reading (its accessible name, and the text until KaTeX has loaded). */
  formulas: { tex: string; says: string }[];
  /** The configuration the chapter trains; null keeps whatever is loaded (the last chapter). */
  page: PageConfig | null;
  charts: LessonChart[];
  lookFor: string;
  cue: CueId | null;
  /** The chart the cue talks about: where one column holds everything (a phone), the cue sits just above it. */
  cueBeside: LessonChart;
  /** `probe`: the chapter reads only the probe (nothing trains): its preparation skips the teacher's logits on the test split. */
  prepares?: 'probe';
  /** One-click variants of the chapter's configuration. */
  variants: { label: string; page: PageConfig }[];
}

function preset(id: string): PageConfig {
  const found = PRESETS.find((p) => p.id === id);
  if (!found) throw new Error(`lesson: no preset "${id}"`);
  return structuredClone(found.page);
}

const race = preset('race');
const paper = preset('paper');

/** PCD as the paper trains it, with the given parts switched, raced against CE and KD. */
function pcdVariant(change: { ranking?: boolean; adaptive?: boolean }): PageConfig {
  return { config: { ...paper.config, method: { ...METHOD_DEFAULTS.pcd, ...change } }, compare: ['ce', 'kd'] };
}

export const CHAPTERS: readonly Chapter[] = [
  {
    title: 'The teacher’s dark knowledge',
    paragraphs: [
      'A trained teacher does more than name the digit it sees. Its softmax gives every class a probability, and the wrong classes are not equally wrong: a 3 is closer to a 5 or an 8 than to a 1.',
      'Those small probabilities are what Hinton called dark knowledge. At temperature τ = 1 they are tiny, often below 1e-4, so a student copying them would barely feel them. Dividing the logits (the scores before the softmax) by a temperature τ > 1 softens the distribution and lifts them, without changing their order.',
      'This chapter needs no training (Play would train the race it loaded, which the next chapters use): the slider recomputes the teacher’s probabilities for the probe sample at once.',
    ],
    formulas: [
      {
        tex: String.raw`\mathrm{softmax}_\tau(z)_c = \frac{e^{z_c/\tau}}{\sum_j e^{z_j/\tau}}`,
        says: 'softmax_τ(z)_c = exp(z_c / τ) / Σ_j exp(z_j / τ)',
      },
    ],
    page: preset('mnist-few'),
    prepares: 'probe',
    charts: ['temperature', 'probabilities'],
    lookFor:
      'In “The teacher at temperature τ”, move τ from 1 to 8: the true class’s point falls, the runner-up classes rise by orders of magnitude, and their order stays the same. Pick other samples in the probe sample menu.',
    cue: 'runner-up',
    cueBeside: 'temperature',
    variants: [],
  },
  {
    title: 'CE against KD on few labels',
    paragraphs: [
      'Two students start from the same weights and see the same batches of 2,000 labelled samples from 100 classes. The CE student learns from the labels alone (cross-entropy: −log of the probability it gives the true class). The KD student also matches the teacher’s softened probabilities.',
      'The match is measured by the KL divergence, which is 0 when two distributions are equal and grows as they differ. The factor τ² keeps the gradient’s size comparable whatever the temperature.',
      'Over 40 epochs (640 steps), KD ended 7.4 ± 1.2 points above CE in the project’s measurements (3 seeds). Stopped after 5 epochs, the same race ends with CE ahead by about 4 points: a short demo teaches the opposite of the truth.',
    ],
    formulas: [
      {
        tex: String.raw`\mathrm{KD} = \tau^2 \cdot \mathrm{KL}\big(p^\tau_{\text{teacher}} \,\big\|\, p^\tau_{\text{student}}\big)`,
        says: 'KD = τ² · KL(p^τ_teacher ‖ p^τ_student)',
      },
      { tex: String.raw`p^\tau = \mathrm{softmax}_\tau(z)`, says: 'p^τ = softmax_τ(z)' },
      { tex: String.raw`\mathrm{KL}(p \,\|\, q) = \sum_c p_c \,(\log p_c - \log q_c)`, says: 'KL(p ‖ q) = Σ_c p_c · (log p_c − log q_c)' },
      { tex: String.raw`\text{loss} = 0.1 \cdot \mathrm{CE} + 0.9 \cdot \mathrm{KD}`, says: 'loss = 0.1 · CE + 0.9 · KD' },
    ],
    page: { config: { ...race.config, method: { ...METHOD_DEFAULTS.kd } }, compare: ['ce'] },
    charts: ['curves', 'summary'],
    lookFor:
      'In “Loss and accuracy”, test accuracy: for the first epochs CE is ahead (one label is an easier target than 100 probabilities). Then CE levels off while its train accuracy (dashed) climbs towards 100%: it memorises its 2,000 labels. KD keeps climbing.',
    cue: 'kd-passes-ce',
    cueBeside: 'curves',
    variants: [],
  },
  {
    title: 'Where the student is furthest from the teacher',
    paragraphs: [
      'PCD (Progressive Class-level Distillation) starts from a question KD does not ask: on which classes is the student furthest from the teacher?',
      'For every sample it ranks the classes by the logit gap, |teacher logit − student logit|, largest first. Rank 1 is the class the student gets most wrong relative to the teacher; PCD gives those classes the highest priority.',
    ],
    formulas: [
      {
        tex: String.raw`\text{gap}_c = \left|z^{\text{teacher}}_c - z^{\text{student}}_c\right|`,
        says: 'gap of class c = |teacher logit of c − student logit of c|',
      },
    ],
    page: paper,
    charts: ['ranking', 'probabilities'],
    lookFor:
      'In “Logit-gap ranking”, the bars on the left are the classes to fix first for this probe sample. Train past the warm-up (step 53): in a measured run every probe sample’s gaps fell to about a third of their size at step 0 or less, most of it in those first steps, and the order changed: of the ten classes ranked first at step 0, at most four still were. Switch to the batch average to see which classes stay hard.',
    cue: 'largest-gap',
    cueBeside: 'ranking',
    variants: [],
  },
  {
    title: 'PCD’s stages: groups of the ranking',
    paragraphs: [
      'Stage k cuts the ranked classes into k groups of near-equal size: stage 1 is one group holding every class (plain KD), stage 3 has a group of the largest gaps, one of the middle and one of the smallest.',
      'Inside each group the student’s softmax over the group’s classes is compared with the teacher’s, and the KL is weighted by λ = 1 − cos(p, q): near 0 when the two distributions point the same way, larger as they diverge.',
      'Which group weighs most changes as the student learns. Over 1,000 test samples of this configuration (3 seeds, measured with npm run groups), at step 0 the group of the largest gaps holds only 8–9% of stage 3’s loss, the middle group 63–64% and the smallest 28%. An untrained student’s logits are all near 0, so its largest gaps are the classes the teacher rules out most firmly; the teacher’s top class is in that group in 4% of samples, in the middle group in 53%. A softmax over a group sees only differences inside it, so a group of classes the teacher rules out alike has a flat distribution, as flat as the student’s: far-apart logits, little loss. The group holding the teacher’s favourite has a peaked distribution against the student’s flat one, and the most loss.',
      'By the end of the warm-up (step 53) the student has the teacher’s broad shape and the order flips: the group of the largest gaps holds 75–76% of stage 3’s loss and the smallest-gap group 1–2%, and so to the end (83–84% at step 640). Now the largest gaps are the classes the student still gets wrong, and PCD spends most on them.',
      'The paper sums every stage at every step, in two passes: fine to coarse (stages 3, 2, 1), then coarse to fine (1, 2, 3).',
    ],
    formulas: [
      { tex: String.raw`D_G = \lambda_G \cdot \tau^2 \cdot \mathrm{KL}(p_G \,\|\, q_G)`, says: 'D_G = λ_G · τ² · KL(p_G ‖ q_G)' },
      {
        tex: String.raw`\lambda_G = 1 - \frac{\langle p_G, q_G \rangle}{\lVert p_G \rVert \, \lVert q_G \rVert}`,
        says: 'λ_G = 1 − ⟨p_G, q_G⟩ / (‖p_G‖ · ‖q_G‖)',
      },
      { tex: String.raw`L_{\text{PCD}} = \sum_{\text{both passes}} \sum_k \sum_G D_G`, says: 'L_PCD = Σ over both passes of Σ_k Σ_G D_G' },
    ],
    page: paper,
    charts: ['groups', 'ranking'],
    lookFor:
      'In “Class groups of every stage”, each group shows the probe sample’s own D and λ and, in italics below, its share of the stage’s loss over all the probe samples: the numbers above are such shares (one sample can differ). Look at stage 3’s shares before you press Play: the middle group holds the most. Train past step 53 and compare: the group of the largest gaps takes over. Watch λ too: it falls in the middle and smallest groups from the start; in the group of the largest gaps it first rises a little (0.18 → 0.21 by step 53 in the measurement) as that group takes over, then falls.',
    cue: 'group-loss',
    cueBeside: 'groups',
    variants: [],
  },
  {
    title: 'Schedules: one stage at a time',
    paragraphs: [
      'This project can also train PCD one stage at a time (an extension, not the paper’s method): training is cut into phases, stages 3, 2, 1 then 1, 2, 3, and each phase uses that stage’s loss alone, doubled so its scale matches the joint loss (below, w(t) is the warm-up and k(t) the stage of the phase that step t falls in).',
      'Here the classes come in families of five that look alike, so the teacher’s low probabilities carry structure. In the project’s measurements the scheduled run did not beat the paper’s joint loss (63.9% against 64.3%, within the seeds’ spread).',
    ],
    formulas: [
      {
        tex: String.raw`\text{loss}_t = \mathrm{CE} + w(t) \cdot \alpha \cdot 2 \cdot L_{k(t)}`,
        says: 'scheduled: loss at step t = CE + warm-up w(t) · α · 2 · L of the stage k(t) that trains at step t',
      },
    ],
    page: preset('superclasses'),
    charts: ['schedule', 'curves'],
    lookFor:
      'In “Stage schedule”, the marker walks the phases and ▶ marks the stage that trains (the class groups, under “Other charts”, mark it too). Below, tick “log scale”: in the first phase every stage’s loss Lₖ falls together (from about 30 to under 2 in ~100 steps: the student is learning the teacher’s broad shape, whatever stage trains). After that the losses of the stages that do not train drift back up: in one measured run, during the stage-1 phases L1 kept falling while L2 and L3 climbed back (about 0.9 → 2.5 and 1.7 → 4.9), and the stage-2 and stage-3 phases brought them down again. Runs differ (a stage’s loss can stall in its own phase): the cue below says what yours does, phase by phase.',
    cue: 'schedule-phase',
    cueBeside: 'schedule',
    variants: [],
  },
  {
    title: 'What the parts are worth',
    paragraphs: [
      'The ablation in docs/results.md switches PCD’s parts off one at a time, 3 seeds each, 640 steps on 2,000 samples. PCD as in the paper reached 64.3 ± 0.4%: level with KD (64.7 ± 1.1%; KD ahead in 2 of 3 seeds, p = 0.41) and behind DKD (67.0 ± 0.7%, decoupled KD, which weighs the target class and the others separately) in all 3 seeds, by 2.7 ± 1.1 points; p = 0.05 (paired t-test): three seeds do not yet put that beyond noise.',
      'Switching the ranking off (groups in class order) gave 66.1 ± 0.3%; λ off, 66.5 ± 1.0%; both off, 68.3 ± 0.5%, the highest mean of the study (1.2 ± 1.2 points above DKD, p = 0.21: within noise). Each part switched off is ahead of PCD beyond noise (in every seed; p < 0.03, paired t-test, Holm-adjusted over the three): at this small scale, the parts PCD adds to grouped distillation cost accuracy; the paper reports larger students and longer training.',
    ],
    formulas: [],
    page: pcdVariant({}),
    charts: ['summary', 'curves'],
    lookFor: 'Run a variant with one click and compare where it ends with the numbers above; a single seed varies by about a point either way.',
    cue: 'race-summary',
    cueBeside: 'summary',
    variants: [
      // Each named as the summary, the legends and the cue name its run.
      ...[{}, { ranking: false }, { adaptive: false }, { ranking: false, adaptive: false }].map((change) => {
        const page = pcdVariant(change);
        return { label: Object.keys(change).length === 0 ? 'PCD as in the paper' : runName('pcd', page.config.method), page };
      }),
    ],
  },
  {
    title: 'Detection: when most of what a head sees is background',
    paragraphs: [
      'The paper also distils detectors. Here a small grid detector (4,079 parameters) finds 1–4 digits in 64 × 64 scenes: it cuts a scene into 8 × 8 cells of 8 pixels, and each cell gives 11 logits (the ten digits and background) and a box. The cell that holds a digit’s centre is that digit’s; every other cell is background, so about 62 of a scene’s 64 cells are background.',
      'The losses see what a detection head’s losses see in the field (DKD’s authors distil Faster R-CNN’s box head this way): every digit cell, and three background cells per digit drawn at random. CE, KD, DKD and PCD apply to those cells’ 11 logits, background included, so PCD ranks and groups 11 classes of which background is one; the boxes learn from the digit cells alone and are never distilled. DKD takes its authors’ detection settings (α = 1, β = 0.25, τ = 1).',
      'The race is scored on COCO AP: over IoU thresholds from 0.5 to 0.95, how precisely the ranked boxes find the digits. In docs/results.md, with 3 seeds and 600 steps on all 4,000 scenes, CE reached 19.4 ± 4.9 AP, DKD 17.5 ± 5.0 (within noise of CE), KD 8.5 ± 3.5 and PCD 9.3 ± 3.1 (behind CE in every seed; PCD’s p = 0.09 after Holm over the three comparisons with CE, so with 3 seeds not beyond noise): at this scale the teacher does not help. Their boxes are what suffers: on the digits’ own cells, KD’s and PCD’s boxes overlap the truth by a mean IoU of 0.64 and 0.62 against CE’s 0.72 (DKD 0.70), and AP@.75 falls more than AP@.5. The distillation terms, scaled by τ² and for PCD summed over stages and passes, outweigh the box loss in the layers the two share: our reading, not measured.',
    ],
    formulas: [
      {
        tex: String.raw`L = L_{\text{method}}(z^s, z^t) + \frac{1}{N} \sum_{\text{digits}} \ell_{\beta}(b^s - b^{*})`,
        says: 'loss = the method’s loss on the sampled cells’ logits (student z^s and teacher z^t) + the smooth-L1 box loss ℓ_β (β = 1/9) of the digit cells’ boxes, over the number of sampled cells N',
      },
    ],
    page: preset('scenes'),
    charts: ['summary', 'scenes', 'curves', 'groups'],
    lookFor:
      'In “Boxes on the probe scenes”, drag the history slider: at step 0 every cell scores every digit a little and the boxes pile up; the digits’ boxes sharpen within a few hundred steps. Pick a background probe cell and look at its class groups: background is one class among 11, usually the teacher’s top one. At the end, read the verdict on AP.',
    cue: 'race-summary',
    cueBeside: 'summary',
    variants: [],
  },
  {
    title: 'Your turn',
    paragraphs: [
      'Every chart is open again and the configuration is yours. Leave the lesson to change anything in the setup panel: the chapter’s configuration stays loaded.',
      'Things to try: set τ to 1 and watch KD’s gain shrink; pick the “Too short” preset and see CE win; pick “MNIST from 200 digits” (CE, KD and PCD on 200 real digits).',
    ],
    formulas: [],
    page: null,
    charts: [...LESSON_CHARTS],
    lookFor: 'Anything you like: every chart is shown.',
    cue: 'race-summary',
    cueBeside: 'summary',
    variants: [],
  },
];

/** `#lesson=N` is 1-based; null when N names no chapter. */
export function chapterIndex(value: string): number | null {
  if (!/^\d{1,3}$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 && n <= CHAPTERS.length ? n - 1 : null;
}

/** The chapters as a link reads them (`fromHash` in config/page-config.ts). */
export const LESSON_LINKS: LessonLinks = { count: CHAPTERS.length, indexOf: chapterIndex, pageOf: (index) => CHAPTERS[index].page };

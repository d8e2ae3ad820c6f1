// docs/perf.md from the benchmark records in docs/perf/ (`npm run perf:doc`). Every figure on
// that page is computed here from a record; the prose around the tables says what was
// measured and how, never a figure of its own.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const machine = z.object({
  cpu: z.string(),
  cores: z.number().int().positive(),
  memoryGiB: z.number(),
  os: z.string(),
  node: z.string(),
  chromium: z.string().nullable(),
  torch: z.string().nullable(),
});
const head = { bench: z.string(), command: z.string(), date: z.iso.datetime(), machine, loadAverage: z.array(z.number()).length(3).optional() };
const ms = z.number().nonnegative();
const dispatches = z.object({ kernels: z.number().int(), programs: z.number().int().nullable() });

const firstMinute = z.object({
  ...head,
  limitMs: z.number().positive(),
  seeds: z.number().int().positive(),
  toEnd: z.boolean(),
  rows: z.array(
    z.object({
      preset: z.string(),
      backend: z.string(),
      ready: ms.nullable(),
      firstStep: ms.nullable(),
      firstEvaluation: ms.nullable(),
      stepsAtFirstEvaluation: z.number().nullable(),
      longestTask: ms,
      pause: ms.nullable(),
      end: ms.nullable(),
    }),
  ),
});

const loss = z.object({
  ...head,
  config: z.object({
    batch: z.number(),
    classes: z.number(),
    stages: z.number(),
    samples: z.number(),
    callsPerSample: z.number(),
    warmupCalls: z.number(),
  }),
  results: z.array(
    z.object({
      where: z.string(),
      backend: z.string(),
      adapter: z.string().nullable(),
      timings: z.array(z.object({ loss: z.string(), msPerCall: ms, samplesMs: z.array(ms), dispatches })),
      liveChanges: z.array(z.object({ change: z.string(), firstMs: ms, nextMs: ms })).optional(),
      error: z.string().optional(),
    }),
  ),
});

const trainer = z.object({
  ...head,
  steps: z.number().int().positive(),
  batch: z.record(z.string(), z.number()),
  pytorch: z.string().nullable(),
  results: z.array(
    z.object({
      where: z.string(),
      backend: z.string(),
      adapter: z.string().nullable(),
      dataset: z.string(),
      student: z.string(),
      timings: z.array(
        z.object({
          method: z.string(),
          engine: z.string().optional(),
          msPerStep: ms,
          samplesMs: z.array(ms),
          dispatches,
          pytorch: z.object({ msPerStep: ms, samplesMs: z.array(ms) }).optional(),
        }),
      ),
      error: z.string().optional(),
    }),
  ),
});

const soak = z.object({
  ...head,
  minutes: z.number().positive(),
  every: z.number().positive(),
  backends: z.array(
    z.object({
      backend: z.string(),
      status: z.string().nullable(),
      samples: z.array(
        z.object({
          second: z.number(),
          step: z.number(),
          numTensors: z.number(),
          numBytes: z.number(),
          workerHeap: z.number().nullable(),
          pageHeap: z.number(),
        }),
      ),
      checks: z.array(z.object({ name: z.string(), growth: z.number(), bound: z.number(), ok: z.boolean() })),
    }),
  ),
});

/** Each record docs/perf.md is made of: its file in docs/perf/ and its schema. */
export const PERF_RECORDS = {
  'first-minute': firstMinute,
  'first-minute-to-end': firstMinute,
  loss,
  'trainer-node': trainer,
  'trainer-chromium': trainer,
  soak,
} as const;
export type RecordName = keyof typeof PERF_RECORDS;
export type PerfRecords = {
  'first-minute': z.infer<typeof firstMinute>;
  'first-minute-to-end': z.infer<typeof firstMinute>;
  loss: z.infer<typeof loss>;
  'trainer-node': z.infer<typeof trainer>;
  'trainer-chromium': z.infer<typeof trainer>;
  soak: z.infer<typeof soak>;
};

/** A record read from `file`, checked; an error names the file and the field that is wrong. */
export function parseRecord<N extends RecordName>(name: N, file: string, json: unknown): PerfRecords[N] {
  const parsed = PERF_RECORDS[name].safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join('.') || '(the record)'}: ${issue.message}`);
  }
  if ((parsed.data as { bench: string }).bench !== name)
    throw new Error(`${file}: bench: "${(parsed.data as { bench: string }).bench}" where "${name}" was expected`);
  return parsed.data as PerfRecords[N];
}

/** The records there are in `dir` (docs/perf/), each checked. */
export function readPerfRecords(dir: string): Partial<PerfRecords> {
  const records: Partial<Record<RecordName, unknown>> = {};
  for (const name of Object.keys(PERF_RECORDS) as RecordName[]) {
    const file = join(dir, `${name}.json`);
    if (existsSync(file)) records[name] = parseRecord(name, file, JSON.parse(readFileSync(file, 'utf8')));
  }
  return records as Partial<PerfRecords>;
}

// Number formats: a figure keeps the precision its spread supports, no more.
const group = (x: number, digits: number) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const fmtMs = (x: number) => (x < 10 ? group(x, 2) : x < 1000 ? group(x, 1) : group(x, 0));
const seconds = (x: number | null, limitMs: number) => (x === null ? `> ${group(limitMs / 1000, 0)}` : group(x / 1000, 1));
const ratio = (x: number) => `${group(x, x < 10 ? 2 : 1)}×`;
const mb = (bytes: number) => group(bytes / 2 ** 20, 1);
const day = (iso: string) => iso.slice(0, 10);
const table = (header: string[], rows: string[][]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function machineLine(m: z.infer<typeof machine>): string {
  const parts = [`${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB`, m.os, `Node ${m.node}`];
  if (m.chromium) parts.push(m.chromium.replace(/ built on .*/, ''));
  if (m.torch) parts.push(`torch ${m.torch}`);
  return parts.join('; ');
}

function machines(records: Partial<PerfRecords>): string {
  const rows = (Object.keys(PERF_RECORDS) as RecordName[])
    .filter((name) => records[name])
    .map((name) => {
      const r = records[name]!;
      const load = r.loadAverage ? r.loadAverage.map((x) => group(x, 1)).join(' / ') : 'not recorded';
      return [`[${name}](perf/${name}.json)`, day(r.date), `\`${r.command}\``, machineLine(r.machine), load];
    });
  return table(['record', 'measured', 'command', 'machine', 'load average at the end (1 / 5 / 15 min)'], rows);
}

function firstMinuteSection(r: PerfRecords['first-minute']): string {
  const last = r.toEnd ? 'Play → end of the budget (s)' : 'Pause honoured after (s)';
  // A page never ready within the limit was not played: nothing after "ready" was measured.
  const rows = r.rows.map((x) =>
    x.ready === null
      ? [x.backend, x.preset, seconds(null, r.limitMs), '–', '–', '–', '–']
      : [
          x.backend,
          x.preset,
          seconds(x.ready, r.limitMs),
          seconds(x.firstStep, r.limitMs),
          seconds(x.firstEvaluation, r.limitMs),
          group(x.longestTask, 0),
          seconds(r.toEnd ? x.end : x.pause, r.limitMs),
        ],
  );
  return table(
    ['backend', 'preset', 'open → ready (s)', 'Play → first step (s)', 'Play → first evaluation (s)', 'longest main-thread task (ms)', last],
    rows,
  );
}

function lossSection(r: PerfRecords['loss']): string {
  const measured = r.results.filter((x) => !x.error && x.timings.length);
  const where = (x: (typeof measured)[number]) => `${x.where.replace(/ \(headless\)/, '')}, ${x.backend}${x.adapter ? ` (${x.adapter})` : ''}`;
  const names = [...new Set(measured.flatMap((x) => x.timings.map((t) => t.loss)))];
  const cell = (x: (typeof measured)[number], name: string) => {
    const t = x.timings.find((y) => y.loss === name);
    const kd = x.timings.find((y) => y.loss === 'KD');
    if (!t || !kd) return '–';
    const launches = t.dispatches.programs === null ? `${t.dispatches.kernels}` : `${t.dispatches.kernels}, ${t.dispatches.programs}`;
    return `${fmtMs(t.msPerCall)} (${ratio(t.msPerCall / kd.msPerCall)}; ${launches})`;
  };
  const out = [
    table(
      ['loss', ...measured.map(where)],
      names.map((name) => [name, ...measured.map((x) => cell(x, name))]),
    ),
  ];
  const speedups = measured.flatMap((x) => {
    const fused = x.timings.find((t) => t.loss.startsWith('PCD (S='));
    const composed = x.timings.find((t) => t.loss === 'PCD composed (reference)');
    return fused && composed
      ? [{ backend: where(x), times: composed.msPerCall / fused.msPerCall, kernels: [fused.dispatches.kernels, composed.dispatches.kernels] }]
      : [];
  });
  if (speedups.length)
    out.push(
      `The fused PCD against the composed reference (the same loss as separate TF.js ops): ${speedups
        .map((s) => `${ratio(s.times)} faster on ${s.backend}, ${s.kernels[0]} TF.js kernels where the composed one launches ${s.kernels[1]}`)
        .join('; ')}.`,
    );
  const failed = r.results.filter((x) => x.error);
  for (const x of failed) out.push(`Not measured on ${x.backend}: ${x.error}.`);
  const live = r.results.filter((x) => x.liveChanges?.length);
  if (live.length) {
    const changes = [...new Set(live.flatMap((x) => x.liveChanges!.map((c) => c.change)))];
    out.push(
      "The fused PCD's first call after a live change (a slider, the scheduled stage, a partial batch) against the call after it, in ms: a shader compiled per value would show as a slow first call.",
      table(
        ['change', ...live.map((x) => `${where(x)}: first, next`)],
        changes.map((c) => [
          c,
          ...live.map((x) => {
            const t = x.liveChanges!.find((y) => y.change === c);
            return t ? `${fmtMs(t.firstMs)}, ${fmtMs(t.nextMs)}` : '–';
          }),
        ]),
      ),
    );
  }
  return out.join('\n\n');
}

const METHODS = ['ce', 'kd', 'dkd', 'pcd'] as const;
/** The step goals set for the fused kernels: a distillation method should cost little beyond the student's own step. */
export const STEP_GOALS = { pcdOverKd: 1.2, cachedKdOverCe: 1.15 } as const;

function trainerSection(r: PerfRecords['trainer-node']): string {
  const measured = r.results.filter((x) => !x.error && x.timings.length);
  const label = (x: (typeof measured)[number]) => `${x.where}, ${x.backend}${x.adapter ? ` (${x.adapter})` : ''}`;
  const of = (x: (typeof measured)[number], method: string) => x.timings.find((t) => t.method === method);
  const bold = (text: string, met: boolean) => (met ? `**${text}**` : text);
  const methodRows = measured.map((x) => {
    const [ce, kd, , pcd] = METHODS.map((m) => of(x, m));
    const cells = METHODS.map((m) => {
      const t = of(x, m);
      return t ? fmtMs(t.msPerStep) : '–';
    });
    const race = of(x, 'race');
    return [
      label(x),
      `${x.dataset}, ${x.student}, ${r.batch[x.dataset] ?? '?'}`,
      ...cells,
      race ? fmtMs(race.msPerStep) : '–',
      pcd && kd ? bold(ratio(pcd.msPerStep / kd.msPerStep), pcd.msPerStep / kd.msPerStep <= STEP_GOALS.pcdOverKd) : '–',
      kd && ce ? bold(ratio(kd.msPerStep / ce.msPerStep), kd.msPerStep / ce.msPerStep <= STEP_GOALS.cachedKdOverCe) : '–',
      pcd ? `${pcd.dispatches.kernels}${pcd.dispatches.programs === null ? '' : `, ${pcd.dispatches.programs}`}` : '–',
    ];
  });
  const out = [
    `Medians of ${r.steps} steps:`,
    table(
      [
        'where',
        'dataset, student, batch',
        'CE ms/step',
        'KD',
        'DKD',
        'PCD',
        'race of four',
        'PCD / KD',
        'cached KD / CE',
        'PCD step: kernels, GPU programs',
      ],
      methodRows,
    ),
    `Bold where a ratio meets its goal: PCD ≤ ${STEP_GOALS.pcdOverKd}× KD, and KD with the teacher's logits cached ≤ ${STEP_GOALS.cachedKdOverCe}× CE.`,
  ];
  const variants = measured.filter((x) => x.timings.some((t) => t.method.startsWith('race ×')));
  if (variants.length) {
    const names = [...new Set(variants.flatMap((x) => x.timings.filter((t) => t.method.startsWith('race ×')).map((t) => t.method)))];
    const launches = (d: z.infer<typeof dispatches>) => d.programs ?? d.kernels;
    out.push(
      "The race on several seeds: each variant's step time as a ratio to the race of four one run after the other, and its launches (GPU programs where there are, else TF.js kernels) as a ratio to one PCD run's. A CNN student loops whatever is asked.",
      table(
        ['where', 'dataset', ...names],
        variants.map((x) => {
          const race = of(x, 'race');
          const one = of(x, 'pcd');
          return [
            label(x),
            x.dataset,
            ...names.map((n) => {
              const t = of(x, n);
              return t && race && one
                ? `${fmtMs(t.msPerStep)} ms (${ratio(t.msPerStep / race.msPerStep)}; ${t.engine ?? '?'}, ${group(launches(t.dispatches), 0)} launches, ${ratio(launches(t.dispatches) / launches(one.dispatches))})`
                : '–';
            }),
          ];
        }),
      ),
    );
  }
  const beside = measured.filter((x) => x.timings.some((t) => t.pytorch));
  if (beside.length) {
    out.push(
      `Beside PyTorch: the same student, batch and methods in PyTorch on one CPU thread (\`scripts/bench-pytorch.py\`${r.pytorch ? `; ${r.pytorch}` : ''}), its steps timed alternately with the project's in the same run; ms per step and the project's time as a multiple of PyTorch's (below 1× the project is faster).`,
      table(
        ['where', 'dataset, student', ...METHODS.map((m) => m.toUpperCase()), 'race of four'],
        beside.map((x) => [
          label(x),
          `${x.dataset}, ${x.student}`,
          ...[...METHODS, 'race'].map((m) => {
            const t = of(x, m);
            return t?.pytorch ? `${fmtMs(t.msPerStep)} vs ${fmtMs(t.pytorch.msPerStep)}, ${ratio(t.msPerStep / t.pytorch.msPerStep)}` : '–';
          }),
        ]),
      ),
    );
  }
  for (const x of r.results.filter((y) => y.error)) out.push(`Not measured: ${x.where}, ${x.backend}, ${x.dataset}: ${x.error}.`);
  return out.join('\n\n');
}

function soakSection(r: PerfRecords['soak']): string {
  const rows = r.backends.map((b) => {
    const first = b.samples[0];
    const last = b.samples.at(-1);
    const span = (pick: (s: (typeof b.samples)[number]) => number | null, show: (x: number) => string) =>
      first && last && pick(first) !== null && pick(last) !== null ? `${show(pick(first)!)} → ${show(pick(last)!)}` : '–';
    const checks = b.checks.length
      ? b.checks
          .map(
            (c) =>
              `${c.name} ${c.name.includes('tensors') ? c.growth : `${mb(c.growth)} MB`} (${c.ok ? 'within' : '**over**'} ${c.name.includes('tensors') ? c.bound : `${mb(c.bound)} MB`})`,
          )
          .join(', ')
      : 'too few samples to judge';
    return [
      b.backend,
      last ? group(last.step, 0) : '–',
      span(
        (s) => s.numTensors,
        (x) => group(x, 0),
      ),
      span((s) => s.numBytes, mb),
      span((s) => s.workerHeap, mb),
      span((s) => s.pageHeap, mb),
      b.status ?? '–',
      checks,
    ];
  });
  return table(
    [
      'backend',
      `steps in ${group(r.minutes, 0)} min`,
      'worker tensors',
      'tensor MB',
      'worker heap MB',
      'page heap MB',
      'status at the end',
      'growth from the middle of the run to its end (bound)',
    ],
    rows,
  );
}

/** docs/perf.md, whole, from the records there are (a missing record leaves its section saying how to make it). */
export function renderPerfDoc(records: Partial<PerfRecords>): string {
  const missing = (name: RecordName, command: string) => `No record yet: run \`${command}\`, then \`npm run perf:doc -- --take ${name}\`.`;
  const section = <N extends RecordName>(name: N, command: string, render: (r: PerfRecords[N]) => string) =>
    records[name] ? render(records[name]!) : missing(name, command);
  return `${[
    '# Performance',
    '<!-- Generated by `npm run perf:doc` from docs/perf/*.json (scripts/lib/perf-doc.ts); edit those, not this page. -->',
    'Every figure on this page comes from a benchmark record in [`docs/perf/`](perf/): the JSON a benchmark writes to `bench-results/` when it runs, copied here by `npm run perf:doc -- --take <record>`, which then rewrites this page. A record names the command that measured it, the date and the machine. To measure again, run the command and take the record; a unit test fails when this page and the records disagree.',
    "Timings are medians, and the machines are shared: the same command moves from run to run, so compare figures within one record rather than across records. Where the machine has no GPU, Chromium's WebGPU and WebGL run on the CPU through SwiftShader: their times say little about a real GPU, where the number of launches per step (counted here with `tf.profile` and the backend's program runner) is what costs.",
    '## The records',
    machines(records),
    '## The first minute',
    "The production build in headless Chromium, every preset on every backend (`backend=` in the link): open → ready covers the worker, the backend, the dataset, the teacher (verified), the teacher's logits and the kernel warm-up; Play → first evaluation is the first epoch and its evaluation (the summary card's first sentence); then Pause, and how long the run took to stop. The longest main-thread task is over the whole page's life, its load and first render included. `>` is the limit reached, `–` not measured (a page not ready within the limit is not played).",
    section('first-minute', 'npm run first-minute', firstMinuteSection),
    '### To the end',
    "The same script with `--to-end`: Play → the end of the preset's budget.",
    section('first-minute-to-end', 'npm run first-minute -- --to-end', firstMinuteSection),
    '## Cost of the loss',
    `Forward and gradient of each loss alone on a batch of random logits${records.loss ? ` (B = ${records.loss.config.batch}, C = ${records.loss.config.classes}, S = ${records.loss.config.stages}; medians of ${records.loss.config.samples} samples of ${records.loss.config.callsPerSample} calls after ${records.loss.config.warmupCalls} warm-up calls)` : ''}: ms per call, the ratio to KD, and the launches (TF.js kernels; GPU programs after them where the backend has programs). PCD and KD run through one fused kernel per backend (\`src/kernels/\`); the composed references are the same losses written as separate TF.js ops.`,
    section('loss', 'npm run bench:loss', lossSection),
    '## A training step',
    `Whole training steps (forward, loss, backward, optimizer update, read-back) of one student per method, teacher logits cached, after 3 warm-up steps; "race of four" is CE, KD, DKD and PCD one run after the other on the same batch. Students are each dataset's default (on Node's pure-JS CPU backend, whose convolution gradients are naive loops, MNIST's MLP). \`npm run bench\` measures in Node, then in Chromium, and writes a record of each.`,
    '### In Node, beside PyTorch',
    section('trainer-node', 'npm run bench -- --where node', trainerSection),
    '### In headless Chromium',
    section('trainer-chromium', 'npm run bench -- --where chromium', trainerSection),
    '## Memory over a long run',
    `The race preset trained without end in headless Chromium, sampled${records.soak ? ` every ${group(records.soak.every, 0)} s` : ''} after a garbage collection: the worker's TF.js tensors (right after a step), and both JS heaps. The script fails when the second half of the run grows past its bounds.`,
    section('soak', 'npm run soak', soakSection),
  ].join('\n\n')}\n`;
}

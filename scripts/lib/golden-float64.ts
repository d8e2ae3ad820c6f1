// The golden values of docs/spec.md computed in float64 with plain loops, written from the
// spec alone: nothing here imports TF.js, the project's losses or its kernels. Gradients are
// exact (forward-mode dual numbers: one pass per student logit, since a sample's loss reads
// only its own row), not finite differences.

/** A value and its derivative along one direction (the student logit being differentiated). */
interface Dual {
  v: number;
  d: number;
}

const constant = (v: number): Dual => ({ v, d: 0 });
const add = (a: Dual, b: Dual): Dual => ({ v: a.v + b.v, d: a.d + b.d });
const sub = (a: Dual, b: Dual): Dual => ({ v: a.v - b.v, d: a.d - b.d });
const mul = (a: Dual, b: Dual): Dual => ({ v: a.v * b.v, d: a.d * b.v + a.v * b.d });
const div = (a: Dual, b: Dual): Dual => ({ v: a.v / b.v, d: (a.d * b.v - a.v * b.d) / (b.v * b.v) });
const scale = (a: Dual, s: number): Dual => ({ v: a.v * s, d: a.d * s });
const exp = (a: Dual): Dual => {
  const e = Math.exp(a.v);
  return { v: e, d: a.d * e };
};
const log = (a: Dual): Dual => ({ v: Math.log(a.v), d: a.d / a.v });
const sqrt = (a: Dual): Dual => {
  const r = Math.sqrt(a.v);
  return { v: r, d: a.d / (2 * r) };
};
const sum = (values: Dual[]): Dual => values.reduce(add, constant(0));

/** log softmax(z / τ) over the classes in `members` (the others take no part); entries outside are unused. */
function logSoftmax(z: Dual[], tau: number, members: number[]): Dual[] {
  const scaled = members.map((c) => scale(z[c], 1 / tau));
  // Shifting by a constant leaves a softmax unchanged: the shift needs no derivative.
  const shift = Math.max(...scaled.map((s) => s.v));
  const logSum = log(sum(scaled.map((s) => exp(sub(s, constant(shift))))));
  const out: Dual[] = new Array(z.length).fill(constant(Number.NaN));
  members.forEach((c, i) => (out[c] = sub(sub(scaled[i], constant(shift)), logSum)));
  return out;
}

/** KL(p ‖ q) = Σ p (log p − log q) over `members`, from log-probabilities. */
function kl(logP: Dual[], logQ: Dual[], members: number[]): Dual {
  return sum(members.map((c) => mul(exp(logP[c]), sub(logP[c], logQ[c]))));
}

/** (z − mean) / (std + 1e-7), std the unbiased one. */
function standardize(z: Dual[]): Dual[] {
  const n = z.length;
  const mean = scale(sum(z), 1 / n);
  const centred = z.map((v) => sub(v, mean));
  const std = sqrt(scale(sum(centred.map((c) => mul(c, c))), 1 / (n - 1)));
  const denominator = add(std, constant(1e-7));
  return centred.map((c) => div(c, denominator));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export interface PcdGoldenOptions {
  stages: number;
  tau: number;
  adaptive: boolean;
  standardize_logits: boolean;
  ranking: boolean;
  fine_to_coarse?: boolean;
  coarse_to_fine?: boolean;
}

/** Ranks of one sample: 0 for the largest gap |zt − zs|, ties to the lower class index; class order without ranking. */
export function ranksOf(teacher: number[], student: number[], ranking: boolean): number[] {
  const C = teacher.length;
  if (!ranking) return range(C);
  const gaps = range(C).map((c) => Math.abs(teacher[c] - student[c]));
  const order = range(C).sort((a, b) => gaps[b] - gaps[a] || a - b);
  const ranks = new Array<number>(C);
  order.forEach((c, r) => (ranks[c] = r));
  return ranks;
}

/** Stage k's group of each class: floor(rank · k / C). */
export const groupsOf = (ranks: number[], k: number): number[] => ranks.map((r) => Math.floor((r * k) / ranks.length));

/** Every per-sample term of one sample, as duals along the current direction. */
/** DKD's settings: the classification defaults (α = 1, β = 8, τ = 4), or detection's (α = 1, β = 0.25, τ = 1). */
export interface DkdGoldenOptions {
  alpha: number;
  beta: number;
  tau: number;
}

export const DKD_CLASSIFICATION: DkdGoldenOptions = { alpha: 1, beta: 8, tau: 4 };

function sampleTerms(zs: Dual[], teacher: number[], label: number, pcd: PcdGoldenOptions[], dkdOptions: DkdGoldenOptions) {
  const C = zs.length;
  const all = range(C);
  const zt = teacher.map(constant);
  const ce = scale(logSoftmax(zs, 1, all)[label], -1);

  const tauKd = 4;
  const kd = scale(kl(logSoftmax(zt, tauKd, all), logSoftmax(zs, tauKd, all), all), tauKd * tauKd);

  // DKD: the target / non-target split, then the non-target classes alone.
  const { alpha, beta, tau: tauDkd } = dkdOptions;
  const logP = logSoftmax(zt, tauDkd, all);
  const logQ = logSoftmax(zs, tauDkd, all);
  const pY = exp(logP[label]);
  const qY = exp(logQ[label]);
  const one = constant(1);
  const tckd = add(mul(pY, sub(log(pY), log(qY))), mul(sub(one, pY), sub(log(sub(one, pY)), log(sub(one, qY)))));
  const offTarget = (z: Dual[]) => z.map((v, c) => (c === label ? sub(v, constant(1000 * tauDkd)) : v));
  const nckd = kl(logSoftmax(offTarget(zt), tauDkd, all), logSoftmax(offTarget(zs), tauDkd, all), all);
  const dkd = scale(add(scale(tckd, alpha), scale(nckd, beta)), tauDkd * tauDkd);

  const pcdTerms = pcd.map((options) => {
    const s = options.standardize_logits ? standardize(zs) : zs;
    const t = options.standardize_logits ? standardize(zt) : zt;
    const ranks = ranksOf(
      t.map((x) => x.v),
      s.map((x) => x.v),
      options.ranking,
    );
    const stages = range(options.stages).map((i) => {
      const k = i + 1;
      const groups = groupsOf(ranks, k);
      const groupLosses = range(k).map((g) => {
        const members = all.filter((c) => groups[c] === g);
        const lp = logSoftmax(t, options.tau, members);
        const lq = logSoftmax(s, options.tau, members);
        const divergence = scale(kl(lp, lq, members), options.tau * options.tau);
        if (!options.adaptive) return divergence;
        const p = members.map((c) => exp(lp[c]));
        const q = members.map((c) => exp(lq[c]));
        const dot = sum(p.map((pc, i) => mul(pc, q[i])));
        const norms = mul(sqrt(sum(p.map((pc) => mul(pc, pc)))), sqrt(sum(q.map((qc) => mul(qc, qc)))));
        const lambda = sub(one, div(dot, norms));
        return mul(lambda, divergence);
      });
      return { groups, groupLosses, loss: sum(groupLosses) };
    });
    return { ranks, stages };
  });
  return { ce, kd, dkd, pcd: pcdTerms };
}

export interface GoldenInputs {
  studentLogits: number[][];
  teacherLogits: number[][];
  labels: number[];
}

/** The expected values of one case, in the golden file's format (docs/spec.md, "The golden file"). */
export function goldenCase(inputs: GoldenInputs, pcd: PcdGoldenOptions[], dkdOptions: DkdGoldenOptions = DKD_CLASSIFICATION) {
  const { studentLogits, teacherLogits, labels } = inputs;
  const B = studentLogits.length;
  const C = studentLogits[0].length;
  const zeros = () => studentLogits.map(() => new Array<number>(C).fill(0));
  const grads = { ce: zeros(), kd: zeros(), dkd: zeros(), pcd: pcd.map((o) => ({ joint: zeros(), stages: range(o.stages).map(zeros) })) };
  const values = { ce: 0, kd: 0, dkd: 0, pcd: pcd.map((o) => ({ stages: new Array<number>(o.stages).fill(0) })) };
  const perSample: ReturnType<typeof sampleTerms>[] = [];
  for (let b = 0; b < B; b++) {
    // One pass per student logit: its derivative is the gradient's entry; the values are read once.
    for (let j = 0; j < C; j++) {
      const zs = studentLogits[b].map((v, c) => ({ v, d: c === j ? 1 : 0 }));
      const terms = sampleTerms(zs, teacherLogits[b], labels[b], pcd, dkdOptions);
      grads.ce[b][j] = terms.ce.d / B;
      grads.kd[b][j] = terms.kd.d / B;
      grads.dkd[b][j] = terms.dkd.d / B;
      terms.pcd.forEach((entry, o) => {
        const passes = ((pcd[o].fine_to_coarse ?? true) ? 1 : 0) + ((pcd[o].coarse_to_fine ?? true) ? 1 : 0);
        entry.stages.forEach((stage, k) => {
          grads.pcd[o].stages[k][b][j] = stage.loss.d / B;
          grads.pcd[o].joint[b][j] += (passes * stage.loss.d) / B;
        });
      });
      if (j === 0) perSample.push(terms);
    }
    const terms = perSample[b];
    values.ce += terms.ce.v / B;
    values.kd += terms.kd.v / B;
    values.dkd += terms.dkd.v / B;
    terms.pcd.forEach((entry, o) => entry.stages.forEach((stage, k) => (values.pcd[o].stages[k] += stage.loss.v / B)));
  }
  return {
    studentLogits,
    teacherLogits,
    labels,
    ce: { loss: values.ce, grad: grads.ce },
    kd: { tau: 4, loss: values.kd, grad: grads.kd },
    dkd: { ...dkdOptions, loss: values.dkd, grad: grads.dkd },
    pcd: pcd.map((config, o) => {
      const passes = ((config.fine_to_coarse ?? true) ? 1 : 0) + ((config.coarse_to_fine ?? true) ? 1 : 0);
      return {
        config,
        ranks: perSample.map((t) => t.pcd[o].ranks),
        jointLoss: passes * values.pcd[o].stages.reduce((a, b) => a + b, 0),
        jointGrad: grads.pcd[o].joint,
        stages: Object.fromEntries(
          range(config.stages).map((k) => [
            String(k + 1),
            {
              loss: values.pcd[o].stages[k],
              grad: grads.pcd[o].stages[k],
              groups: perSample.map((t) => t.pcd[o].stages[k].groups),
              groupLoss: perSample.map((t) => t.pcd[o].stages[k].groupLosses.map((g) => g.v)),
            },
          ]),
        ),
      };
    }),
  };
}

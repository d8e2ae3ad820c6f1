// COCO box AP, ported from pycocotools' COCOeval (evaluate, accumulate, summarize) for
// iouType 'bbox' with its default parameters, operation for operation, so the numbers agree
// with the reference to the last bits (checked against pycocotools itself: coco-eval.test.ts).
// What COCOeval does that matters here, kept as it does it:
// - every image of the ground truth counts (one without boxes still takes false positives);
//   every category of its list counts (one never annotated gives no AP: −1, left out of means);
// - detections of an image and category are sorted by score, stable (equal scores keep their
//   order in the input), and cut to the largest maxDets (100);
// - a detection matches the unmatched ground-truth box of highest IoU at or above the
//   threshold, preferring boxes not ignored (crowd, or outside the area range);
// - precision is made monotone and read at 101 recall points (the first point at or past each);
// - a mean over cells that hold −1 leaves them out; all −1 gives −1.

export interface CocoImage {
  id: number;
}

export interface CocoCategory {
  id: number;
  name?: string;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height] */
  bbox: [number, number, number, number];
  area: number;
  iscrowd?: 0 | 1;
}

export interface CocoGroundTruth {
  images: CocoImage[];
  categories: CocoCategory[];
  annotations: CocoAnnotation[];
}

export interface CocoDetection {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}

/** numpy's linspace(start, stop, num): i · step + start, the last value exactly `stop`. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

export const IOU_THRESHOLDS = linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1);
export const RECALL_THRESHOLDS = linspace(0, 1, Math.round((1 - 0) / 0.01) + 1);
export const MAX_DETS = [1, 10, 100] as const;
const AREA_RANGES: [number, number][] = [
  [0, 1e5 ** 2],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e5 ** 2],
];
const AREA_LABELS = ['all', 'small', 'medium', 'large'] as const;

/** The names of `summarize()`'s twelve numbers, in its order. */
export const COCO_STAT_NAMES = [
  'AP@[.5:.95]',
  'AP@.5',
  'AP@.75',
  'AP small',
  'AP medium',
  'AP large',
  'AR@1',
  'AR@10',
  'AR@100',
  'AR small',
  'AR medium',
  'AR large',
] as const;

interface Box {
  id: number;
  bbox: [number, number, number, number];
  area: number;
  crowd: boolean;
  score: number;
}

interface ImageEvaluation {
  /** [T][D]: the matched ground truth's id, 0 for none. */
  dtMatches: number[][];
  dtScores: number[];
  gtIgnore: boolean[];
  /** [T][D] */
  dtIgnore: boolean[][];
}

/** maskApi's bbIou: IoU of two [x, y, width, height] boxes, a detection and a ground truth (a crowd box: over the detection's area). */
export function boxIou(d: Box['bbox'], g: Box['bbox'], crowd: boolean): number {
  const da = d[2] * d[3];
  const ga = g[2] * g[3];
  const w = Math.min(d[2] + d[0], g[2] + g[0]) - Math.max(d[0], g[0]);
  if (w <= 0) return 0;
  const h = Math.min(d[3] + d[1], g[3] + g[1]) - Math.max(d[1], g[1]);
  if (h <= 0) return 0;
  const i = w * h;
  const u = crowd ? da : da + ga - i;
  return i / u;
}

/** A stable sort's order of `values` (numpy's argsort, kind='mergesort'). */
function stableOrder(values: number[]): number[] {
  return values.map((_, i) => i).sort((a, b) => (values[a] < values[b] ? -1 : values[a] > values[b] ? 1 : a - b));
}

function evaluateImage(gts: Box[], dtsSorted: Box[], ious: number[][], range: [number, number], maxDet: number): ImageEvaluation | null {
  if (gts.length === 0 && dtsSorted.length === 0) return null;
  const gtIgnoreOf = gts.map((g) => g.crowd || g.area < range[0] || g.area > range[1]);
  const gtOrder = stableOrder(gtIgnoreOf.map((x) => (x ? 1 : 0)));
  const gt = gtOrder.map((i) => gts[i]);
  const gtIgnore = gtOrder.map((i) => gtIgnoreOf[i]);
  // Already sorted by score (stably): a second stable sort keeps the order.
  const dt = dtsSorted.slice(0, maxDet);
  const T = IOU_THRESHOLDS.length;
  const dtMatches = Array.from({ length: T }, () => new Array<number>(dt.length).fill(0));
  const gtMatches = Array.from({ length: T }, () => new Array<number>(gt.length).fill(0));
  const dtIgnore = Array.from({ length: T }, () => new Array<boolean>(dt.length).fill(false));
  if (ious.length > 0 && gt.length > 0) {
    for (let t = 0; t < T; t++)
      for (let d = 0; d < dt.length; d++) {
        let iou = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
        let m = -1;
        for (let g = 0; g < gt.length; g++) {
          if (gtMatches[t][g] > 0 && !gt[g].crowd) continue;
          if (m > -1 && !gtIgnore[m] && gtIgnore[g]) break;
          const value = ious[d][gtOrder[g]];
          if (value < iou) continue;
          iou = value;
          m = g;
        }
        if (m === -1) continue;
        dtIgnore[t][d] = gtIgnore[m];
        dtMatches[t][d] = gt[m].id;
        gtMatches[t][m] = dt[d].id;
      }
  }
  for (let t = 0; t < T; t++)
    for (let d = 0; d < dt.length; d++) {
      const outside = dt[d].area < range[0] || dt[d].area > range[1];
      dtIgnore[t][d] = dtIgnore[t][d] || (dtMatches[t][d] === 0 && outside);
    }
  return { dtMatches, dtScores: dt.map((d) => d.score), gtIgnore, dtIgnore };
}

export interface CocoEvaluation {
  /** summarize()'s twelve numbers (COCO_STAT_NAMES), −1 where nothing could be measured. */
  stats: number[];
  /** Each category's AP@[.5:.95] (area all, 100 detections), −1 where it has no ground truth. */
  perCategory: { categoryId: number; ap: number }[];
}

/** The mean of the cells of `values` above −1, or −1 when none is. */
function meanOfMeasured(values: number[]): number {
  const kept = values.filter((v) => v > -1);
  return kept.length === 0 ? -1 : kept.reduce((a, b) => a + b, 0) / kept.length;
}

/** COCOeval(gt, gt.loadRes(detections), 'bbox'): evaluate(), accumulate(), summarize(). */
export function cocoEvaluate(groundTruth: CocoGroundTruth, detections: CocoDetection[]): CocoEvaluation {
  const imageIds = [...new Set(groundTruth.images.map((i) => i.id))].sort((a, b) => a - b);
  const categoryIds = [...new Set(groundTruth.categories.map((c) => c.id))].sort((a, b) => a - b);
  const known = new Set(imageIds);
  for (const d of detections) if (!known.has(d.image_id)) throw new Error(`detections: image_id ${d.image_id} is not an image of the ground truth`);
  const key = (image: number, category: number) => `${image}/${category}`;
  const gtsOf = new Map<string, Box[]>();
  const dtsOf = new Map<string, Box[]>();
  const push = (map: Map<string, Box[]>, k: string, box: Box) => {
    const list = map.get(k);
    if (list) list.push(box);
    else map.set(k, [box]);
  };
  for (const a of groundTruth.annotations)
    push(gtsOf, key(a.image_id, a.category_id), { id: a.id, bbox: a.bbox, area: a.area, crowd: a.iscrowd === 1, score: 0 });
  // loadRes: ids 1, 2, … in the given order; area = width · height.
  detections.forEach((d, i) =>
    push(dtsOf, key(d.image_id, d.category_id), { id: i + 1, bbox: d.bbox, area: d.bbox[2] * d.bbox[3], crowd: false, score: d.score }),
  );

  const maxDet = MAX_DETS[MAX_DETS.length - 1];
  // evalImgs in COCOeval's order: category, area range, image.
  const evalImgs: (ImageEvaluation | null)[] = [];
  const prepared = new Map<string, { gts: Box[]; dts: Box[]; ious: number[][] }>();
  for (const c of categoryIds)
    for (const i of imageIds) {
      const gts = gtsOf.get(key(i, c)) ?? [];
      const all = dtsOf.get(key(i, c)) ?? [];
      const dts = stableOrder(all.map((d) => -d.score))
        .map((j) => all[j])
        .slice(0, maxDet);
      const ious = gts.length === 0 && dts.length === 0 ? [] : dts.map((d) => gts.map((g) => boxIou(d.bbox, g.bbox, g.crowd)));
      prepared.set(key(i, c), { gts, dts, ious });
    }
  for (const c of categoryIds)
    for (const range of AREA_RANGES)
      for (const i of imageIds) {
        const { gts, dts, ious } = prepared.get(key(i, c))!;
        evalImgs.push(evaluateImage(gts, dts, ious, range, maxDet));
      }

  // accumulate(): precision [T][R][K][A][M] and recall [T][K][A][M], −1 where unmeasured.
  const [T, R, K, A, M] = [IOU_THRESHOLDS.length, RECALL_THRESHOLDS.length, categoryIds.length, AREA_RANGES.length, MAX_DETS.length];
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const pAt = (t: number, r: number, k: number, a: number, m: number) => (((t * R + r) * K + k) * A + a) * M + m;
  const rAt = (t: number, k: number, a: number, m: number) => ((t * K + k) * A + a) * M + m;
  const I = imageIds.length;
  for (let k = 0; k < K; k++)
    for (let a = 0; a < A; a++)
      for (let m = 0; m < M; m++) {
        const maxDets = MAX_DETS[m];
        const E = evalImgs.slice(k * A * I + a * I, k * A * I + a * I + I).filter((e): e is ImageEvaluation => e !== null);
        if (E.length === 0) continue;
        const scores = E.flatMap((e) => e.dtScores.slice(0, maxDets));
        const order = stableOrder(scores.map((s) => -s));
        const sortedScores = order.map((j) => scores[j]);
        const matches = Array.from({ length: T }, (_, t) => {
          const row = E.flatMap((e) => e.dtMatches[t].slice(0, maxDets));
          return order.map((j) => row[j]);
        });
        const ignores = Array.from({ length: T }, (_, t) => {
          const row = E.flatMap((e) => e.dtIgnore[t].slice(0, maxDets));
          return order.map((j) => row[j]);
        });
        const npig = E.reduce((n, e) => n + e.gtIgnore.filter((g) => !g).length, 0);
        if (npig === 0) continue;
        for (let t = 0; t < T; t++) {
          const nd = sortedScores.length;
          const rc = new Float64Array(nd);
          const pr = new Array<number>(nd);
          let tp = 0;
          let fp = 0;
          for (let d = 0; d < nd; d++) {
            const matched = matches[t][d] !== 0;
            if (!ignores[t][d]) {
              if (matched) tp++;
              else fp++;
            }
            rc[d] = tp / npig;
            pr[d] = tp / (fp + tp + Number.EPSILON);
          }
          recall[rAt(t, k, a, m)] = nd ? rc[nd - 1] : 0;
          for (let d = nd - 1; d > 0; d--) if (pr[d] > pr[d - 1]) pr[d - 1] = pr[d];
          // searchsorted(rc, recThrs, 'left'): the first detection whose recall reaches the point; none: 0 from there on.
          let d = 0;
          for (let r = 0; r < R; r++) {
            while (d < nd && rc[d] < RECALL_THRESHOLDS[r]) d++;
            if (d >= nd) {
              for (let rest = r; rest < R; rest++) precision[pAt(t, rest, k, a, m)] = 0;
              break;
            }
            precision[pAt(t, r, k, a, m)] = pr[d];
          }
        }
      }

  // summarize()
  const areaIndex = (label: (typeof AREA_LABELS)[number]) => AREA_LABELS.indexOf(label);
  const maxDetIndex = (n: number) => MAX_DETS.indexOf(n as (typeof MAX_DETS)[number]);
  const summarize = (
    ap: boolean,
    iouThreshold: number | null,
    area: (typeof AREA_LABELS)[number],
    maxDets: number,
    k: number | null = null,
  ): number => {
    const a = areaIndex(area);
    const m = maxDetIndex(maxDets);
    const ts = iouThreshold === null ? IOU_THRESHOLDS.map((_, t) => t) : IOU_THRESHOLDS.flatMap((v, t) => (v === iouThreshold ? [t] : []));
    const ks = k === null ? categoryIds.map((_, i) => i) : [k];
    const values: number[] = [];
    for (const t of ts)
      if (ap) {
        for (let r = 0; r < R; r++) for (const kk of ks) values.push(precision[pAt(t, r, kk, a, m)]);
      } else {
        for (const kk of ks) values.push(recall[rAt(t, kk, a, m)]);
      }
    return meanOfMeasured(values);
  };
  const stats = [
    summarize(true, null, 'all', 100),
    summarize(true, 0.5, 'all', 100),
    summarize(true, 0.75, 'all', 100),
    summarize(true, null, 'small', 100),
    summarize(true, null, 'medium', 100),
    summarize(true, null, 'large', 100),
    summarize(false, null, 'all', 1),
    summarize(false, null, 'all', 10),
    summarize(false, null, 'all', 100),
    summarize(false, null, 'small', 100),
    summarize(false, null, 'medium', 100),
    summarize(false, null, 'large', 100),
  ];
  const perCategory = categoryIds.map((categoryId, k) => ({ categoryId, ap: summarize(true, null, 'all', 100, k) }));
  return { stats, perCategory };
}

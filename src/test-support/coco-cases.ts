// Ground truth and detections in COCO format for checking the AP port against pycocotools:
// the hard cases by hand (no detections, scenes without ground truth, duplicates, equal
// scores, IoU exactly on the thresholds, crowd boxes, every area range, more than 100
// detections in an image, a category never annotated) and seeded random scenes.
import { SeededRandom } from '../data/random';
import type { CocoAnnotation, CocoDetection, CocoGroundTruth } from '../detect/coco-eval';

export interface CocoCase {
  name: string;
  groundTruth: CocoGroundTruth;
  detections: CocoDetection[];
}

type Bbox = [number, number, number, number];

function groundTruth(images: number, categories: number, boxes: { image: number; category: number; bbox: Bbox; crowd?: boolean }[]): CocoGroundTruth {
  return {
    images: Array.from({ length: images }, (_, i) => ({ id: i + 1 })),
    categories: Array.from({ length: categories }, (_, i) => ({ id: i + 1, name: `c${i + 1}` })),
    annotations: boxes.map((b, i): CocoAnnotation => ({
      id: i + 1,
      image_id: b.image,
      category_id: b.category,
      bbox: b.bbox,
      area: b.bbox[2] * b.bbox[3],
      iscrowd: b.crowd ? 1 : 0,
    })),
  };
}

const det = (image: number, category: number, bbox: Bbox, score: number): CocoDetection => ({ image_id: image, category_id: category, bbox, score });

export function hardCocoCases(): CocoCase[] {
  const two = groundTruth(3, 2, [
    { image: 1, category: 1, bbox: [0, 0, 10, 10] },
    { image: 1, category: 2, bbox: [20, 20, 8, 8] },
    { image: 2, category: 1, bbox: [5, 5, 20, 20] },
  ]);
  const many = new SeededRandom(7);
  return [
    { name: 'no detections at all', groundTruth: two, detections: [] },
    {
      name: 'detections in a scene without ground truth, and none where there is',
      groundTruth: two,
      detections: [det(3, 1, [0, 0, 10, 10], 0.9), det(3, 2, [1, 1, 5, 5], 0.4)],
    },
    {
      name: 'duplicates: the same box twice, and two boxes on one ground truth',
      groundTruth: two,
      detections: [det(1, 1, [0, 0, 10, 10], 0.8), det(1, 1, [0, 0, 10, 10], 0.8), det(1, 1, [1, 0, 10, 10], 0.95), det(2, 1, [5, 5, 20, 20], 0.3)],
    },
    {
      name: 'equal scores across images and categories (the stable order decides)',
      groundTruth: two,
      detections: [
        det(2, 1, [6, 5, 20, 20], 0.5),
        det(1, 1, [30, 30, 5, 5], 0.5),
        det(1, 1, [0, 0, 10, 10], 0.5),
        det(1, 2, [20, 20, 8, 8], 0.5),
        det(1, 2, [0, 0, 8, 8], 0.5),
      ],
    },
    {
      // IoU 0.5, 0.75, 0.95 exactly (halves and quarters of a 10 × 10 box), and just under 0.5.
      name: 'boxes exactly on the IoU thresholds',
      groundTruth: groundTruth(4, 1, [
        { image: 1, category: 1, bbox: [0, 0, 10, 10] },
        { image: 2, category: 1, bbox: [0, 0, 10, 10] },
        { image: 3, category: 1, bbox: [0, 0, 10, 10] },
        { image: 4, category: 1, bbox: [0, 0, 10, 10] },
      ]),
      detections: [det(1, 1, [0, 0, 10, 5], 0.9), det(2, 1, [0, 0, 10, 7.5], 0.8), det(3, 1, [0, 0, 10, 9.5], 0.7), det(4, 1, [0, 0, 10, 4.99], 0.6)],
    },
    {
      name: 'a crowd box: several detections may match it and are ignored, not false',
      groundTruth: groundTruth(1, 1, [
        { image: 1, category: 1, bbox: [0, 0, 40, 40], crowd: true },
        { image: 1, category: 1, bbox: [50, 50, 10, 10] },
      ]),
      detections: [
        det(1, 1, [0, 0, 20, 20], 0.9),
        det(1, 1, [20, 20, 20, 20], 0.8),
        det(1, 1, [50, 50, 10, 10], 0.7),
        det(1, 1, [70, 0, 10, 10], 0.6),
      ],
    },
    {
      name: 'small, medium and large boxes (area ranges), detections outside a range',
      groundTruth: groundTruth(2, 2, [
        { image: 1, category: 1, bbox: [0, 0, 20, 20] },
        { image: 1, category: 1, bbox: [100, 100, 60, 60] },
        { image: 1, category: 2, bbox: [0, 200, 120, 120] },
        { image: 2, category: 1, bbox: [0, 0, 32, 32] },
      ]),
      detections: [
        det(1, 1, [1, 1, 20, 20], 0.9),
        det(1, 1, [100, 100, 50, 60], 0.85),
        det(1, 1, [300, 300, 100, 100], 0.8),
        det(1, 2, [0, 200, 110, 120], 0.7),
        det(2, 1, [0, 0, 32, 31], 0.6),
        det(2, 1, [40, 40, 5, 5], 0.5),
      ],
    },
    {
      name: 'more than 100 detections in one image (cut at maxDets)',
      groundTruth: groundTruth(1, 1, [
        { image: 1, category: 1, bbox: [0, 0, 10, 10] },
        { image: 1, category: 1, bbox: [50, 50, 10, 10] },
      ]),
      detections: Array.from({ length: 130 }, (_, i) =>
        det(1, 1, i === 120 ? [50, 50, 10, 10] : [many.next() * 90, many.next() * 90, 10, 10], i === 120 ? 0.001 : 0.1 + many.next() * 0.9),
      ),
    },
    {
      name: 'a category never annotated, detected anyway',
      groundTruth: groundTruth(2, 3, [
        { image: 1, category: 1, bbox: [0, 0, 10, 10] },
        { image: 2, category: 2, bbox: [0, 0, 10, 10] },
      ]),
      detections: [det(1, 3, [0, 0, 10, 10], 0.9), det(1, 1, [0, 0, 10, 10], 0.8), det(2, 2, [2, 2, 10, 10], 0.7)],
    },
  ];
}

/** Scenes of 64 × 64 with 0–4 boxes of `categories` classes, and detections near and far from them, from `seed`. */
export function randomCocoCase(seed: number, images = 12, categories = 4): CocoCase {
  const random = new SeededRandom(seed);
  const boxes: { image: number; category: number; bbox: Bbox }[] = [];
  const detections: CocoDetection[] = [];
  // Scores on a coarse grid, so equal scores happen.
  const score = () => Math.round(random.next() * 20) / 20;
  for (let image = 1; image <= images; image++) {
    const count = random.int(5);
    for (let b = 0; b < count; b++) {
      const size = 6 + random.int(40);
      const bbox: Bbox = [random.int(64 - Math.min(size, 60)), random.int(64 - Math.min(size, 60)), size, Math.max(4, size - 8 + random.int(16))];
      const category = 1 + random.int(categories);
      boxes.push({ image, category, bbox });
      // A detection near it most of the time (sometimes of another class), and its duplicates.
      for (let d = random.int(3); d >= 0; d--) {
        const jitter = () => Math.round((random.next() - 0.5) * size * 0.4 * 4) / 4;
        detections.push(
          det(
            image,
            random.next() < 0.85 ? category : 1 + random.int(categories),
            [bbox[0] + jitter(), bbox[1] + jitter(), bbox[2] + jitter(), bbox[3] + jitter()],
            score(),
          ),
        );
      }
    }
    for (let f = random.int(3); f > 0; f--)
      detections.push(det(image, 1 + random.int(categories), [random.int(50), random.int(50), 4 + random.int(30), 4 + random.int(30)], score()));
  }
  return { name: `random scenes, seed ${seed}`, groundTruth: groundTruth(images, categories, boxes), detections };
}

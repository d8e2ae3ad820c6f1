// npm run check:coco -- GT.json DT.json: COCO box AP of the detections (a JSON list in COCO's
// result format) against the ground truth (COCO format), by the project's port of COCOeval
// (src/detect/coco-eval.ts); prints each of summarize()'s twelve numbers with its name, then
// the twelve as a JSON list on the last line.
import { readFileSync } from 'node:fs';
import { COCO_STAT_NAMES, cocoEvaluate, type CocoDetection, type CocoGroundTruth } from '../src/detect/coco-eval';

const [gtPath, dtPath] = process.argv.slice(2).filter((a) => a !== '--');
if (!gtPath || !dtPath) {
  console.error('usage: npm run check:coco -- GT.json DT.json');
  process.exit(2);
}
const read = <T>(path: string, what: string): T => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    console.error(`${path}: cannot read the ${what}: ${(error as Error).message}`);
    process.exit(2);
  }
};
const groundTruth = read<CocoGroundTruth>(gtPath, 'ground truth');
const detections = read<CocoDetection[]>(dtPath, 'detections');
if (!Array.isArray(groundTruth.images) || !Array.isArray(groundTruth.categories) || !Array.isArray(groundTruth.annotations)) {
  console.error(`${gtPath}: expected COCO ground truth with "images", "categories" and "annotations" lists`);
  process.exit(2);
}
if (!Array.isArray(detections)) {
  console.error(`${dtPath}: expected a JSON list of detections ({image_id, category_id, bbox, score})`);
  process.exit(2);
}
const { stats } = cocoEvaluate(groundTruth, detections);
stats.forEach((value, i) => console.log(`${COCO_STAT_NAMES[i].padEnd(12)} ${value.toFixed(3)}`));
console.log(JSON.stringify(stats));

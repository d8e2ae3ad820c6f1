#!/usr/bin/env python3
"""pycocotools' COCOeval on COCO-format files, the reference src/detect/coco-eval.ts is checked against.

    python scripts/coco-reference.py GT.json DT.json [GT2.json DT2.json ...]

For each pair: COCOeval(gt, gt.loadRes(dt), 'bbox') with its default parameters, evaluate(),
accumulate(), summarize(); prints one JSON line per pair: {"stats": [12 numbers],
"perCategory": [{"categoryId": id, "ap": AP@[.5:.95] of that category (area all, 100
detections), -1 where it has no ground truth}]}. An empty detection list is evaluated as no
detections (loadRes refuses an empty list). Needs pycocotools (scripts/ensure-pycocotools.sh).
"""
import contextlib
import io
import json
import sys

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def evaluate(gt_path, dt_path):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gt_path)
        with open(dt_path, encoding="utf-8") as f:
            detections = json.load(f)
        if detections:
            dt = gt.loadRes(dt_path)
        else:
            dt = COCO()
            dt.dataset = {"images": gt.dataset["images"], "categories": gt.dataset["categories"], "annotations": []}
            dt.createIndex()
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    precision = ev.eval["precision"]  # [T, R, K, A, M]
    per_category = []
    for k, category in enumerate(ev.params.catIds):
        cells = precision[:, :, k, 0, 2]
        kept = cells[cells > -1]
        per_category.append({"categoryId": int(category), "ap": float(np.mean(kept)) if kept.size else -1.0})
    return {"stats": [float(s) for s in ev.stats], "perCategory": per_category}


def main(argv):
    if len(argv) < 2 or len(argv) % 2:
        raise SystemExit("usage: coco-reference.py GT.json DT.json [GT.json DT.json ...]")
    for gt_path, dt_path in zip(argv[0::2], argv[1::2]):
        print(json.dumps(evaluate(gt_path, dt_path)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

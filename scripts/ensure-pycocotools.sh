#!/usr/bin/env bash
# Makes sure the tests have pycocotools (the reference COCO AP of src/detect/coco-eval.ts):
# the Python named by $COCO_PYTHON, else .venv-coco/bin/python (made here), else one that
# already imports it. The venv is made with --system-site-packages so it keeps Debian's
# numpy (and torch); pip installs pycocotools from the configured index or wheel folder.
set -euo pipefail
cd "$(dirname "$0")/.."
has_coco() { "$1" -c 'import pycocotools.cocoeval, numpy' >/dev/null 2>&1; }
for candidate in "${COCO_PYTHON:-}" .venv-coco/bin/python; do
  [ -n "$candidate" ] && [ -x "$candidate" ] && has_coco "$candidate" && exit 0
done
bash scripts/ensure-torch.sh >/dev/null
echo "No Python with pycocotools found: making .venv-coco (pip install pycocotools)…"
base=/usr/bin/python3
[ -x "$base" ] || base=python3
"$base" -m venv --system-site-packages .venv-coco
.venv-coco/bin/pip install --quiet --retries 0 pycocotools 2>&1 | grep -v "^WARNING" || true
has_coco .venv-coco/bin/python && exit 0
echo "pycocotools could not be installed: pip install pycocotools into a Python with numpy, and set COCO_PYTHON to it." >&2
exit 1

#!/usr/bin/env bash
# Makes sure the tests have a Python with PyTorch (>= 1.13), numpy and torchvision (the image
# folders and students of reproduce.py --data) to run the exported reproduce.py
# (src/reproduce/): the one named by $PYTHON, else Debian's /usr/bin/python3 (a pyenv python3
# may shadow it), else python3. Installs Debian's python3-torch, python3-numpy and
# python3-torchvision when none has them and we can, as ensure-chromium.sh installs Chromium.
set -euo pipefail
has_torch() { "$1" -c 'import torch, numpy, torchvision' >/dev/null 2>&1; }
for candidate in "${PYTHON:-}" /usr/bin/python3 python3; do
  [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 && has_torch "$candidate" && exit 0
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "No Python with PyTorch found: installing Debian's python3-torch, python3-numpy and python3-torchvision…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy python3-torchvision >/dev/null
  has_torch /usr/bin/python3 && exit 0
fi
echo "No Python with PyTorch, numpy and torchvision found. Install them (Debian: apt-get install python3-torch python3-numpy python3-torchvision; else pip install torch numpy torchvision), or set PYTHON." >&2
exit 1

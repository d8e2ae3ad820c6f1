#!/usr/bin/env bash
# Makes sure the tests have a Python with PyTorch (>= 1.13) and numpy to run the exported
# reproduce.py (src/reproduce/): the one named by $PYTHON, else Debian's /usr/bin/python3 (a
# pyenv python3 may shadow it), else python3. Installs Debian's python3-torch and
# python3-numpy when none has them and we can, as ensure-chromium.sh installs Chromium.
set -euo pipefail
has_torch() { "$1" -c 'import torch, numpy' >/dev/null 2>&1; }
for candidate in "${PYTHON:-}" /usr/bin/python3 python3; do
  [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 && has_torch "$candidate" && exit 0
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "No Python with PyTorch found: installing Debian's python3-torch and python3-numpy…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy >/dev/null
  has_torch /usr/bin/python3 && exit 0
fi
echo "No Python with PyTorch and numpy found. Install them (Debian: apt-get install python3-torch python3-numpy; else pip install torch numpy), or set PYTHON." >&2
exit 1

#!/usr/bin/env bash
# Makes sure the e2e tests have a Chromium to launch (see e2e/chromium.ts for the order
# in which one is picked). Installs Debian's chromium when none is found and we can.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] || { echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2; exit 1; }
  exit 0
fi
[ -x /usr/bin/chromium ] && exit 0
# Playwright's own browser, where one was downloaded on a machine that allows it.
if ls "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/chromium-* >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "No Chromium found: installing Debian's chromium package…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "No Chromium found. Install one (Debian: apt-get install chromium), or set CHROMIUM_PATH, or run 'npx playwright install chromium'." >&2
exit 1

#!/usr/bin/env bash
# Makes sure the Firefox smoke test (e2e/firefox-smoke.ts) has a Firefox to drive: $FIREFOX_PATH,
# else Debian's firefox-esr, installed when missing and we can (as ensure-chromium.sh does).
set -euo pipefail
if [ -n "${FIREFOX_PATH:-}" ]; then
  [ -x "$FIREFOX_PATH" ] || { echo "FIREFOX_PATH=$FIREFOX_PATH is not an executable" >&2; exit 1; }
  exit 0
fi
[ -x /usr/bin/firefox-esr ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "No Firefox found: installing Debian's firefox-esr package…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr >/dev/null
  exit 0
fi
echo "No Firefox found. Install one (Debian: apt-get install firefox-esr), or set FIREFOX_PATH." >&2
exit 1

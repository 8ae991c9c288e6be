#!/usr/bin/env bash
# Install Debian's Chromium for the console's browser tests (Playwright drives it through
# executable_path; `playwright install` is never used: it downloads a browser build).
# Idempotent and quiet: does nothing when /usr/bin/chromium is there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "setup_browser: chromium did not install" >&2; exit 1; }
echo "setup_browser: chromium installed ($(/usr/bin/chromium --version 2>/dev/null || echo unknown))"

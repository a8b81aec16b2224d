#!/usr/bin/env bash
# Makes sure Debian's Chromium is present for the end-to-end suites: installs the package
# when it is missing and we may (root, apt-get available). CHROMIUM_PATH overrides the path.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Chromium not found at $CHROMIUM: installing Debian's chromium package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  [ -x "$CHROMIUM" ] && exit 0
fi
echo "Chromium is required for the end-to-end tests: install it (apt-get install -y chromium) or set CHROMIUM_PATH" >&2
exit 1

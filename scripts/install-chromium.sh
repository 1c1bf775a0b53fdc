#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (Playwright's own browser download is not
# used), plus an emoji font so the screenshots show the course's headings as learners see them.
# Does nothing when both are there. If chromium cannot be installed, the browser tests are
# skipped with this reason in the test summary -- never silently.
set -euo pipefail

REQUIRED=chromium
OPTIONAL=fonts-noto-color-emoji

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
[ -x /usr/bin/chromium ] || missing+=("$REQUIRED")
if command -v dpkg-query >/dev/null 2>&1 && ! installed "$OPTIONAL"; then missing+=("$OPTIONAL"); fi
[ ${#missing[@]} -eq 0 ] && exit 0

say() { echo "install-chromium: $*" >&2; }
if ! command -v apt-get >/dev/null 2>&1; then
  [ -x /usr/bin/chromium ] || say "no apt-get here; the browser tests will be skipped."
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    [ -x /usr/bin/chromium ] || say "not root and no password-less sudo; the browser tests will be skipped."
    exit 0
  fi
fi

apt_install() {
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
echo "Installing ${missing[*]} from Debian for the browser tests..."
# Try with the package lists we have; refresh them only if that fails (a fresh machine has none).
if ! apt_install "${missing[@]}" 2>/dev/null; then
  $SUDO apt-get update -qq >/dev/null || say "apt-get update failed; trying with the lists we have."
  apt_install "$REQUIRED" || true
  apt_install "$OPTIONAL" || say "could not install $OPTIONAL: screenshots will show boxes for emoji."
fi
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
else
  say "apt-get could not install chromium; the browser tests will be skipped."
fi

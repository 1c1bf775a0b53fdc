#!/usr/bin/env bash
# Install axe-core (the accessibility rules engine most projects test with, from npm) into
# build/axe, a folder the tests own. The browser tests inject its axe.min.js into each page they
# audit (nothing is fetched at run time). Does nothing when it is there already. When npm is
# missing or cannot install it, the accessibility audits are skipped with this reason in the test
# summary -- never silently.
set -euo pipefail

cd "$(dirname "$0")/.."
AXE_DIR=build/axe
AXE_VERSION=4.10  # pinned: a newer axe may add rules; move to it on purpose, with docs/accessibility.md
say() { echo "install-axe: $*" >&2; }

if [ -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  say "no npm here; the accessibility audits of the browser tests will be skipped."
  exit 0
fi
echo "Installing axe-core@$AXE_VERSION into $AXE_DIR for the accessibility audits..."
mkdir -p "$AXE_DIR"
[ -f "$AXE_DIR/package.json" ] || echo '{"name": "labkit-accessibility-tests", "private": true}' > "$AXE_DIR/package.json"
(cd "$AXE_DIR" && npm install --silent --no-audit --no-fund "axe-core@~$AXE_VERSION" >/dev/null) \
  || say "npm could not install axe-core; the accessibility audits of the browser tests will be skipped."

#!/usr/bin/env bash
# Install Debian's bubblewrap (bwrap): `labkit grade` runs every submission's kernel in a bubblewrap
# jail and refuses to grade without one. Does nothing when bwrap is there. setpriv (util-linux, part
# of every Debian system) drops a root grader's kernels to nobody. If bubblewrap cannot be installed,
# the grading tests say so in the test summary -- never silently.
set -euo pipefail

say() { echo "install-bubblewrap: $*" >&2; }
[ -x /usr/bin/bwrap ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get here; install bubblewrap with your package manager (labkit grade needs it)."
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    say "not root and no password-less sudo; install bubblewrap yourself (labkit grade needs it)."
    exit 0
  fi
fi
apt_install() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null; }
echo "Installing bubblewrap from Debian for labkit grade..."
# Try with the package lists we have; refresh them only if that fails (a fresh machine has none).
if ! apt_install bubblewrap 2>/dev/null; then
  $SUDO apt-get update -qq >/dev/null || say "apt-get update failed; trying with the lists we have."
  apt_install bubblewrap || true
fi
if [ -x /usr/bin/bwrap ]; then
  echo "bubblewrap: $(/usr/bin/bwrap --version)"
else
  say "apt-get could not install bubblewrap; labkit grade will refuse to grade (see README)."
fi

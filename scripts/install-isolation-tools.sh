#!/usr/bin/env bash
# Install the isolation tools: bubblewrap (the jail every submission `labkit grade` runs in, and a
# hosts file and mount view of the safety tests' own) and util-linux's setpriv (a root grader's
# kernels run as nobody; a learner as another OS user in the safety tests). Does nothing when both
# are there. If they cannot be installed, those tests are skipped with this reason in the test
# summary -- never silently -- and `labkit grade` refuses to grade (see README).
set -euo pipefail

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
[ ${#missing[@]} -eq 0 ] && exit 0

say() { echo "install-isolation-tools: $*" >&2; }
if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get here; the tests that need ${missing[*]} will be skipped."
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    say "not root and no password-less sudo; the tests that need ${missing[*]} will be skipped."
    exit 0
  fi
fi
apt_install() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null; }
echo "Installing ${missing[*]} from Debian for the safety tests..."
if ! apt_install "${missing[@]}" 2>/dev/null; then
  $SUDO apt-get update -qq >/dev/null || say "apt-get update failed; trying with the lists we have."
  apt_install "${missing[@]}" || say "could not install ${missing[*]}; those tests will be skipped."
fi

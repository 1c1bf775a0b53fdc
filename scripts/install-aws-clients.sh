#!/usr/bin/env bash
# Install the AWS clients a learner may bring, for the tests that run them against `labkit serve`
# (tests/sandbox/test_any_client.py): Debian's AWS CLI v2 (package awscli, /usr/bin/aws) and the AWS SDK
# for JavaScript v3 (IAM and STS clients, into build/js-sdk, a folder the tests own). Does nothing
# when both are there. Whatever cannot be installed is skipped in the tests with this reason in
# the test summary -- never silently.
set -euo pipefail

cd "$(dirname "$0")/.."
JS_DIR=build/js-sdk
say() { echo "install-aws-clients: $*" >&2; }

# -- Debian's AWS CLI v2 ---------------------------------------------------------------------------
if [ ! -x /usr/bin/aws ]; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get here; the tests of the AWS CLI v2 will be skipped."
  elif [ "$SUDO" = none ]; then
    say "not root and no password-less sudo; the tests of the AWS CLI v2 will be skipped."
  else
    apt_install() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null; }
    echo "Installing awscli (AWS CLI v2) from Debian for the any-client tests..."
    if ! apt_install awscli 2>/dev/null; then
      $SUDO apt-get update -qq >/dev/null || say "apt-get update failed; trying with the lists we have."
      apt_install awscli || say "could not install awscli; the tests of the AWS CLI v2 will be skipped."
    fi
  fi
fi

# -- the AWS SDK for JavaScript v3 -----------------------------------------------------------------
if [ ! -d "$JS_DIR/node_modules/@aws-sdk/client-iam" ] || [ ! -d "$JS_DIR/node_modules/@aws-sdk/client-sts" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    say "no npm here; the tests of the AWS SDK for JavaScript will be skipped."
  else
    echo "Installing the AWS SDK for JavaScript v3 (IAM, STS) into $JS_DIR for the any-client tests..."
    mkdir -p "$JS_DIR"
    [ -f "$JS_DIR/package.json" ] || echo '{"name": "labkit-any-client-tests", "private": true}' > "$JS_DIR/package.json"
    (cd "$JS_DIR" && npm install --silent --no-audit --no-fund @aws-sdk/client-iam@3 @aws-sdk/client-sts@3 >/dev/null) \
      || say "npm could not install the SDK; the tests of the AWS SDK for JavaScript will be skipped."
  fi
fi

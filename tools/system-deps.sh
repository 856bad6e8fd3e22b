#!/bin/sh
# Install the Debian packages the tests drive: headless Chromium for the browser tests and
# faketime to build under another clock. Does nothing when they are there. Set
# PAPER_DIGEST_CHROMIUM to use another Chromium or Chrome binary instead.
set -eu
missing=""
if [ -z "${PAPER_DIGEST_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  missing="$missing chromium"
fi
command -v faketime >/dev/null 2>&1 || missing="$missing faketime"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: install these packages with your package manager:$missing" >&2
  exit 1
fi
echo "system-deps: installing$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing fonts-dejavu-core >/dev/null

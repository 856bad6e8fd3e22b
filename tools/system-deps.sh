#!/bin/sh
# Install the Debian packages the tests drive: headless Chromium (and its driver) for the
# browser tests, faketime to build under a different clock. Does nothing when they are there.
set -eu
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium chromium-driver"
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

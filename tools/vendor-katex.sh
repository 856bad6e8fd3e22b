#!/bin/sh
# Refresh the KaTeX files the site bundles (docs/assets/vendor/katex) from the npm registry.
# The result is committed, so building the site never needs npm or a CDN.
set -eu
version="${KATEX_VERSION:-0.16.47}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "katex@$version" >/dev/null && tar xzf katex-*.tgz)
dest="docs/assets/vendor/katex"
rm -rf "$dest" && mkdir -p "$dest/fonts"
cp "$work/package/dist/katex.min.js" "$work/package/dist/katex.min.css" "$dest/"
cp "$work/package/dist/fonts/"*.woff2 "$dest/fonts/"
cp "$work/package/LICENSE" "$dest/LICENSE"
echo "KaTeX $version from the npm registry (make vendor-katex); MIT licence in LICENSE." > "$dest/VERSION"

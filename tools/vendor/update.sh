#!/usr/bin/env bash
# Fetches the pinned console libraries from npm and copies their dist files
# into internal/web/static/vendor, then records their SHA-256 sums.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dst="$here/../../internal/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$work/"
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts >/dev/null)
cp "$work/node_modules/htmx.org/dist/htmx.min.js" "$dst/"
cp "$work/node_modules/htmx.org/LICENSE" "$dst/htmx.LICENSE"
cp "$work/node_modules/echarts/dist/echarts.common.min.js" "$dst/"
cp "$work/node_modules/echarts/LICENSE" "$dst/echarts.LICENSE"
cp "$work/node_modules/maplibre-gl/dist/maplibre-gl.mjs" "$work/node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs" \
  "$work/node_modules/maplibre-gl/dist/maplibre-gl.css" "$dst/"
cp "$work/node_modules/maplibre-gl/LICENSE.txt" "$dst/maplibre-gl.LICENSE"
(cd "$dst" && sha256sum htmx.min.js echarts.common.min.js maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css > SHA256SUMS)
echo "vendored into $dst"

#!/usr/bin/env bash
# Re-vendors the front-end packages pinned in static/vendor/package-lock.json into static/vendor/.
# Run by hand when upgrading; the result is committed, so nothing is fetched at run time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cp "$here/static/vendor/package.json" "$here/static/vendor/package-lock.json" "$work/"
(cd "$work" && npm ci --no-audit --no-fund --ignore-scripts)
nm="$work/node_modules"
out="$here/static/vendor"
rm -rf "$out/dkfds" "$out/plotly" "$out/axe-core"
mkdir -p "$out/dkfds/css" "$out/dkfds/js" "$out/dkfds/fonts/IBMPlexSans/complete" "$out/plotly" "$out/axe-core"
cp "$nm/dkfds/dist/css/dkfds.min.css" "$out/dkfds/css/"
cp "$nm/dkfds/dist/js/dkfds.min.js" "$out/dkfds/js/"
cp -r "$nm/dkfds/dist/img" "$out/dkfds/"
cp -r "$nm/dkfds/dist/fonts/IBMPlexSans/complete/woff2" "$nm/dkfds/dist/fonts/IBMPlexSans/complete/woff" \
      "$nm/dkfds/dist/fonts/IBMPlexSans/complete/eot" "$nm/dkfds/dist/fonts/IBMPlexSans/complete/ttf" \
      "$out/dkfds/fonts/IBMPlexSans/complete/"
cp "$nm/dkfds/LICENSE.md" "$out/dkfds/LICENSE.md" 2>/dev/null || cp "$nm/dkfds/dist/LICENSE.md" "$out/dkfds/LICENSE.md"
cp "$nm/plotly.js-basic-dist-min/plotly-basic.min.js" "$nm/plotly.js-basic-dist-min/LICENSE" "$out/plotly/"
cp "$nm/axe-core/axe.min.js" "$nm/axe-core/LICENSE" "$out/axe-core/"
# The source maps are not vendored: drop the comments that point at them, or collectstatic's
# manifest storage refuses a reference to a missing file (and browsers ask for it in vain).
sed -i -e '/^\/\*# sourceMappingURL=.*\*\/$/d' "$out/dkfds/css/dkfds.min.css"
sed -i -e '/^\/\/# sourceMappingURL=/d' "$out/dkfds/js/dkfds.min.js"
rm -rf "$work"
echo "vendored into $out"

#!/usr/bin/env bash
# Checks that the committed editor bundle (crates/cairn-web/assets/editor/) is what the sources
# in frontend/ build: installs the locked dependencies with `npm ci`, builds into a temporary
# directory and compares byte for byte. Exits non-zero, naming the differing files, when the
# bundle is stale; rebuild it with `npm run build` in frontend/ and commit the result.
set -euo pipefail

frontend="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
committed="$frontend/../crates/cairn-web/assets/editor"
built="$(mktemp -d)"
trap 'rm -rf "$built"' EXIT

cd "$frontend"
npm ci --no-audit --no-fund --loglevel=error
node build.mjs "$built"

if ! diff -r "$committed" "$built" >/dev/null; then
  echo "error: the committed editor bundle in crates/cairn-web/assets/editor/ is stale:" >&2
  diff -rq "$committed" "$built" >&2 || true
  echo "rebuild it with 'npm run build' in frontend/ and commit the result" >&2
  exit 1
fi
echo "editor bundle is current ($(wc -c <"$committed/editor.js") bytes, $(gzip -9 -c "$committed/editor.js" | wc -c) gzipped)"

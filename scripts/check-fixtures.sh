#!/usr/bin/env bash
# Two checks that keep the repository standing alone (run by `npm test`):
# 1. No tracked file points at a folder beside the clone (a user who clones the repository has
#    none): the pattern below is a regular expression, so not even this file names one.
# 2. Drift: when REFERENCE_SAMPLES names a folder of reference samples (a developer's machine
#    may set it), the in-tree samples in tests/fixtures/v0-streams/ must equal them byte for
#    byte. Without it the comparison is skipped, and the script says so.
set -euo pipefail
cd "$(dirname "$0")/.."

reference=${REFERENCE_SAMPLES:-}
here=tests/fixtures/v0-streams
status=0

offenders=$(git ls-files -z | xargs -0 grep -lE -- '\.\./shar[e]d' 2>/dev/null || true)
if [ -n "$offenders" ]; then
  echo "check-fixtures: these tracked files point outside the repository:" >&2
  printf '%s\n' "$offenders" | sort -u | sed 's/^/  /' >&2
  status=1
fi

if [ -z "$reference" ] || [ ! -d "$reference" ]; then
  echo "check-fixtures: skipped the drift check: REFERENCE_SAMPLES names no folder"
  exit "$status"
fi
checked=0
for file in "$reference"/*.sse "$reference"/*.expected.json; do
  name=$(basename "$file")
  checked=$((checked + 1))
  if [ ! -f "$here/$name" ]; then
    echo "check-fixtures: $name is a reference sample missing from $here" >&2
    status=1
  elif ! cmp -s "$file" "$here/$name"; then
    echo "check-fixtures: $here/$name differs from the reference sample" >&2
    status=1
  fi
done
for file in "$here"/*.sse "$here"/*.expected.json; do
  name=$(basename "$file")
  [ -f "$reference/$name" ] || { echo "check-fixtures: $here/$name has no reference sample" >&2; status=1; }
done
[ "$status" = 0 ] && echo "check-fixtures: $checked in-tree sample files equal the reference"
exit "$status"

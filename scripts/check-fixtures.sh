#!/usr/bin/env bash
# Two checks that keep the repository standing alone (run by `npm test`):
# 1. No tracked file names the company's reference folder beside the clone, except this one:
#    a user who clones the repository does not have it.
# 2. Drift: when the reference folder does sit beside the clone (a developer's machine, CI),
#    the in-tree samples in tests/fixtures/v0-streams/ must equal its samples byte for byte.
#    Without it the comparison is skipped, and the script says so.
set -euo pipefail
cd "$(dirname "$0")/.."

reference=../shared/fixtures/v0-streams
here=tests/fixtures/v0-streams
self=scripts/check-fixtures.sh
status=0

# -F: the pattern is a plain string, so this file's own text is the only tracked mention.
offenders=$(git ls-files -z | xargs -0 grep -lF -- "../shared" 2>/dev/null | grep -vxF "$self" || true)
if [ -n "$offenders" ]; then
  echo "check-fixtures: these tracked files point outside the repository:" >&2
  printf '%s\n' "$offenders" | sort -u | sed 's/^/  /' >&2
  status=1
fi

if [ ! -d "$reference" ]; then
  echo "check-fixtures: skipped the drift check: no reference samples beside the clone"
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

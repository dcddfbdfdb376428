#!/usr/bin/env bash
# Comparison benchmark (BENCHMARKS.md, "Comparison (issue 7)"): fupin and Splink+DuckDB link the
# same generated department list to the same registry, and both are scored against the truth.
#
#   bench/compare.sh [HOUSEHOLDS] [KIND]      defaults: 1000000 medical
#   SPLINK=0 bench/compare.sh …               fupin only
#   FUPIN_DATABASE_URL=postgres://… bench/compare.sh …   fupin on PostgreSQL (loaded once)
#
# Needs a release build (cargo build --release). Generates data under target/bench/cmp-N once,
# loads it into target/bench/cmp-N.sqlite3 once (the history too, for the assistance roll),
# installs Splink from PyPI into target/bench/venv once; then times `fupin compare` and the
# Splink script with /usr/bin/time (wall clock, peak memory). Run it twice and take the
# second: the first reads the files cold.
set -euo pipefail
cd "$(dirname "$0")/.."
households="${1:-1000000}"
kind="${2:-medical}"
fupin=target/release/fupin
data="target/bench/cmp-$households"
file="$data.sqlite3"
db="${FUPIN_DATABASE_URL:-sqlite://$file}"

if [ ! -f "$data/departments/truth.csv" ]; then
  "$fupin" gen --households "$households" --departments --out "$data"
fi
loaded="$data.loaded-$(printf %s "$db" | sha256sum | cut -c1-12)"
if [ ! -f "$loaded" ]; then
  "$fupin" --database-url "$db" areas import data/seed_divisions.json
  "$fupin" --database-url "$db" import households "$data/households.csv"
  touch "$loaded"
fi
# the yearly history (exits' incomes) only for the lists whose rules read it; 9.6M rows at 1M
if [ "$kind" = assistance ] && [ ! -f "$loaded.history" ]; then
  "$fupin" --database-url "$db" import history "$data/history.csv"
  touch "$loaded.history"
fi
# a list imported before is the same snapshot: this only reports it
"$fupin" --database-url "$db" compare import "$data/departments/$kind.csv" --source "bench-$kind" \
  --kind "$kind" --as-of 2023-12-31
echo "== fupin"
/usr/bin/time -f "wall %e s, peak RSS %M KB" \
  "$fupin" --database-url "$db" compare --source "bench-$kind" --truth "$data/departments/truth.csv"
[ "${SPLINK:-1}" = 0 ] && exit 0
if [ ! -x target/bench/venv/bin/python ]; then
  python3 -m venv target/bench/venv
  target/bench/venv/bin/pip install -q "splink>=4,<5" pypinyin
fi

echo "== splink $(target/bench/venv/bin/python -c 'import splink; print(splink.__version__)')"
/usr/bin/time -f "wall %e s, peak RSS %M KB" \
  target/bench/venv/bin/python bench/splink_compare.py "$data" "$kind" 2>&1 \
  | grep -E "^(splink|exact|fuzzy|namesakes|wall)"

# The common start of the shell tests, which source this file: a scratch folder $work that is
# removed on exit, `fail MESSAGE` to print and count a failure, and `finish` to print the counts
# and return status 1 after any failure.
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
finish() {
  echo "$((failures == 0 ? 1 : 0)) passed, $failures failed"
  [ "$failures" -eq 0 ]
}

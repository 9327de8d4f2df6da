# The common start of the shell tests, which source this file. It makes a scratch folder $work
# that is removed on exit. `fail MESSAGE` prints and counts a failure, `expect` checks one sgverify
# command, and `finish` prints the counts and returns status 1 after any failure.
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect STATUS FRAGMENT ARGS...: runs $sgverify with ARGS and checks the exit status and that
# FRAGMENT appears in its output. Status 2 must come with one message line and nothing on stdout.
expect() {
  local expected=$1 fragment=$2
  shift 2
  "$sgverify" "$@" >"$work/stdout" 2>"$work/stderr"
  local status=$?
  if [ "$status" -ne "$expected" ]; then
    fail "exit status $status, expected $expected: $*"; cat "$work/stdout" "$work/stderr"
  elif ! grep -qF -- "$fragment" "$work/stdout" "$work/stderr"; then
    fail "output lacks '$fragment': $*"; cat "$work/stdout" "$work/stderr"
  elif [ "$expected" -eq 2 ] && { [ -s "$work/stdout" ] || [ "$(wc -l <"$work/stderr")" -ne 1 ]; }; then
    fail "output beyond one message: $*"; cat "$work/stdout" "$work/stderr"
  fi
}

finish() {
  echo "$((failures == 0 ? 1 : 0)) passed, $failures failed"
  [ "$failures" -eq 0 ]
}

#!/usr/bin/env bash
# The commands that sgverify prints for pasting work when run by a POSIX shell. These are the
# replay command of a refuted claim and the command line in report.md. The program, the output
# folder and the data file have a space and a single quote in their names.
# Usage: printed_commands.sh SGVERIFY
sgverify=$1
# shellcheck source=shell_test_lib.sh
source "$(dirname "$0")/shell_test_lib.sh"

# The program is invoked by a path with a space and a single quote, and prints that path.
bin="$work/it's bin"
mkdir "$bin"
ln -s "$(readlink -f "$sgverify")" "$bin/sgverify"
program="$bin/sgverify"

# The realizable regression instance refutes T1.global-attraction with an exact counterexample.
out="$work/my rep's"
"$program" theorem1 --out "$out" >"$work/stdout" 2>"$work/stderr" ||
  { echo "FAIL: sgverify theorem1 exited $?"; cat "$work/stderr"; exit 1; }
replays=0
while IFS= read -r command; do
  replays=$((replays + 1))
  (cd / && sh -c "$command") >"$work/replay" 2>&1 || { fail "exit status $?: $command"; cat "$work/replay"; }
  grep -q '^reproduced: refuted (exact)' "$work/replay" || { fail "no reproduction from: $command"; cat "$work/replay"; }
done < <(sed -n 's/^  replay: //p' "$work/stdout")
[ "$replays" -eq 1 ] || fail "expected 1 replay command, got $replays"

# The command line of report.md, run again with another --out, repeats the run.
printf 'x1,x2,y\n1,0,1\n0,1,2\n1,1,2.5\n2,1,4\n' >"$work/it's data.csv"
"$program" theorem1 --data "$work/it's data.csv" --standardize --steps 10 --out "$work/first" >/dev/null 2>"$work/stderr" ||
  { echo "FAIL: sgverify theorem1 --data exited $?"; cat "$work/stderr"; exit 1; }
command=$(sed -n 's/^Command: `\(.*\)`$/\1/p' "$work/first/report.md")
[ -n "$command" ] || fail "report.md has no command line"
(cd "$work" && PATH="$bin:$PATH" sh -c "$command --out second") >/dev/null 2>"$work/stderr" ||
  { fail "exit status $?: $command"; cat "$work/stderr"; }
cmp -s "$work/first/trajectory.csv" "$work/second/trajectory.csv" || fail "the command line of report.md gives another trajectory: $command"
[ "$(sed -n 's/^Command: //p' "$work/second/report.md")" = "\`$command\`" ] || fail "the repeated run prints another command line"

# An --out that starts with a dash or contains a line break reaches gnuplot as no text at all, so
# the plots are drawn into it like any other.
(cd "$work" && "$program" theorem1 --steps 10 --out=-rel >"$work/rel-stdout" 2>"$work/stderr") || { fail "theorem1 --out=-rel exited $?"; cat "$work/stderr"; }
# Its replay command names the trace as ./-rel/..., which no command reads as an option.
replays=0
while IFS= read -r command; do
  replays=$((replays + 1))
  (cd "$work" && sh -c "$command") >"$work/replay" 2>&1 || { fail "exit status $?: $command"; cat "$work/replay"; }
done < <(sed -n 's/^  replay: //p' "$work/rel-stdout")
[ "$replays" -eq 1 ] || fail "expected 1 replay command from --out=-rel, got $replays"
newline_out="$work/two
lines"
"$program" theorem1 --steps 10 --out "$newline_out" >/dev/null 2>"$work/stderr" || { fail "theorem1 --out with a line break exited $?"; cat "$work/stderr"; }
for svg in "$work/-rel/convergence.svg" "$newline_out/convergence.svg"; do
  tail -c 100 "$svg" 2>/dev/null | grep -q '</svg>' || fail "no complete plot at $svg"
done

finish

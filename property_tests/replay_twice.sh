#!/usr/bin/env bash
# Replays a committed counterexample trace twice: both replays must reproduce the recorded
# verdict (exit 0) and print the same bytes.
# Usage: replay_twice.sh SGVERIFY TRACE
set -u
first=$("$1" trace replay "$2") || { echo "replay of $2 exited $?"; echo "$first"; exit 1; }
second=$("$1" trace replay "$2") || { echo "second replay of $2 failed"; exit 1; }
[ "$first" = "$second" ] || { echo "two replays of $2 differ"; exit 1; }
echo "$first"

#!/bin/sh
# The memory-check command of run.sh's Valgrind pass: runs valgrind with the
# arguments ctest gives it, and when that attempt reported an error, keeps a
# copy of its log. ctest names the log after the test (--log-file=...
# MemoryChecker.N.log) and a repeated test's next attempt overwrites it, so
# without the copy an error in a first attempt vanishes when a retry passes.
# It must never change the exit status or the log ctest reads.
# usage (by ctest): valgrind-keep-errors.sh --log-file=LOG [valgrind options] PROGRAM [ARGS]
log=
for arg in "$@"; do
    case $arg in
    --log-file=*) log=${arg#--log-file=} ;;
    esac
done
"${L4SIM_VALGRIND:-valgrind}" "$@"
rc=$?
# With --errors-for-leak-kinds=definite a definite leak counts here too.
if [ -n "$log" ] && grep -q 'ERROR SUMMARY: [1-9]' "$log" 2>/dev/null; then
    cp "$log" "$log.errors-$$"
fi
exit $rc

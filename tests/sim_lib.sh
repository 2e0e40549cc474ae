# Shared by the sim_*.sh tests (sourced): the check that records a result,
# and the filter for what may differ between two runs of one seed.

fail=0
check() { # check DESCRIPTION COMMAND...
    if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}

# The wall time, and the warning ASan prints (once, from whichever thread
# first leaves a stack it does not know: a task's) in the sanitizer pass.
nowall() {
    grep -v -e '^    wall time ' -e '^==[0-9]*==WARNING: ASan is ignoring requested __asan_handle_no_return' \
        -e '^False positive error reports may follow' \
        -e '^For details see https://github.com/google/sanitizers/issues/189' <<<"$1"
}

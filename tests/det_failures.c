/*
 * A suite whose cases fail on purpose, one for each way a deterministic
 * test can fail, for det_replay.sh: it checks that each failure names its
 * seed and a replay line, and that the line reproduces the run. Not a
 * test by itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness.h"

#define CLIENTS 4

/* Several clients call one server, so the trace depends on the seed. */
static L4_ThreadId_t server;

static void answer_all(void *kip)
{
    (void) kip;
    L4_ThreadId_t from;
    L4_Wait(&from);
    for (;;) {
        L4_LoadMR(0, 0);
        L4_ReplyWait(from, &from);
    }
}

static void call_twice(void *kip)
{
    (void) kip;
    for (int i = 0; i < 2; i++) {
        L4_LoadMR(0, 0);
        L4_Call(server);
    }
    h_signal_root();
}

static int racy(void *arg)
{
    server = h_spawn(0, answer_all, NULL);
    L4_ThreadId_t c[CLIENTS];
    for (unsigned i = 0; i < CLIENTS; i++)
        c[i] = h_spawn(1 + i, call_twice, NULL);
    for (unsigned i = 0; i < CLIENTS; i++)
        h_wait_signal(c[i]);
    return arg ? *(int *) arg : 0;
}

/* Runs before the others, so their seeds must not depend on it. */
static void passes(void **state)
{
    (void) state;
    assert_int_equal(h_run(racy, NULL), 0);
    assert_int_equal(h_run(racy, NULL), 0);
}

static void wait_for_root(void *kip)
{
    (void) kip;
    L4_Receive(h_root());
}

/* A deadlock after a race (the root and two threads wait for each other): L4SIM_DEADLOCK. */
static int race_then_deadlock(void *arg)
{
    (void) arg;
    racy(NULL);
    L4_ThreadId_t t = h_spawn(5, wait_for_root, NULL);
    h_spawn(6, wait_for_root, NULL);
    L4_Receive(t);
    return 0;
}

static void deadlocks(void **state)
{
    (void) state;
    assert_int_equal(h_run(race_then_deadlock, NULL), 0);
}

static int race_then_fail_a_check(void *arg)
{
    racy(arg);
    H_CHECK(!"this check fails on purpose");
    return 0;
}

static void check_fails(void **state)
{
    (void) state;
    h_run(race_then_fail_a_check, NULL);
}

/* The second run returns 3; the assertion outside the system fails. */
static void second_run_returns_nonzero(void **state)
{
    (void) state;
    int three = 3;
    assert_int_equal(h_run(racy, NULL), 0);
    assert_int_equal(h_run(racy, &three), 0);
}

/* A thread that never enters the kernel keeps the one CPU: the watchdog ends it. */
static void spin(void *kip)
{
    (void) kip;
    for (volatile unsigned long n = 0;; n++) {
    }
}

static int race_then_spin(void *arg)
{
    (void) arg;
    racy(NULL);
    L4_ThreadId_t t = h_spawn(5, spin, NULL);
    L4_Receive(t);
    return 0;
}

static void hangs(void **state)
{
    (void) state;
    h_run(race_then_spin, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(passes),      cmocka_unit_test(deadlocks),
        cmocka_unit_test(check_fails), cmocka_unit_test(second_run_returns_nonzero),
        cmocka_unit_test(hangs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Fault injection (issue 9, kernel part): every fault point fires with its
 * documented effect and is counted, each trigger and filter works, the same
 * seed and spec replay exactly, bad specs are refused with a clear message,
 * and the per-run invariants hold (or report what broke).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <l4sim/faults.h>
#include <l4srv/faultpoint.h>

#include "harness.h"

#define LABEL 0x77
#define SHORT L4_TimePeriod(10 * 1000)

/* -------------------------------------------------------------- helpers */

static char trace_buf[64 * 1024];
static size_t trace_len;

static void capture(const char *line, size_t len, void *ctx)
{
    (void) ctx;
    if (trace_len + len + 1 < sizeof(trace_buf)) {
        memcpy(trace_buf + trace_len, line, len);
        trace_len += len;
        trace_buf[trace_len++] = '\n';
        trace_buf[trace_len] = 0;
    }
}

/* Tests that take page faults honour L4SIM_DETERMINISTIC=0 (the Valgrind pass, see docs/design.md).
 */
static bool allow_free_running;

/* One deterministic run of body with spec and seed; the stats afterwards. */
static struct l4sim_stats run_spec(const char *spec, uint64_t seed, int (*body)(void *), void *arg,
                                   int *result)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    const char *det = getenv("L4SIM_DETERMINISTIC");
    cfg.deterministic = !(allow_free_running && det && !strcmp(det, "0"));
    cfg.seed = seed;
    cfg.faults = spec;
    cfg.trace_sink = capture;
    trace_len = 0;
    trace_buf[0] = 0;
    int rc = h_run_config(&cfg, body, arg);
    if (result)
        *result = rc;
    struct l4sim_stats s;
    l4sim_get_stats(&s);
    return s;
}

static struct l4sim_fault_point point(const char *name)
{
    struct l4sim_fault_point p;
    memset(&p, 0, sizeof(p));
    for (unsigned i = 0; i < l4sim_fault_point_count(); i++) {
        l4sim_fault_point_get(i, &p);
        if (!strcmp(p.name, name))
            return p;
    }
    fail_msg("no fault point %s", name);
    return p;
}

/* Call the echo server with one word and a short receive timeout. */
static L4_MsgTag_t echo_call(L4_ThreadId_t echo, L4_Word_t label, L4_Word_t value, L4_Word_t *got)
{
    h_load_words(label, 1, &value);
    L4_MsgTag_t tag = L4_Call_Timeouts(echo, SHORT, SHORT);
    if (got)
        L4_StoreMR(1, got);
    return tag;
}

/* Which of n calls to the echo server got no answer: a bit per call. */
static unsigned long lost_mask;

static int calls_body(void *arg)
{
    unsigned n = (unsigned) (uintptr_t) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    lost_mask = 0;
    for (unsigned i = 0; i < n; i++) {
        L4_Word_t got = 0;
        L4_MsgTag_t tag = echo_call(echo, LABEL, i, &got);
        if (L4_IpcFailed(tag) || got != i)
            lost_mask |= 1UL << i;
    }
    return 0;
}

/* ------------------------------------------------------------ the spec */

static void bad_specs_are_refused_with_a_clear_message(void **state)
{
    (void) state;
    static const struct {
        const char *spec, *says;
    } bad[] = {
        {"ipc/send/dorp", "unknown fault point 'ipc/send/dorp'"},
        {"ipc/send/drop:nth=abc", "nth must be a whole number, not 'abc'"},
        {"ipc/send/drop:frobnicate=1", "unknown key 'frobnicate'"},
        {"ipc/send/drop:p=1.5", "p must be a probability"},
        {"ipc/send/drop:p=", "p must be a probability"},
        {"ipc/send/drop:nth=0", "nth counts from 1"},
        {"ipc/send/drop:src=nobody", "'nobody' is not a thread"},
        {"ipc/send/drop:once;thread/crash:after=-1", "rule 2"},
        {":p=1", "starts with a fault point"},
        {"ipc/send/drop:label", "'label' needs a value"},
        {"@/nonexistent/spec", "cannot read '/nonexistent/spec'"},
    };
    char err[1024];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(l4sim_faults_check(bad[i].spec, err, sizeof(err)), -1);
        if (!strstr(err, bad[i].says))
            fail_msg("spec '%s': message '%s' does not say '%s'", bad[i].spec, err, bad[i].says);
    }
    static const char *const good[] = {
        NULL,
        "",
        " ; ",
        "ipc/*:p=0.5",
        "ipc/send/drop:p=0.01,dst=mm|task;thread/crash:nth=3,src=40.1",
        "server/hang:once,src=root,space=w0,label=0x10,after=100,max=2",
        "pagefault/pager/refuse:label=pagefault",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (l4sim_faults_check(good[i], err, sizeof(err)) != 0)
            fail_msg("good spec '%s' refused: %s", good[i] ? good[i] : "(null)", err);
}

static int never_runs(void *arg)
{
    (void) arg;
    return 99;
}

static void boot_fails_on_a_bad_spec(void **state)
{
    (void) state;
    int rc;
    run_spec("ipc/send/drop:p=2", 1, never_runs, NULL, &rc);
    assert_int_equal(rc, L4SIM_BOOT_FAILED);
    /* And the next run boots normally. */
    run_spec(NULL, 1, never_runs, NULL, &rc);
    assert_int_equal(rc, 99);
}

static void spec_comes_from_the_environment_and_files(void **state)
{
    (void) state;
    setenv("L4SIM_FAULTS", "ipc/send/drop:once", 1);
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    unsetenv("L4SIM_FAULTS");
    assert_non_null(cfg.faults);
    assert_string_equal(cfg.faults, "ipc/send/drop:once");

    char path[] = "/tmp/l4sim-faults-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "# drop the third message\nipc/send/drop:nth=3,label=0x77\n\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t) sizeof(text) - 1);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof(spec), "@%s", path);
    struct l4sim_stats s = run_spec(spec, 1, calls_body, (void *) 5, NULL);
    unlink(path);
    assert_int_equal(lost_mask, 1UL << 2);
    assert_int_equal(s.faults_fired, 1);
}

/* ------------------------------------------------------ each fault point */

static void send_drop_loses_the_message_and_the_sender_sees_success(void **state)
{
    (void) state;
    struct l4sim_stats s =
        run_spec("ipc/send/drop:once,label=0x77", 1, calls_body, (void *) 3, NULL);
    assert_int_equal(lost_mask, 1); /* only the first call: its reply never came */
    assert_int_equal(s.faults_fired, 1);
    assert_int_equal(s.ipc_dropped, 1);
    assert_int_equal(s.invariants_broken, 0);
    assert_non_null(strstr(trace_buf, "fault ipc/send/drop 34.1 -> 35.1 label=0x77"));
    assert_int_equal(point("ipc/send/drop").fired, 1);
}

static L4_Word_t delay_seen;

static int delay_body(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    H_IPC_OK(echo_call(echo, LABEL, 1, NULL)); /* the server is waiting from now on */
    L4_Clock_t before = L4_SystemClock();
    H_IPC_OK(echo_call(echo, LABEL + 2, 2, NULL));
    delay_seen = (L4_Word_t) (L4_SystemClock().raw - before.raw);
    return 0;
}

static void send_delay_holds_the_sender_for_arg_microseconds(void **state)
{
    (void) state;
    struct l4sim_stats s =
        run_spec("ipc/send/delay:once,label=0x79,us=5000", 1, delay_body, NULL, NULL);
    assert_int_equal(s.faults_fired, 1);
    assert_true(delay_seen >= 5000);
    assert_true(delay_seen < 6000);
}

static L4_Word_t corrupt_got;

static int corrupt_body(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    H_IPC_OK(echo_call(echo, LABEL, 0, &corrupt_got));
    return 0;
}

static void mr_corrupt_flips_bits_of_an_untyped_word(void **state)
{
    (void) state;
    struct l4sim_stats s =
        run_spec("ipc/mr/corrupt:once,label=0x77,bits=3", 1, corrupt_body, NULL, NULL);
    assert_int_equal(s.faults_fired, 1);
    assert_int_equal(__builtin_popcountl(corrupt_got), 3); /* the echo sent back what arrived */
    assert_non_null(strstr(trace_buf, "fault ipc/mr/corrupt 34.1 -> 35.1 label=0x77 mr=1 xor=0x"));
}

static char string_buf[64];

/* Receives one string and answers with the length the kernel reported. */
static void string_server(void *kip)
{
    (void) kip;
    L4_Accept(L4_StringItemsAcceptor);
    L4_StringItem_t buf = L4_StringItem(sizeof(string_buf), string_buf);
    L4_LoadBRs(1, 2, buf.raw);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    L4_Word_t header = 0;
    L4_StoreMR(1, &header);
    L4_Word_t len = L4_IpcFailed(tag) ? 0 : header >> 10;
    h_load_words(0, 1, &len);
    L4_Reply(from);
}

static L4_Word_t string_len;

static int string_body(void *arg)
{
    (void) arg;
    L4_ThreadId_t srv = h_spawn(0, string_server, NULL);
    static char text[] = "twenty bytes of text";
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, LABEL);
    L4_StringItem_t si = L4_StringItem(20, text);
    L4_MsgAppendSimpleStringItem(&msg, si);
    L4_MsgLoad(&msg);
    L4_MsgTag_t tag = L4_Call_Timeouts(srv, SHORT, SHORT);
    H_IPC_OK(tag);
    L4_StoreMR(1, &string_len);
    return 0;
}

static void string_truncate_delivers_a_shorter_string_without_error(void **state)
{
    (void) state;
    struct l4sim_stats s = run_spec("ipc/string/truncate:once,keep=5", 1, string_body, NULL, NULL);
    assert_int_equal(s.faults_fired, 1);
    assert_int_equal(string_len, 5);
    assert_memory_equal(string_buf, "twent", 5);
    assert_int_equal(string_buf[5], 0);
    assert_non_null(strstr(trace_buf, "kept=5 of=20"));
}

static void toucher(void *kip)
{
    (void) kip;
    *(volatile char *) h_arg() = 1; /* a page fault the pager never hears of */
}

static int refuse_body(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_new_space(0, L4_nilthread, NULL);
    h_set_arg(t, (void *) (h_window(t, NULL) + 0x10000));
    h_start_sp(t, toucher, 0);
    /* Until it runs, a thread waiting for its start looks halted too. */
    for (int i = 0; i < 100000 && h_stats().exceptions == 0; i++)
        L4_Sleep(L4_TimePeriod(200));
    h_wait_state(t, H_STATE_HALTED); /* no exception handler: it halts */
    return 0;
}

static void pager_refuse_leaves_the_fault_unresolved(void **state)
{
    (void) state;
    allow_free_running = true;
    struct l4sim_stats s = run_spec("pagefault/pager/refuse:once", 1, refuse_body, NULL, NULL);
    allow_free_running = false;
    assert_int_equal(s.faults_fired, 1);
    assert_true(s.page_faults >= 1);
    assert_true(s.exceptions >= 1);
    assert_non_null(strstr(trace_buf, "fault pagefault/pager/refuse"));
    assert_int_equal(point("pagefault/pager/refuse").hits, 1);
}

static L4_Word_t crash_error;
static L4_Word_t crash_tc_result;

static int crash_body(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    L4_MsgTag_t tag = echo_call(echo, LABEL, 1, NULL);
    crash_error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    /* It is gone: deleting it fails as for any dead thread. */
    crash_tc_result = L4_ThreadControl(echo, L4_nilthread, L4_nilthread, L4_nilthread, (void *) -1);
    return 0;
}

static void thread_crash_kills_the_thread_and_its_partner_gets_an_error(void **state)
{
    (void) state;
    struct l4sim_stats s = run_spec("thread/crash:once,src=35", 1, crash_body, NULL, NULL);
    assert_int_equal(s.faults_fired, 1);
    /* The send failed: no partner, or aborted when the crash came while we waited. */
    assert_true(crash_error == H_ERR_SEND(2) || crash_error == H_ERR_SEND(7));
    assert_int_equal(crash_tc_result, 0);
    assert_non_null(strstr(trace_buf, "thread.delete 35.1 crashed"));
    assert_int_equal(s.invariants_broken, 0);
}

static void thread_crash_spares_the_root_unless_named(void **state)
{
    (void) state;
    int rc;
    struct l4sim_stats s = run_spec("thread/crash:p=1", 1, calls_body, (void *) 2, &rc);
    /* Every thread but sigma0 and the root crashed at its first kernel entry. */
    assert_int_equal(rc, 0);
    assert_int_equal(lost_mask, 3);
    assert_true(s.faults_fired >= 1);
}

static L4_Word_t hang_error;

static int hang_body(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    H_IPC_OK(echo_call(echo, LABEL, 1, NULL)); /* answered; the server's next receive hangs */
    L4_MsgTag_t tag = echo_call(echo, LABEL, 2, NULL);
    hang_error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    return 0;
}

static void server_hang_stops_answering_after_the_reply(void **state)
{
    (void) state;
    struct l4sim_stats s = run_spec("server/hang:nth=2,src=35", 1, hang_body, NULL, NULL);
    assert_int_equal(s.faults_fired, 1);
    assert_int_equal(hang_error, H_ERR_SEND(1)); /* the send timed out: nobody receives */
    assert_int_equal(s.invariants_broken, 0);
}

static int query_results[4];

static void querier(void *kip)
{
    (void) kip;
    query_results[0] = l4srv_fault("mm/frames/exhaust");
    query_results[1] = l4srv_fault("mm/frames/exhaust");
    query_results[2] = l4srv_fault_for("mm/frames/exhaust", h_root());
    query_results[3] = l4srv_fault("no/such/point");
    h_signal_root();
}

static int query_body(void *arg)
{
    (void) arg;
    h_wait_signal(h_spawn(0, querier, NULL));
    return 0;
}

static void servers_ask_for_their_points(void **state)
{
    (void) state;
    run_spec("mm/frames/exhaust:nth=2", 1, query_body, NULL, NULL);
    assert_int_equal(query_results[0], 0);
    assert_int_equal(query_results[1], 1);
    assert_int_equal(query_results[2], 0);
    assert_int_equal(query_results[3], 0);
    struct l4sim_fault_point p = point("mm/frames/exhaust");
    assert_int_equal(p.hits, 3);
    assert_int_equal(p.fired, 1);
    assert_true(p.server_level);
    run_spec("mm/frames/exhaust:p=1,dst=root", 1, query_body, NULL, NULL);
    assert_int_equal(query_results[1], 0); /* no partner given: dst= does not match */
    assert_int_equal(query_results[2], 1);
    run_spec(NULL, 1, query_body, NULL, NULL);
    assert_int_equal(query_results[0] | query_results[1] | query_results[2], 0);
}

/* ------------------------------------------------------------- triggers */

static void nth_once_max_after_and_p_trigger_as_documented(void **state)
{
    (void) state;
    run_spec("ipc/send/drop:nth=3,label=0x77", 1, calls_body, (void *) 6, NULL);
    assert_int_equal(lost_mask, 1UL << 2);
    run_spec("ipc/send/drop:once,label=0x77", 1, calls_body, (void *) 6, NULL);
    assert_int_equal(lost_mask, 1UL);
    run_spec("ipc/send/drop:max=2,label=0x77", 1, calls_body, (void *) 6, NULL);
    assert_int_equal(lost_mask, 3UL);
    run_spec("ipc/send/drop:after=1000000,label=0x77", 1, calls_body, (void *) 6, NULL);
    assert_int_equal(lost_mask, 0);
    /* after= counts trace events: once past them, every hit fires. */
    run_spec("ipc/send/drop:after=1,label=0x77", 1, calls_body, (void *) 6, NULL);
    assert_int_equal(lost_mask, 0x3f);
    struct l4sim_stats s =
        run_spec("ipc/send/drop:p=0.5,label=0x77", 7, calls_body, (void *) 60, NULL);
    int lost = __builtin_popcountl(lost_mask);
    assert_true(lost > 10 && lost < 50);
    assert_int_equal(s.faults_fired, (uint64_t) lost);
}

static void filters_select_source_destination_space_and_label(void **state)
{
    (void) state;
    run_spec("ipc/send/drop:dst=36", 1, calls_body, (void *) 3, NULL);
    assert_int_equal(lost_mask, 0); /* nobody calls 36 */
    run_spec("ipc/send/drop:dst=35.1,src=root", 1, calls_body, (void *) 3, NULL);
    assert_int_equal(lost_mask, 7);
    run_spec("ipc/send/drop:dst=35.2", 1, calls_body, (void *) 3, NULL);
    assert_int_equal(lost_mask, 0); /* another version */
    run_spec("ipc/send/drop:src=35", 1, calls_body, (void *) 3, NULL);
    assert_int_equal(lost_mask, 7); /* the replies */
    run_spec("ipc/send/drop:space=w0,label=0x77", 1, calls_body, (void *) 3, NULL);
    assert_int_equal(lost_mask, 7);
    run_spec("ipc/send/drop:space=w1", 1, calls_body, (void *) 3, NULL);
    assert_int_equal(lost_mask, 0);
    run_spec("ipc/send/drop:label=0x78", 1, calls_body, (void *) 3, NULL);
    assert_int_equal(lost_mask, 7); /* the echo's replies carry label + 1 */
    run_spec("ipc/*:label=0x99", 1, calls_body, (void *) 3, NULL);
    assert_int_equal(lost_mask, 0);
}

/* ---------------------------------------------------------- determinism */

static void same_seed_same_spec_replays_and_seeds_differ(void **state)
{
    (void) state;
    const char *spec = "ipc/send/drop:p=0.3,label=0x77;ipc/mr/corrupt:p=0.2,label=0x77";
    struct l4sim_stats a = run_spec(spec, 42, calls_body, (void *) 16, NULL);
    unsigned long mask_a = lost_mask;
    struct l4sim_stats b = run_spec(spec, 42, calls_body, (void *) 16, NULL);
    assert_int_equal(a.trace_hash, b.trace_hash);
    assert_int_equal(a.faults_fired, b.faults_fired);
    assert_int_equal(mask_a, lost_mask);
    unsigned differ = 0;
    for (uint64_t seed = 1; seed <= 8; seed++)
        differ += run_spec(spec, seed, calls_body, (void *) 16, NULL).trace_hash != a.trace_hash;
    assert_true(differ >= 7);
}

static void rules_that_never_fire_leave_the_run_unchanged(void **state)
{
    (void) state;
    struct l4sim_stats plain = run_spec(NULL, 5, calls_body, (void *) 4, NULL);
    struct l4sim_stats armed =
        run_spec("ipc/send/drop:p=0;thread/crash:src=999;server/hang:label=0x1234", 5, calls_body,
                 (void *) 4, NULL);
    assert_int_equal(plain.trace_hash, armed.trace_hash);
    assert_int_equal(plain.sched_decisions, armed.sched_decisions);
    assert_int_equal(armed.faults_fired, 0);
    assert_true(point("ipc/send/drop").hits > 0);
}

/* ----------------------------------------------------------- invariants */

static int hook_fails(void *ctx, char *why, size_t size)
{
    snprintf(why, size, "%s", (const char *) ctx);
    return 1;
}

static int hook_body(void *arg)
{
    (void) arg;
    H_CHECK(l4sim_invariant_add("frame accounting", hook_fails, "free + used != total") == 0);
    return 0;
}

static void invariants_hold_and_hooks_report_what_broke(void **state)
{
    (void) state;
    struct l4sim_stats s = run_spec("ipc/send/drop:p=0.5", 3, calls_body, (void *) 8, NULL);
    assert_int_equal(s.invariants_broken, 0);
    assert_string_equal(l4sim_invariant_report(), "");
    s = run_spec(NULL, 1, hook_body, NULL, NULL);
    assert_int_equal(s.invariants_broken, 1);
    assert_string_equal(l4sim_invariant_report(), "frame accounting: free + used != total");
    s = run_spec(NULL, 1, calls_body, (void *) 1, NULL);
    assert_int_equal(s.invariants_broken, 0); /* hooks belong to their run */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_specs_are_refused_with_a_clear_message),
        cmocka_unit_test(boot_fails_on_a_bad_spec),
        cmocka_unit_test(spec_comes_from_the_environment_and_files),
        cmocka_unit_test(send_drop_loses_the_message_and_the_sender_sees_success),
        cmocka_unit_test(send_delay_holds_the_sender_for_arg_microseconds),
        cmocka_unit_test(mr_corrupt_flips_bits_of_an_untyped_word),
        cmocka_unit_test(string_truncate_delivers_a_shorter_string_without_error),
        cmocka_unit_test(pager_refuse_leaves_the_fault_unresolved),
        cmocka_unit_test(thread_crash_kills_the_thread_and_its_partner_gets_an_error),
        cmocka_unit_test(thread_crash_spares_the_root_unless_named),
        cmocka_unit_test(server_hang_stops_answering_after_the_reply),
        cmocka_unit_test(servers_ask_for_their_points),
        cmocka_unit_test(nth_once_max_after_and_p_trigger_as_documented),
        cmocka_unit_test(filters_select_source_destination_space_and_label),
        cmocka_unit_test(same_seed_same_spec_replays_and_seeds_differ),
        cmocka_unit_test(rules_that_never_fire_leave_the_run_unchanged),
        cmocka_unit_test(invariants_hold_and_hooks_report_what_broke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

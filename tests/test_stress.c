/*
 * Stress: many calls from several clients to one server with every reply
 * checked, and threads created, run and deleted in a loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define CLIENTS      4
#define CALLS        2000
#define LOOP_THREADS 200

/* The server answers (label, a, b) with (label + 1, a * 3 + b, the caller's local ID). */
static void server(void *kip)
{
    (void) kip;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            h_fail_at(__FILE__, __LINE__, "server receive failed: 0x%lx", L4_ErrorCode());
            tag = L4_Wait(&from);
            continue;
        }
        L4_Word_t in[2];
        L4_StoreMRs(1, 2, in);
        L4_Word_t out[2] = {in[0] * 3 + in[1], from.raw};
        h_load_words(L4_Label(tag) + 1, 2, out);
        tag = L4_ReplyWait(from, &from);
    }
}

static struct {
    L4_ThreadId_t server;
    unsigned long ok[CLIENTS];
} stress;

static void client(void *kip)
{
    (void) kip;
    unsigned me = (unsigned) (uintptr_t) h_arg();
    L4_Word_t my_local = L4_MyLocalId().raw;
    for (L4_Word_t i = 0; i < CALLS; i++) {
        L4_Word_t words[2] = {i, me};
        h_load_words(0x100 + me, 2, words);
        L4_MsgTag_t tag = L4_Call(stress.server);
        L4_Word_t got[2] = {0, 0};
        L4_StoreMRs(1, 2, got);
        if (L4_IpcFailed(tag) || L4_Label(tag) != 0x101 + me || L4_UntypedWords(tag) != 2 ||
            got[0] != i * 3 + me || got[1] != my_local) {
            h_fail_at(__FILE__, __LINE__, "client %u call %lu: tag 0x%lx error 0x%lx reply %lu/%lx",
                      me, i, tag.raw, L4_IpcFailed(tag) ? L4_ErrorCode() : 0, got[0], got[1]);
            break;
        }
        stress.ok[me]++;
    }
    h_signal_root();
}

static int body_calls(void *arg)
{
    (void) arg;
    stress.server = h_spawn(0, server, NULL);
    L4_ThreadId_t c[CLIENTS];
    for (unsigned i = 0; i < CLIENTS; i++)
        c[i] = h_spawn(1 + i, client, (void *) (uintptr_t) i);
    for (unsigned i = 0; i < CLIENTS; i++) {
        /* A client signals only when done; allow for slow hosts (valgrind). */
        L4_MsgTag_t tag = L4_Receive(c[i]);
        H_IPC_OK(tag);
        H_EQ(L4_Label(tag), H_LABEL_SIGNAL);
    }
    for (unsigned i = 0; i < CLIENTS; i++)
        H_EQ(stress.ok[i], CALLS);
    return 0;
}

static void four_clients_make_2000_calls_each(void **state)
{
    (void) state;
    memset(&stress, 0, sizeof(stress));
    struct l4sim_stats before, after;
    l4sim_get_stats(&before);
    assert_int_equal(h_run(body_calls, NULL), 0);
    l4sim_get_stats(&after);
    /* Two transfers per call, plus the start messages and signals. */
    assert_true(after.ipc_count >= 2UL * CLIENTS * CALLS);
}

/* ------------------------------------------------------- create/delete */

static void hello(void *kip)
{
    (void) kip;
    L4_Word_t w = L4_ThreadNo(L4_Myself());
    h_load_words(0x4e1, 1, &w);
    L4_Send(h_root());
    L4_Receive(h_root()); /* wait to be deleted */
}

static int body_create_delete(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    int tasks = h_settled_tasks(1); /* an earlier run's detached thread may still be leaving */
    enum { SLOTS = 8 };
    for (unsigned i = 0; i < LOOP_THREADS && !h_failures(); i++) {
        /* Versions stay below 64, so every one is a valid global version. */
        L4_ThreadId_t t = h_tid(i % SLOTS, 1 + i / SLOTS);
        if (i % 2) {
            /* Odd rounds: created inactive, activated by a second ThreadControl. */
            H_EQ(L4_ThreadControl(t, me, me, L4_nilthread, h_root_utcb(t)), 1);
            H_EQ(L4_ThreadControl(t, me, L4_nilthread, me, (void *) ~0UL), 1);
            h_start(t, hello);
        } else {
            h_spawn_v(i % SLOTS, 1 + i / SLOTS, hello, NULL);
        }
        L4_MsgTag_t tag = L4_Receive(t);
        H_IPC_OK(tag);
        L4_Word_t w = 0;
        L4_StoreMR(1, &w);
        H_EQ(w, L4_ThreadNo(t));
        h_delete(t);
        L4_LoadMR(0, 0);
        H_IPC_FAILS(L4_Send_Timeout(t, L4_ZeroTime), H_ERR_SEND(L4_IpcErrNonExistingPartner));
    }
    /* Every host thread of a deleted L4 thread is gone. */
    H_EQ(h_settled_tasks(tasks), tasks);
    return 0;
}

static void two_hundred_threads_are_created_and_deleted(void **state)
{
    (void) state;
    int tasks = h_settled_tasks(1); /* an earlier run's detached thread may still be leaving */
    assert_int_equal(h_run(body_create_delete, NULL), 0);
    assert_int_equal(h_settled_tasks(tasks), tasks);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(four_clients_make_2000_calls_each),
        cmocka_unit_test(two_hundred_threads_are_created_and_deleted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

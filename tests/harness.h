/*
 * Shared test harness for the kernel suites: boot one system per test case,
 * start L4 threads with the X.2 start protocol, and record expectations.
 */
#ifndef L4SIM_TESTS_HARNESS_H
#define L4SIM_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/types.h>
#include <l4sim/l4sim.h>

/*
 * Expectations. Any L4 thread (or the root) may check a condition; a failed
 * check is recorded, never longjmps, and h_run fails the CMocka test case
 * from the host thread once l4sim_run has returned.
 */
void h_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define H_CHECK(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            h_fail_at(__FILE__, __LINE__, "check failed: %s", #cond);                              \
    } while (0)

#define H_EQ(a, b)                                                                                 \
    do {                                                                                           \
        unsigned long h_a_ = (unsigned long) (a), h_b_ = (unsigned long) (b);                      \
        if (h_a_ != h_b_)                                                                          \
            h_fail_at(__FILE__, __LINE__, "%s == %s: 0x%lx != 0x%lx", #a, #b, h_a_, h_b_);         \
    } while (0)

/* An IPC's outcome: the tag must say failure and ErrorCode must be err. */
#define H_IPC_FAILS(tag, err)                                                                      \
    do {                                                                                           \
        L4_MsgTag_t h_t_ = (tag);                                                                  \
        unsigned long h_e_ = L4_ErrorCode(), h_w_ = (unsigned long) (err);                         \
        if (!L4_IpcFailed(h_t_) || h_e_ != h_w_)                                                   \
            h_fail_at(__FILE__, __LINE__, "%s: want error 0x%lx (%s), got tag 0x%lx error 0x%lx",  \
                      #tag, h_w_, L4_IpcErrorCode_String(h_w_), h_t_.raw, h_e_);                   \
    } while (0)

#define H_IPC_OK(tag)                                                                              \
    do {                                                                                           \
        L4_MsgTag_t h_t_ = (tag);                                                                  \
        if (L4_IpcFailed(h_t_))                                                                    \
            h_fail_at(__FILE__, __LINE__, "%s failed: error 0x%lx (%s)", #tag, L4_ErrorCode(),     \
                      L4_IpcErrorCode_String(L4_ErrorCode()));                                     \
    } while (0)

/* IPC error codes as they appear in ErrorCode (offset 0). */
#define H_ERR_SEND(type) L4_IpcErrorEncode(0, (type), 0)
#define H_ERR_RECV(type) L4_IpcErrorEncode(1, (type), 0)

/* Number of failed checks so far in this test case. */
unsigned h_failures(void);

/*
 * Boot a system with the default configuration (or cfg), run body(arg) as
 * the root thread, and return its result. Afterwards, in the calling (host)
 * thread: free the stacks handed out, and fail the CMocka test case if any
 * check failed. A watchdog ends the process if the run hangs.
 */
int h_run(int (*body)(void *arg), void *arg);
int h_run_config(const struct l4sim_config *cfg, int (*body)(void *arg), void *arg);

/* ---- Inside a run (root or its threads). ---- */

/* The thread-number layout, from the KIP. */
L4_Word_t h_user_base(void);
L4_ThreadId_t h_root(void);
L4_ThreadId_t h_sigma0(void);

/*
 * Test threads are numbered from 0: test thread n has thread number
 * UserBase + 3 + n. Its UTCB location in the root space is fixed by its
 * thread number (the root's UTCB is the first slot of the area).
 */
L4_ThreadId_t h_tid(unsigned n, L4_Word_t version);
void *h_root_utcb(L4_ThreadId_t t);

/* A fresh 64 KiB stack, freed after the run; returns its top. */
L4_Word_t h_stack(void);

/* The argument h_spawn* gave the calling thread. */
void *h_arg(void);
void h_set_arg(L4_ThreadId_t t, void *arg);

typedef void (*h_thread_fn)(void *kip);

/* Send the X.2 start message (MR1 = IP, MR2 = SP) to t from its pager. */
bool h_start(L4_ThreadId_t t, h_thread_fn fn);

/* Create an active thread in the root space (pager = root) and start it. */
L4_ThreadId_t h_spawn(unsigned n, h_thread_fn fn, void *arg);
L4_ThreadId_t h_spawn_v(unsigned n, L4_Word_t version, h_thread_fn fn, void *arg);

/*
 * Create thread n as the first thread of a new space: ThreadControl into
 * its own space, SpaceControl (KIP area at 4 KiB, 16 UTCBs at 1 MiB), then
 * activation with the root as pager and the start message.
 */
#define H_SPACE_UTCB_BASE  0x100000UL
#define H_SPACE_UTCB_LOG2  14
#define H_SPACE_KIP_AREA() L4_FpageLog2(0x1000UL, 12)
L4_ThreadId_t h_spawn_space(unsigned n, h_thread_fn fn, void *arg);

/* Delete a thread with ThreadControl; checks that it succeeded. */
void h_delete(L4_ThreadId_t t);

/* The thread state bits (L4_ThreadWas*) read with ExchangeRegisters. */
L4_Word_t h_state(L4_ThreadId_t t);

/*
 * Poll (host sleeps, not L4 time) until t's state has all bits of `want`,
 * for at most about 20 s; false (and a failed check) if it never does.
 */
bool h_wait_state_at(const char *file, int line, L4_ThreadId_t t, L4_Word_t want);
#define h_wait_state(t, want) h_wait_state_at(__FILE__, __LINE__, (t), (want))
#define H_STATE_HALTED        L4_EXREGS_HALT_FLAG
#define H_STATE_RECEIVING     L4_EXREGS_RECV_FLAG
#define H_STATE_SENDING       L4_EXREGS_SEND_FLAG

/* Poll until *flag is non-zero (at most about 20 s). */
bool h_wait_flag_at(const char *file, int line, volatile int *flag);
#define h_wait_flag(flag) h_wait_flag_at(__FILE__, __LINE__, (flag))

/* Host sleep, for polling loops only. */
void h_host_sleep_us(unsigned us);

/* Load MR0 with label/u/t and MR1..MRu with words. */
void h_load_words(L4_Word_t label, unsigned u, const L4_Word_t *words);

/*
 * An echo server: answers every message with its untyped words, label + 1.
 * h_ping calls it with one word and checks the answer.
 */
void h_echo_server(void *kip);
bool h_ping_at(const char *file, int line, L4_ThreadId_t echo, L4_Word_t value);
#define h_ping(echo, value) h_ping_at(__FILE__, __LINE__, (echo), (value))

/*
 * Synchronising with the root: a thread sends an empty message labelled
 * H_LABEL_SIGNAL; the root receives it from that thread (5 s at most).
 */
#define H_LABEL_SIGNAL 0x5197
void h_signal_root(void);
bool h_wait_signal_at(const char *file, int line, L4_ThreadId_t from);
#define h_wait_signal(from) h_wait_signal_at(__FILE__, __LINE__, (from))

/* ---- Outside a run (host thread). ---- */

/* Entries of /proc/self/task and /proc/self/fd. */
int h_count_tasks(void);
int h_count_fds(void);
/* The task count once it is back at want (exiting threads linger briefly), or after ~2 s. */
int h_settled_tasks(int want);

#endif /* L4SIM_TESTS_HARNESS_H */

/*
 * Shared test harness for the kernel suites: boot one system per test case,
 * start L4 threads with the X.2 start protocol, and record expectations.
 */
#ifndef L4SIM_TESTS_HARNESS_H
#define L4SIM_TESTS_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/pagefault.h>
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/types.h>
#include <l4sim/l4sim.h>
#include <l4srv/system.h>

/*
 * Test cases. A suite's table lists cmocka_unit_test(f) as usual, but the
 * harness redefines the macro (CMocka cannot tell a running test its
 * name): f runs through h_case_run, so the harness knows the case. Each
 * run of a case gets a seed of its own from the program, the case and
 * the run's number, the same whether the case runs alone (TEST_FILTER=f)
 * or with the others. When a case fails (a check inside the system, a
 * deadlock, an assertion after a run, the watchdog), the harness prints
 * the last run's seed and trace hash and a line that replays it:
 *   replay: L4SIM_DETERMINISTIC=1 L4SIM_SEED=N TEST_FILTER=f ./tests/test_x
 * TEST_FILTER selects cases in every harness suite.
 */
struct h_case {
    const char *name;
    CMUnitTestFunction fn;
};
void h_case_run(void **state);
int h_case_end(void **state);
#undef cmocka_unit_test
#define cmocka_unit_test(f)                                                                        \
    {                                                                                              \
        .name = #f, .test_func = h_case_run, .setup_func = NULL, .teardown_func = h_case_end,      \
        .initial_state = &(struct h_case){#f, f},                                                  \
    }

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
/* The same in free-running mode, for tests that need host threads to run
 * truly at once (a thread spinning in user code keeps the one simulated
 * CPU of deterministic mode forever). */
int h_run_free(int (*body)(void *arg), void *arg);
int h_run_config(const struct l4sim_config *cfg, int (*body)(void *arg), void *arg);
/*
 * h_run with the standard system (l4srv_run with opt): body runs in the
 * root task once the MM server, task service, backing store and name
 * service are up. Its own threads must use numbers n >= H_FIRST_APP, clear
 * of the servers' well-known IDs.
 */
int h_run_system(const struct l4srv_options *opt, int (*body)(void *arg), void *arg);
int h_run_system_config(const struct l4sim_config *cfg, const struct l4srv_options *opt,
                        int (*body)(void *arg), void *arg);
#define H_FIRST_APP (L4SRV_FIRST_FREE - 1)

/* Thread numbers the servers leave to tests: h_tid(H_APP(n), v), n >= 0. */
#define H_APP(n) (H_FIRST_APP + (n))

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
/* A task the MM server made (mm_new_as) and pages: thread h_tid(H_APP(n), 1) runs fn. */
L4_ThreadId_t h_task(unsigned n, h_thread_fn fn, void *arg);
/* The same, registered as privileged (pin_priv, malloc_priv) if priv. */
L4_ThreadId_t h_task_priv(unsigned n, h_thread_fn fn, void *arg, bool priv);

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

/* ---- Memory: windows, page faults, pagers and agents (inside a run). ---- */

/* The exception IPC's label, (-4 << 4) cut to the 48-bit label. */
#define H_EXCEPTION_LABEL 0xffffffffffc0UL
/* How long the memory helpers wait for any one message. */
#define H_MEM_WAIT L4_TimePeriod(20UL * 1000 * 1000)

/*
 * A page fault (label -2, u = 2) or an exception (label -4, u = 4) as its
 * handler receives it. For a page fault sp is 0.
 */
struct h_fault {
    L4_ThreadId_t from;
    L4_MsgTag_t tag;
    L4_Word_t addr, ip, access, sp;
};

bool h_is_pagefault(L4_MsgTag_t tag);
bool h_is_exception(L4_MsgTag_t tag);

/*
 * Receive from from_spec (H_MEM_WAIT at most) and decode what came into *f.
 * f->from is the sender's global ID when from_spec names it, even if the
 * kernel delivered its local ID (a sender in the caller's space).
 */
L4_MsgTag_t h_receive_fault(L4_ThreadId_t from_spec, struct h_fault *f);

/*
 * The next message from `from` (a thread, or L4_anythread) must be a page
 * fault (an exception); false and a failed check if not.
 */
bool h_expect_pagefault_at(const char *file, int line, L4_ThreadId_t from, struct h_fault *f);
bool h_expect_exception_at(const char *file, int line, L4_ThreadId_t from, struct h_fault *f);
#define h_expect_pagefault(from, f) h_expect_pagefault_at(__FILE__, __LINE__, (from), (f))
#define h_expect_exception(from, f) h_expect_exception_at(__FILE__, __LINE__, (from), (f))

/* A fresh 4 KiB page from sigma0, all rights, at its physical address in the root's window. */
L4_Word_t h_sigma0_page(void);

/*
 * Answer a thread waiting for its pager (or exception handler) with one map
 * item: the 4 KiB page at `page` of the caller's space with `rights`, sent
 * to land at snd_base. page 0 sends the nil fpage.
 */
bool h_reply_map(L4_ThreadId_t to, L4_Word_t page, L4_Word_t rights, L4_Word_t snd_base);

/*
 * Be the pager: answer page faults arriving from from_spec with fresh sigma0
 * pages (all rights) until some other message arrives, and return its tag
 * (an error tag after H_MEM_WAIT of silence). *from gets its sender and
 * *served (if not NULL) the number of faults answered.
 */
L4_MsgTag_t h_serve_faults(L4_ThreadId_t from_spec, L4_ThreadId_t *from, unsigned *served);

/* Thread body: a pager serving every page fault with a fresh sigma0 page, forever. */
void h_pager_server(void *kip);
/* Page faults h_pager_server threads answered in this run. */
unsigned h_pager_served(void);

/*
 * Thread n as the first thread of a new space (KIP area at 4 KiB, 16 UTCBs
 * at 1 MiB), active with `pager` (the root if nil), not yet started.
 */
L4_ThreadId_t h_new_space(unsigned n, L4_ThreadId_t pager, void *arg);
/* Start an active thread at fn on stack sp (0: a fresh h_stack) with L4_Start_SpIp. */
bool h_start_sp(L4_ThreadId_t t, h_thread_fn fn, L4_Word_t sp);
/* h_new_space + h_start_sp. */
L4_ThreadId_t h_spawn_paged(unsigned n, L4_ThreadId_t pager, h_thread_fn fn, void *arg);

/* The base of t's window; *size (if not NULL) its size. Fails a check if t has none. */
L4_Word_t h_window(L4_ThreadId_t t, L4_Word_t *size);
/* l4sim_window_stack, with [lo, hi) registered as a stack with valgrind for the run. */
L4_Word_t h_window_stack(L4_ThreadId_t t, L4_Word_t lo, L4_Word_t hi);

/* l4sim_get_stats as a value. */
struct l4sim_stats h_stats(void);

/*
 * Agents: a thread (normally alone in a space paged by the root) that does
 * memory operations on the root's command and reports back. The root's
 * h_agent_* calls answer the agent's page faults on the way, as set with
 * h_set_fault_answer, and count them per thread.
 */
void h_agent(void *kip);

/* Answer agents' faults with `page` (0: a fresh sigma0 page each time; ~0: the nil fpage). */
void h_set_fault_answer(L4_Word_t page, L4_Word_t rights);
/* Page faults of thread t answered by h_agent_* calls, and the last one. */
unsigned h_faults(L4_ThreadId_t t);
struct h_fault h_last_fault(L4_ThreadId_t t);

L4_Word_t h_agent_read(L4_ThreadId_t a, L4_Word_t addr);
void h_agent_write(L4_ThreadId_t a, L4_Word_t addr, L4_Word_t value);
/* L4_Unmap on one fpage in a's space (control 0, or the flush bit); the fpage Unmap returned. */
L4_Fpage_t h_agent_unmap(L4_ThreadId_t a, L4_Fpage_t f, bool flush);

/* The outcome of one map/grant transfer: both sides' ErrorCode (0 for success). */
struct h_xfer {
    L4_Word_t send_error, recv_error;
    L4_MsgTag_t recv_tag;
    L4_Word_t recv_mr[2]; /* the item as the receiver got it */
};

/*
 * `from` (an agent, or the caller itself) sends one typed item, MR1 = item
 * (an L4_MapItem/L4_GrantItem's first word) and MR2 = fpage, to agent `to`,
 * which receives it with acceptor `acceptor` (BR0).
 */
struct h_xfer h_transfer(L4_ThreadId_t from, L4_ThreadId_t to, L4_Word_t item, L4_Word_t fpage,
                         L4_Word_t acceptor);
/* The usual case: map (grant) the 4 KiB page at addr with rights, to land at dest (whole window).
 */
struct h_xfer h_map_page(L4_ThreadId_t from, L4_ThreadId_t to, L4_Word_t addr, L4_Word_t rights,
                         L4_Word_t dest);
struct h_xfer h_grant_page(L4_ThreadId_t from, L4_ThreadId_t to, L4_Word_t addr, L4_Word_t rights,
                           L4_Word_t dest);

/* Lines of /proc/self/maps: the host mappings of the process (host thread or any). */
int h_count_host_maps(void);

/* ---- Outside a run (host thread). ---- */

/* Entries of /proc/self/task and /proc/self/fd. */
int h_count_tasks(void);
int h_count_fds(void);
/* The task count once it is back at want (exiting threads linger briefly), or after ~2 s. */
int h_settled_tasks(int want);

#endif /* L4SIM_TESTS_HARNESS_H */

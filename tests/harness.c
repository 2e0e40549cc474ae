/*
 * Shared test harness for the kernel suites: booting per test case, the
 * X.2 start protocol, thread bookkeeping, thread-safe expectations, and
 * each case's seeds and replay line.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#include <l4srv/mm.h>
#include <l4srv/system.h>

/* Stacks are registered with valgrind so it recognises switches onto them. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif

#define H_STACK_SIZE    (64UL << 10)
#define H_MAX_RECORDED  32
#define H_MSG_LEN       256
#define H_MAX_THREADNO  4096
#define H_WAIT_LIMIT_US (20UL * 1000 * 1000)
#define H_WATCHDOG_S    240

/* ------------------------------------------------------------ checks */

static atomic_uint failure_count;
static char failure_msgs[H_MAX_RECORDED][H_MSG_LEN];

void h_fail_at(const char *file, int line, const char *fmt, ...)
{
    unsigned i = atomic_fetch_add(&failure_count, 1);
    if (i >= H_MAX_RECORDED)
        return;
    const char *base = strrchr(file, '/');
    int n = snprintf(failure_msgs[i], H_MSG_LEN, "%s:%d: ", base ? base + 1 : file, line);
    if (n < 0 || n >= H_MSG_LEN)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure_msgs[i] + n, H_MSG_LEN - (size_t) n, fmt, ap);
    va_end(ap);
}

unsigned h_failures(void)
{
    return atomic_load(&failure_count);
}

/* ------------------------------------------------------ run bookkeeping */

struct stack {
    void *base; /* freed after the run; NULL for a stack the harness does not own */
    unsigned valgrind_id;
};

static pthread_mutex_t stacks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stack *stacks;
static size_t stack_count, stack_cap;
static void *thread_args[H_MAX_THREADNO];
static int (*run_body)(void *);
static void *run_arg;

/* Memory helpers' bookkeeping, reset per run. */
static unsigned fault_counts[H_MAX_THREADNO];
static struct h_fault last_faults[H_MAX_THREADNO];
static L4_Word_t answer_page, answer_rights = L4_FullyAccessible;
static atomic_uint pager_served;

static void free_stacks(void)
{
    pthread_mutex_lock(&stacks_lock);
    for (size_t i = 0; i < stack_count; i++) {
#ifdef HAVE_VALGRIND_H
        if (stacks[i].valgrind_id)
            VALGRIND_STACK_DEREGISTER(stacks[i].valgrind_id);
#endif
        free(stacks[i].base);
    }
    free(stacks);
    stacks = NULL;
    stack_count = stack_cap = 0;
    pthread_mutex_unlock(&stacks_lock);
}

/* Remember a stack: base is freed after the run unless owned is false. */
static bool stack_add(void *base, size_t size, bool owned)
{
    pthread_mutex_lock(&stacks_lock);
    if (stack_count == stack_cap) {
        size_t cap = stack_cap ? 2 * stack_cap : 64;
        struct stack *grown = realloc(stacks, cap * sizeof(*grown));
        if (!grown) {
            pthread_mutex_unlock(&stacks_lock);
            h_fail_at(__FILE__, __LINE__, "out of memory for the stack list");
            return false;
        }
        stacks = grown;
        stack_cap = cap;
    }
    stacks[stack_count].base = owned ? base : NULL;
    stacks[stack_count].valgrind_id = 0;
#ifdef HAVE_VALGRIND_H
    if (RUNNING_ON_VALGRIND)
        stacks[stack_count].valgrind_id = VALGRIND_STACK_REGISTER(base, (char *) base + size);
#else
    (void) size;
#endif
    stack_count++;
    pthread_mutex_unlock(&stacks_lock);
    return true;
}

L4_Word_t h_stack(void)
{
    void *s = malloc(H_STACK_SIZE);
    if (!s) {
        h_fail_at(__FILE__, __LINE__, "out of memory for a stack");
        return 0;
    }
    if (!stack_add(s, H_STACK_SIZE, true)) {
        free(s);
        return 0;
    }
    return (L4_Word_t) s + H_STACK_SIZE;
}

/* ---------------------------------------------- cases, seeds and replay */

/*
 * The case running (NULL outside h_case_run) and its runs so far. The
 * current run's facts are plain statics because the watchdog's signal
 * handler reads them; they are set before the run starts.
 */
static const char *case_name;
static bool case_passed;
static unsigned case_runs;
static struct {
    unsigned number; /* of the case's runs, from 1; 0: none yet */
    bool deterministic;
    uint64_t seed;
    uint64_t trace_hash;
    bool finished, shown;
} run_now;

/* TEST_FILTER selects cases in every suite (a command-line filter in main still wins). */
__attribute__((constructor)) static void filter_from_environment(void)
{
    const char *filter = getenv("TEST_FILTER");
    if (filter && *filter)
        cmocka_set_test_filter(filter);
}

void h_case_run(void **state)
{
    const struct h_case *c = *state;
    *state = NULL;
    case_name = c->name;
    case_passed = false;
    case_runs = 0;
    memset(&run_now, 0, sizeof(run_now));
    c->fn(state);
    case_passed = true;
}

static void show_replay(void)
{
    if (run_now.shown || !run_now.number)
        return;
    run_now.shown = true;
    const char *name = case_name ? case_name : "?";
    if (!run_now.deterministic) {
        print_error("harness: %s, run %u: free-running, no seed replays it\n", name,
                    run_now.number);
        return;
    }
    unsigned long long seed = (unsigned long long) run_now.seed;
    if (run_now.finished)
        print_error("harness: %s, run %u: seed %llu, trace hash %016llx\n", name, run_now.number,
                    seed, (unsigned long long) run_now.trace_hash);
    else
        print_error("harness: %s, run %u: seed %llu\n", name, run_now.number, seed);
    print_error("replay: L4SIM_DETERMINISTIC=1 L4SIM_SEED=%llu TEST_FILTER=%s %s\n", seed, name,
                program_invocation_name);
}

/* A failed case names its last run, whatever failed: an assertion after the run, say. */
int h_case_end(void **state)
{
    (void) state;
    if (!case_passed)
        show_replay();
    return 0;
}

/* The seed of the case's next run: the program, the case and the run's number. */
static uint64_t default_seed(void)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *c = program_invocation_short_name; *c; c++)
        h = (h ^ (unsigned char) *c) * 0x100000001b3ull;
    h = (h ^ '/') * 0x100000001b3ull;
    for (const char *c = case_name ? case_name : ""; *c; c++)
        h = (h ^ (unsigned char) *c) * 0x100000001b3ull;
    return h ^ (case_runs + 1);
}

/* write(2) pieces, for the signal handler. */
static void say(const char *s)
{
    if (write(2, s, strlen(s)) < 0) {
        /* nothing more to do */
    }
}

static void say_number(unsigned long long v)
{
    char buf[24];
    int n = (int) sizeof(buf);
    buf[--n] = 0;
    do {
        buf[--n] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);
    say(&buf[n]);
}

static void watchdog(int sig)
{
    (void) sig;
    const char *name = case_name ? case_name : "?";
    say("harness: watchdog: the test case hung, giving up\n");
    if (run_now.number) {
        say("harness: ");
        say(name);
        say(", run ");
        say_number(run_now.number);
        if (run_now.deterministic) {
            say(": seed ");
            say_number(run_now.seed);
            say("\nreplay: L4SIM_DETERMINISTIC=1 L4SIM_SEED=");
            say_number(run_now.seed);
            say(" TEST_FILTER=");
            say(name);
            say(" ");
            say(program_invocation_name);
            say("\n");
        } else {
            say(": free-running, no seed replays it\n");
        }
    }
    _exit(70);
}

static int root_main(void *arg)
{
    (void) arg;
    return run_body(run_arg);
}

static const struct l4srv_options *system_options; /* non-NULL: boot the servers too */

int h_run_config(const struct l4sim_config *cfg, int (*body)(void *arg), void *arg)
{
    atomic_store(&failure_count, 0);
    memset(thread_args, 0, sizeof(thread_args));
    memset(fault_counts, 0, sizeof(fault_counts));
    memset(last_faults, 0, sizeof(last_faults));
    answer_page = 0;
    answer_rights = L4_FullyAccessible;
    atomic_store(&pager_served, 0);
    run_body = body;
    run_arg = arg;

    run_now.number = ++case_runs;
    run_now.deterministic = cfg->deterministic;
    run_now.seed = cfg->seed;
    run_now.finished = run_now.shown = false;

    unsigned limit = H_WATCHDOG_S;
    const char *env = getenv("H_WATCHDOG_S");
    if (env && atoi(env) > 0)
        limit = (unsigned) atoi(env);
    signal(SIGALRM, watchdog);
    alarm(limit);
    int result = system_options ? l4srv_run(cfg, system_options, root_main, NULL)
                                : l4sim_run(cfg, root_main, NULL);
    alarm(0);
    run_now.trace_hash = h_stats().trace_hash;
    run_now.finished = true;

    free_stacks();
    unsigned n = atomic_load(&failure_count);
    for (unsigned i = 0; i < n && i < H_MAX_RECORDED; i++)
        print_error("%s\n", failure_msgs[i]);
    if (n > H_MAX_RECORDED)
        print_error("... and %u more failed checks\n", n - H_MAX_RECORDED);
    if (n || result == L4SIM_DEADLOCK)
        show_replay(); /* now: the case may go on and fail later, or not at all */
    if (n)
        fail_msg("%u check(s) failed inside the simulated system", n);
    return result;
}

/*
 * Test runs are deterministic unless L4SIM_DETERMINISTIC=0 says otherwise.
 * Each gets a fixed seed of its own (see default_seed), or L4SIM_SEED's.
 */
int h_run(int (*body)(void *arg), void *arg)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    if (!getenv("L4SIM_DETERMINISTIC"))
        cfg.deterministic = 1;
    if (cfg.deterministic && !getenv("L4SIM_SEED"))
        cfg.seed = default_seed();
    return h_run_config(&cfg, body, arg);
}

int h_run_system(const struct l4srv_options *opt, int (*body)(void *arg), void *arg)
{
    static const struct l4srv_options defaults;
    system_options = opt ? opt : &defaults;
    int result = h_run(body, arg);
    system_options = NULL;
    return result;
}

int h_run_system_config(const struct l4sim_config *cfg, const struct l4srv_options *opt,
                        int (*body)(void *arg), void *arg)
{
    static const struct l4srv_options defaults;
    system_options = opt ? opt : &defaults;
    int result = h_run_config(cfg, body, arg);
    system_options = NULL;
    return result;
}

L4_ThreadId_t h_task(unsigned n, h_thread_fn fn, void *arg)
{
    return h_task_priv(n, fn, arg, false);
}

L4_ThreadId_t h_task_priv(unsigned n, h_thread_fn fn, void *arg, bool priv)
{
    L4_ThreadId_t t = h_tid(H_APP(n), 1);
    L4_Word_t sp, ip;
    L4_Fpage_t utcbs;
    int e = mm_new_as(t, priv, 0, L4_nilthread, &sp, &ip, &utcbs);
    if (e) {
        h_fail_at(__FILE__, __LINE__, "mm_new_as(%lx) failed: %s", t.raw, l4srv_strerror(e));
        return L4_nilthread;
    }
    h_set_arg(t, arg);
    L4_Start_SpIp(t, sp, (L4_Word_t) fn);
    return t;
}

int h_run_free(int (*body)(void *arg), void *arg)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 0;
    return h_run_config(&cfg, body, arg);
}

/* ------------------------------------------------------------ threads */

L4_Word_t h_user_base(void)
{
    return L4_ThreadIdUserBase(L4_GetKernelInterface());
}

L4_ThreadId_t h_root(void)
{
    return L4_GlobalId(h_user_base() + 2, 1);
}

L4_ThreadId_t h_sigma0(void)
{
    return L4_GlobalId(h_user_base(), 1);
}

L4_ThreadId_t h_tid(unsigned n, L4_Word_t version)
{
    return L4_GlobalId(h_user_base() + 3 + n, version);
}

void *h_root_utcb(L4_ThreadId_t t)
{
    void *kip = L4_GetKernelInterface();
    L4_Word_t slot = L4_ThreadNo(t) - (h_user_base() + 2);
    return (void *) (H_SPACE_UTCB_BASE + slot * L4_UtcbSize(kip));
}

void *h_arg(void)
{
    L4_Word_t no = L4_ThreadNo(L4_Myself());
    return no < H_MAX_THREADNO ? thread_args[no] : NULL;
}

void h_set_arg(L4_ThreadId_t t, void *arg)
{
    if (L4_ThreadNo(t) < H_MAX_THREADNO)
        thread_args[L4_ThreadNo(t)] = arg;
}

bool h_start(L4_ThreadId_t t, h_thread_fn fn)
{
    L4_Word_t sp = h_stack();
    if (!sp)
        return false;
    L4_LoadMR(0, 2); /* u = 2, label 0 */
    L4_LoadMR(1, (L4_Word_t) fn);
    L4_LoadMR(2, sp);
    L4_MsgTag_t tag = L4_Send(t);
    if (L4_IpcFailed(tag)) {
        h_fail_at(__FILE__, __LINE__, "start message to %lx failed: error 0x%lx", t.raw,
                  L4_ErrorCode());
        return false;
    }
    return true;
}

L4_ThreadId_t h_spawn_v(unsigned n, L4_Word_t version, h_thread_fn fn, void *arg)
{
    L4_ThreadId_t t = h_tid(n, version), me = L4_Myself();
    h_set_arg(t, arg);
    if (!L4_ThreadControl(t, me, me, me, h_root_utcb(t))) {
        h_fail_at(__FILE__, __LINE__, "ThreadControl creating %lx failed: error %lu", t.raw,
                  L4_ErrorCode());
        return L4_nilthread;
    }
    return h_start(t, fn) ? t : L4_nilthread;
}

L4_ThreadId_t h_spawn(unsigned n, h_thread_fn fn, void *arg)
{
    return h_spawn_v(n, 1, fn, arg);
}

L4_ThreadId_t h_spawn_space(unsigned n, h_thread_fn fn, void *arg)
{
    L4_ThreadId_t t = h_new_space(n, L4_nilthread, arg); /* paged by the root */
    if (L4_IsNilThread(t))
        return L4_nilthread;
    return h_start(t, fn) ? t : L4_nilthread;
}

void h_delete(L4_ThreadId_t t)
{
    if (!L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *) ~0UL))
        h_fail_at(__FILE__, __LINE__, "deleting %lx failed: error %lu", t.raw, L4_ErrorCode());
}

L4_Word_t h_state(L4_ThreadId_t t)
{
    L4_Word_t control = 0, sp, ip, flags, handle;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, L4_EXREGS_DELIVER_FLAG, 0, 0, 0, 0, L4_nilthread, &control, &sp, &ip,
                         &flags, &handle, &pager);
    return control & 7;
}

void h_host_sleep_us(unsigned us)
{
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long) (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/*
 * Polling waits sleep in the kernel, not on the host: with one simulated
 * CPU (deterministic mode) a host sleep would keep the CPU, and a waiter of
 * high priority would starve the very thread it waits for.
 */
static void poll_pause(void)
{
    L4_Sleep(L4_TimePeriod(200));
}

bool h_wait_state_at(const char *file, int line, L4_ThreadId_t t, L4_Word_t want)
{
    for (unsigned long waited = 0; waited < H_WAIT_LIMIT_US; waited += 200) {
        if ((h_state(t) & want) == want)
            return true;
        poll_pause();
    }
    h_fail_at(file, line, "thread %lx never reached state bits 0x%lx (has 0x%lx)", t.raw, want,
              h_state(t));
    return false;
}

bool h_wait_flag_at(const char *file, int line, volatile int *flag)
{
    for (unsigned long waited = 0; waited < H_WAIT_LIMIT_US; waited += 200) {
        if (__atomic_load_n(flag, __ATOMIC_ACQUIRE))
            return true;
        poll_pause();
    }
    h_fail_at(file, line, "flag never set");
    return false;
}

void h_load_words(L4_Word_t label, unsigned u, const L4_Word_t *words)
{
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.u = u;
    L4_Set_Label(&tag, label);
    L4_Set_MsgTag(tag);
    if (u)
        L4_LoadMRs(1, (int) u, words);
}

void h_echo_server(void *kip)
{
    (void) kip;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        tag.X.t = 0;
        tag.X.flags = 0;
        L4_Set_Label(&tag, L4_Label(tag) + 1);
        L4_Set_MsgTag(tag);
        tag = L4_ReplyWait(from, &from);
    }
}

bool h_ping_at(const char *file, int line, L4_ThreadId_t echo, L4_Word_t value)
{
    L4_Word_t label = 0x77;
    h_load_words(label, 1, &value);
    L4_MsgTag_t tag = L4_Call(echo);
    L4_Word_t got = 0;
    L4_StoreMR(1, &got);
    if (L4_IpcFailed(tag) || L4_Label(tag) != label + 1 || L4_UntypedWords(tag) != 1 ||
        got != value) {
        h_fail_at(file, line, "ping %lx: tag 0x%lx error 0x%lx word 0x%lx (want 0x%lx)", echo.raw,
                  tag.raw, L4_IpcFailed(tag) ? L4_ErrorCode() : 0, got, value);
        return false;
    }
    return true;
}

void h_signal_root(void)
{
    h_load_words(H_LABEL_SIGNAL, 0, NULL);
    L4_MsgTag_t tag = L4_Send(h_root());
    if (L4_IpcFailed(tag))
        h_fail_at(__FILE__, __LINE__, "signal to the root failed: error 0x%lx", L4_ErrorCode());
}

bool h_wait_signal_at(const char *file, int line, L4_ThreadId_t from)
{
    L4_MsgTag_t tag = L4_Receive_Timeout(from, L4_TimePeriod(5UL * 1000 * 1000));
    if (L4_IpcFailed(tag) || L4_Label(tag) != H_LABEL_SIGNAL) {
        h_fail_at(file, line, "no signal from %lx: tag 0x%lx error 0x%lx", from.raw, tag.raw,
                  L4_IpcFailed(tag) ? L4_ErrorCode() : 0);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------ memory */

#define H_AGENT_READ  0x6a01
#define H_AGENT_WRITE 0x6a02
#define H_AGENT_SEND  0x6a03
#define H_AGENT_RECV  0x6a04
#define H_AGENT_UNMAP 0x6a05

bool h_is_pagefault(L4_MsgTag_t tag)
{
    return L4_IpcSucceeded(tag) && (L4_Label(tag) & ~7UL) == L4_PAGEFAULT_LABEL;
}

bool h_is_exception(L4_MsgTag_t tag)
{
    return L4_IpcSucceeded(tag) && L4_Label(tag) == H_EXCEPTION_LABEL;
}

static void decode_fault(L4_ThreadId_t from, L4_MsgTag_t tag, struct h_fault *f)
{
    L4_Word_t mr[5] = {0};
    L4_StoreMRs(1, 4, &mr[1]);
    memset(f, 0, sizeof(*f));
    f->from = from;
    f->tag = tag;
    if (h_is_pagefault(tag)) {
        f->addr = mr[1];
        f->ip = mr[2];
        f->access = L4_Label(tag) & 7;
    } else if (h_is_exception(tag)) {
        f->ip = mr[1];
        f->addr = mr[2];
        f->access = mr[3];
        f->sp = mr[4];
    }
}

L4_MsgTag_t h_receive_fault(L4_ThreadId_t from_spec, struct h_fault *f)
{
    L4_ThreadId_t from = L4_nilthread;
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, from_spec, L4_Timeouts(L4_Never, H_MEM_WAIT), &from);
    /* A sender of our own space comes as its local ID; a closed receive knows who it was. */
    if (L4_IsLocalId(from) && L4_IsGlobalId(from_spec) && !L4_IsNilThread(from_spec) &&
        from_spec.raw != L4_anythread.raw)
        from = from_spec;
    decode_fault(from, tag, f);
    return tag;
}

static bool expect_kind(const char *file, int line, L4_ThreadId_t from, struct h_fault *f,
                        bool (*is_kind)(L4_MsgTag_t), const char *kind)
{
    L4_MsgTag_t tag = h_receive_fault(from, f);
    if (is_kind(tag) && (from.raw == L4_anythread.raw || f->from.raw == from.raw))
        return true;
    h_fail_at(file, line, "want a %s from %lx: got tag 0x%lx from %lx (error 0x%lx)", kind,
              from.raw, tag.raw, f->from.raw, L4_IpcFailed(tag) ? L4_ErrorCode() : 0);
    return false;
}

bool h_expect_pagefault_at(const char *file, int line, L4_ThreadId_t from, struct h_fault *f)
{
    return expect_kind(file, line, from, f, h_is_pagefault, "page fault");
}

bool h_expect_exception_at(const char *file, int line, L4_ThreadId_t from, struct h_fault *f)
{
    return expect_kind(file, line, from, f, h_is_exception, "exception");
}

L4_Word_t h_sigma0_page(void)
{
    L4_Fpage_t f = L4_Sigma0_GetAny(h_sigma0(), 12, L4_CompleteAddressSpace);
    if (L4_IsNilFpage(f)) {
        h_fail_at(__FILE__, __LINE__, "sigma0 has no page left");
        return 0;
    }
    return L4_Address(f);
}

bool h_reply_map(L4_ThreadId_t to, L4_Word_t page, L4_Word_t rights, L4_Word_t snd_base)
{
    L4_Fpage_t f = L4_Nilpage;
    if (page)
        f = L4_FpageAddRights(L4_FpageLog2(page, 12), rights);
    L4_MapItem_t item = L4_MapItem(f, snd_base);
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.t = 2;
    L4_Set_MsgTag(tag);
    L4_LoadMRs(1, 2, item.raw);
    tag = L4_Send_Timeout(to, H_MEM_WAIT);
    if (L4_IpcFailed(tag)) {
        h_fail_at(__FILE__, __LINE__, "map reply to %lx failed: error 0x%lx", to.raw,
                  L4_ErrorCode());
        return false;
    }
    return true;
}

L4_MsgTag_t h_serve_faults(L4_ThreadId_t from_spec, L4_ThreadId_t *from, unsigned *served)
{
    unsigned n = 0;
    for (;;) {
        struct h_fault f;
        L4_MsgTag_t tag = h_receive_fault(from_spec, &f);
        *from = f.from;
        if (!h_is_pagefault(tag)) {
            if (served)
                *served = n;
            return tag;
        }
        L4_Word_t page = h_sigma0_page();
        h_reply_map(f.from, page, L4_FullyAccessible, f.addr & ~0xfffUL);
        n++;
    }
}

void h_pager_server(void *kip)
{
    (void) kip;
    for (;;) {
        struct h_fault f;
        L4_MsgTag_t tag = h_receive_fault(L4_anythread, &f);
        if (!h_is_pagefault(tag))
            continue;
        L4_Fpage_t page = L4_Sigma0_GetAny(h_sigma0(), 12, L4_CompleteAddressSpace);
        L4_Word_t addr = L4_IsNilFpage(page) ? 0 : L4_Address(page);
        atomic_fetch_add(&pager_served, 1); /* before the reply lets the faulter go on */
        h_reply_map(f.from, addr, L4_FullyAccessible, f.addr & ~0xfffUL);
    }
}

unsigned h_pager_served(void)
{
    return atomic_load(&pager_served);
}

L4_ThreadId_t h_new_space(unsigned n, L4_ThreadId_t pager, void *arg)
{
    L4_ThreadId_t t = h_tid(n, 1), me = L4_Myself();
    if (L4_IsNilThread(pager))
        pager = me;
    h_set_arg(t, arg);
    if (!L4_ThreadControl(t, t, me, L4_nilthread, (void *) ~0UL)) {
        h_fail_at(__FILE__, __LINE__, "ThreadControl creating space %lx failed: error %lu", t.raw,
                  L4_ErrorCode());
        return L4_nilthread;
    }
    if (!L4_SpaceControl(t, 0, H_SPACE_KIP_AREA(),
                         L4_FpageLog2(H_SPACE_UTCB_BASE, H_SPACE_UTCB_LOG2), L4_nilthread, NULL)) {
        h_fail_at(__FILE__, __LINE__, "SpaceControl for %lx failed: error %lu", t.raw,
                  L4_ErrorCode());
        return L4_nilthread;
    }
    if (!L4_ThreadControl(t, t, me, pager, (void *) H_SPACE_UTCB_BASE)) {
        h_fail_at(__FILE__, __LINE__, "ThreadControl activating %lx failed: error %lu", t.raw,
                  L4_ErrorCode());
        return L4_nilthread;
    }
    return t;
}

bool h_start_sp(L4_ThreadId_t t, h_thread_fn fn, L4_Word_t sp)
{
    if (!sp)
        sp = h_stack();
    if (!sp || L4_IsNilThread(t))
        return false;
    L4_Start_SpIp(t, sp, (L4_Word_t) fn);
    return true;
}

L4_ThreadId_t h_spawn_paged(unsigned n, L4_ThreadId_t pager, h_thread_fn fn, void *arg)
{
    L4_ThreadId_t t = h_new_space(n, pager, arg);
    return h_start_sp(t, fn, 0) ? t : L4_nilthread;
}

L4_Word_t h_window(L4_ThreadId_t t, L4_Word_t *size)
{
    L4_Word_t base = 0, sz = 0;
    if (l4sim_space_window(t, &base, &sz) != 0)
        h_fail_at(__FILE__, __LINE__, "thread %lx has no window", t.raw);
    if (size)
        *size = sz;
    return base;
}

L4_Word_t h_window_stack(L4_ThreadId_t t, L4_Word_t lo, L4_Word_t hi)
{
    L4_Word_t sp = l4sim_window_stack(t, lo, hi);
    if (sp)
        stack_add((void *) lo, hi - lo, false);
    return sp;
}

struct l4sim_stats h_stats(void)
{
    struct l4sim_stats st;
    l4sim_get_stats(&st);
    return st;
}

/* ---- agents ---- */

void h_agent(void *kip)
{
    (void) kip;
    L4_Set_ExceptionHandler(h_root());
    for (;;) {
        L4_ThreadId_t from;
        L4_Accept(L4_UntypedWordsAcceptor);
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            continue;
        L4_Word_t w[4], r[4] = {0, 0, 0, 0};
        L4_StoreMRs(1, 4, w);
        switch (L4_Label(tag)) {
        case H_AGENT_READ:
            r[0] = *(volatile L4_Word_t *) w[0];
            break;
        case H_AGENT_WRITE:
            *(volatile L4_Word_t *) w[0] = w[1];
            break;
        case H_AGENT_SEND: {
            L4_MsgTag_t t = L4_Niltag;
            t.X.t = 2;
            L4_Set_MsgTag(t);
            L4_LoadMR(1, w[1]);
            L4_LoadMR(2, w[2]);
            L4_ThreadId_t to = {.raw = w[0]};
            L4_MsgTag_t st = L4_Send_Timeout(to, H_MEM_WAIT);
            r[0] = L4_IpcFailed(st) ? L4_ErrorCode() : 0;
            break;
        }
        case H_AGENT_RECV: {
            L4_ThreadId_t sender = {.raw = w[0]};
            L4_LoadBR(0, w[1]);
            L4_MsgTag_t rt = L4_Receive_Timeout(sender, H_MEM_WAIT);
            r[0] = L4_IpcFailed(rt) ? L4_ErrorCode() : 0;
            r[1] = rt.raw;
            L4_StoreMR(1, &r[2]);
            L4_StoreMR(2, &r[3]);
            break;
        }
        case H_AGENT_UNMAP:
            L4_LoadMR(0, w[0]);
            L4_Unmap(w[1]);
            L4_StoreMR(0, &r[0]);
            break;
        default:
            break;
        }
        h_load_words(L4_Label(tag), 4, r);
        L4_Send_Timeout(from, H_MEM_WAIT);
    }
}

void h_set_fault_answer(L4_Word_t page, L4_Word_t rights)
{
    answer_page = page;
    answer_rights = rights;
}

unsigned h_faults(L4_ThreadId_t t)
{
    return L4_ThreadNo(t) < H_MAX_THREADNO ? fault_counts[L4_ThreadNo(t)] : 0;
}

struct h_fault h_last_fault(L4_ThreadId_t t)
{
    struct h_fault none = {.from = L4_nilthread};
    return L4_ThreadNo(t) < H_MAX_THREADNO ? last_faults[L4_ThreadNo(t)] : none;
}

/* Answer one page fault of an agent as h_set_fault_answer says, and count it. */
static void answer_fault(const struct h_fault *f)
{
    L4_Word_t no = L4_ThreadNo(f->from);
    if (no < H_MAX_THREADNO) {
        fault_counts[no]++;
        last_faults[no] = *f;
    }
    L4_Word_t page = answer_page == ~0UL ? 0 : answer_page ? answer_page : h_sigma0_page();
    h_reply_map(f->from, page, answer_rights, f->addr & ~0xfffUL);
}

/* The agent's report for a command; page faults on the way are answered. */
static bool agent_report(L4_ThreadId_t a, L4_Word_t label, L4_MsgTag_t tag, L4_Word_t r[4])
{
    for (;;) {
        struct h_fault f;
        decode_fault(a, tag, &f);
        if (h_is_pagefault(tag)) {
            answer_fault(&f);
            tag = h_receive_fault(a, &f);
            continue;
        }
        if (h_is_exception(tag)) {
            h_fail_at(__FILE__, __LINE__, "agent %lx: exception at 0x%lx (ip 0x%lx, access %lu)",
                      a.raw, f.addr, f.ip, f.access);
            return false;
        }
        if (L4_IpcFailed(tag) || L4_Label(tag) != label) {
            h_fail_at(__FILE__, __LINE__, "agent %lx: command 0x%lx got tag 0x%lx, error 0x%lx",
                      a.raw, label, tag.raw, L4_IpcFailed(tag) ? L4_ErrorCode() : 0);
            return false;
        }
        L4_StoreMRs(1, 4, r);
        return true;
    }
}

static bool agent_call(L4_ThreadId_t a, L4_Word_t label, L4_Word_t w0, L4_Word_t w1, L4_Word_t w2,
                       L4_Word_t r[4])
{
    L4_Word_t w[4] = {w0, w1, w2, 0};
    h_load_words(label, 4, w);
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Call_Timeouts(a, H_MEM_WAIT, H_MEM_WAIT);
    memset(r, 0, 4 * sizeof(*r));
    return agent_report(a, label, tag, r);
}

L4_Word_t h_agent_read(L4_ThreadId_t a, L4_Word_t addr)
{
    L4_Word_t r[4];
    agent_call(a, H_AGENT_READ, addr, 0, 0, r);
    return r[0];
}

void h_agent_write(L4_ThreadId_t a, L4_Word_t addr, L4_Word_t value)
{
    L4_Word_t r[4];
    agent_call(a, H_AGENT_WRITE, addr, value, 0, r);
}

L4_Fpage_t h_agent_unmap(L4_ThreadId_t a, L4_Fpage_t f, bool flush)
{
    L4_Word_t r[4];
    agent_call(a, H_AGENT_UNMAP, f.raw, flush ? L4_UnmapFlushFlag : 0, 0, r);
    L4_Fpage_t out = {.raw = r[0]};
    return out;
}

struct h_xfer h_transfer(L4_ThreadId_t from, L4_ThreadId_t to, L4_Word_t item, L4_Word_t fpage,
                         L4_Word_t acceptor)
{
    struct h_xfer x = {~0UL, ~0UL, L4_Niltag, {0, 0}};
    L4_Word_t recv_cmd[4] = {from.raw, acceptor, 0, 0};
    h_load_words(H_AGENT_RECV, 4, recv_cmd);
    if (L4_IpcFailed(L4_Send_Timeout(to, H_MEM_WAIT))) {
        h_fail_at(__FILE__, __LINE__, "agent %lx does not take commands: error 0x%lx", to.raw,
                  L4_ErrorCode());
        return x;
    }
    if (from.raw == L4_Myself().raw) {
        L4_MsgTag_t tag = L4_Niltag;
        tag.X.t = 2;
        L4_Set_MsgTag(tag);
        L4_LoadMR(1, item);
        L4_LoadMR(2, fpage);
        tag = L4_Send_Timeout(to, H_MEM_WAIT);
        x.send_error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    } else {
        L4_Word_t r[4];
        if (agent_call(from, H_AGENT_SEND, to.raw, item, fpage, r))
            x.send_error = r[0];
    }
    L4_Word_t r[4];
    if (agent_report(to, H_AGENT_RECV, h_receive_fault(to, &(struct h_fault){0}), r)) {
        x.recv_error = r[0];
        x.recv_tag.raw = r[1];
        x.recv_mr[0] = r[2];
        x.recv_mr[1] = r[3];
    }
    return x;
}

struct h_xfer h_map_page(L4_ThreadId_t from, L4_ThreadId_t to, L4_Word_t addr, L4_Word_t rights,
                         L4_Word_t dest)
{
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(addr, 12), rights), dest);
    return h_transfer(from, to, m.raw[0], m.raw[1], L4_MapGrantItems(L4_CompleteAddressSpace).raw);
}

struct h_xfer h_grant_page(L4_ThreadId_t from, L4_ThreadId_t to, L4_Word_t addr, L4_Word_t rights,
                           L4_Word_t dest)
{
    L4_GrantItem_t g = L4_GrantItem(L4_FpageAddRights(L4_FpageLog2(addr, 12), rights), dest);
    return h_transfer(from, to, g.raw[0], g.raw[1], L4_MapGrantItems(L4_CompleteAddressSpace).raw);
}

/* ------------------------------------------------------------ host side */

static int count_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

int h_count_tasks(void)
{
    return count_dir("/proc/self/task");
}

int h_count_fds(void)
{
    return count_dir("/proc/self/fd");
}

int h_settled_tasks(int want)
{
    int n = h_count_tasks();
    for (int i = 0; i < 2000 && n != want; i++) {
        h_host_sleep_us(1000);
        n = h_count_tasks();
    }
    return n;
}

int h_count_host_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return -1;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/*
 * Shared test harness for the kernel suites: booting per test case, the
 * X.2 start protocol, thread bookkeeping and thread-safe expectations.
 */
#define _GNU_SOURCE
#include <dirent.h>
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
    void *base;
    unsigned valgrind_id;
};

static pthread_mutex_t stacks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stack *stacks;
static size_t stack_count, stack_cap;
static void *thread_args[H_MAX_THREADNO];
static int (*run_body)(void *);
static void *run_arg;

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

L4_Word_t h_stack(void)
{
    void *s = malloc(H_STACK_SIZE);
    if (!s) {
        h_fail_at(__FILE__, __LINE__, "out of memory for a stack");
        return 0;
    }
    pthread_mutex_lock(&stacks_lock);
    if (stack_count == stack_cap) {
        size_t cap = stack_cap ? 2 * stack_cap : 64;
        struct stack *grown = realloc(stacks, cap * sizeof(*grown));
        if (!grown) {
            pthread_mutex_unlock(&stacks_lock);
            free(s);
            h_fail_at(__FILE__, __LINE__, "out of memory for the stack list");
            return 0;
        }
        stacks = grown;
        stack_cap = cap;
    }
    stacks[stack_count].base = s;
    stacks[stack_count].valgrind_id = 0;
#ifdef HAVE_VALGRIND_H
    if (RUNNING_ON_VALGRIND)
        stacks[stack_count].valgrind_id = VALGRIND_STACK_REGISTER(s, (char *) s + H_STACK_SIZE);
#endif
    stack_count++;
    pthread_mutex_unlock(&stacks_lock);
    return (L4_Word_t) s + H_STACK_SIZE;
}

static void watchdog(int sig)
{
    (void) sig;
    static const char msg[] = "harness: watchdog: the test case hung, giving up\n";
    if (write(2, msg, sizeof(msg) - 1) < 0) {
        /* nothing more to do */
    }
    _exit(70);
}

static int root_main(void *arg)
{
    (void) arg;
    return run_body(run_arg);
}

int h_run_config(const struct l4sim_config *cfg, int (*body)(void *arg), void *arg)
{
    atomic_store(&failure_count, 0);
    memset(thread_args, 0, sizeof(thread_args));
    run_body = body;
    run_arg = arg;

    unsigned limit = H_WATCHDOG_S;
    const char *env = getenv("H_WATCHDOG_S");
    if (env && atoi(env) > 0)
        limit = (unsigned) atoi(env);
    signal(SIGALRM, watchdog);
    alarm(limit);
    int result = l4sim_run(cfg, root_main, NULL);
    alarm(0);

    free_stacks();
    unsigned n = atomic_load(&failure_count);
    for (unsigned i = 0; i < n && i < H_MAX_RECORDED; i++)
        print_error("%s\n", failure_msgs[i]);
    if (n > H_MAX_RECORDED)
        print_error("... and %u more failed checks\n", n - H_MAX_RECORDED);
    if (n)
        fail_msg("%u check(s) failed inside the simulated system", n);
    return result;
}

int h_run(int (*body)(void *arg), void *arg)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
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
    L4_ThreadId_t t = h_tid(n, 1), me = L4_Myself();
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
    if (!L4_ThreadControl(t, t, me, me, (void *) H_SPACE_UTCB_BASE)) {
        h_fail_at(__FILE__, __LINE__, "ThreadControl activating %lx failed: error %lu", t.raw,
                  L4_ErrorCode());
        return L4_nilthread;
    }
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

bool h_wait_state_at(const char *file, int line, L4_ThreadId_t t, L4_Word_t want)
{
    for (unsigned long waited = 0; waited < H_WAIT_LIMIT_US; waited += 200) {
        if ((h_state(t) & want) == want)
            return true;
        h_host_sleep_us(200);
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
        h_host_sleep_us(200);
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

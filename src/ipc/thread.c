/*
 * Threads: ThreadControl, the host pthread behind every active L4 thread,
 * the X.2 start protocol, halting, and killing. A thread's own host thread
 * is the only one that changes its IPC state on its way out.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "faults.h"
#include "kernel.h"
#include "memory.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_MEMCHECK_H 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define FORGET_FRAMES(addr, len) ASAN_UNPOISON_MEMORY_REGION(addr, len)
#else
#define FORGET_FRAMES(addr, len) ((void) (addr), (void) (len))
#endif

#define HOST_STACK_SIZE       (512UL << 10)
#define DEFAULT_PRIORITY      100
#define DEFAULT_TIMESLICE_CTL 0x12710000UL /* 10 ms timeslice (m 625, e 4), quantum never */

int kick_signal(void)
{
    return SIGRTMIN + 3;
}

static unsigned window_stack_register(struct tcb *self, word_t sp);

/* ------------------------------------------------------ kernel entry/exit */

static struct tcb *enter(bool yielding)
{
    struct tcb *t = current_tcb;
    if (t) {
        atomic_store_explicit(&t->run, RUN_KERNEL, memory_order_seq_cst);
        if (sched_deterministic() && yielding)
            sched_det_yield(t);
        else if (sched_deterministic())
            sched_det_kernel_entry(t); /* every kernel entry is a scheduling point */
        if (fault_check(FP_THREAD_CRASH, t, ID_NIL, 0, false, NULL))
            thread_crash(t);
    }
    return t;
}

struct tcb *kernel_enter(void)
{
    return enter(false);
}

/* ThreadSwitch: its entry is the yield itself (one decision, one entry's time). */
struct tcb *kernel_enter_yielding(void)
{
    return enter(true);
}

/*
 * A fault is a kernel entry too: in deterministic mode a scheduling point
 * that takes an entry's time, like a system call. Called by the SIGSEGV
 * handler on the thread's alternate stack, with the thread holding the
 * CPU; it may wait there for the CPU again. Not a thread/crash point:
 * that one is at system calls (docs/faults.md).
 */
void kernel_enter_fault(struct tcb *self)
{
    atomic_store_explicit(&self->run, RUN_KERNEL, memory_order_seq_cst);
    if (sched_deterministic())
        sched_det_kernel_entry(self);
}

/*
 * A caller on a window stack (see kernel_call): its kernel part runs on the
 * thread's host stack, below the frame arch_user_enter saved when the user
 * code started. Nothing lives there while user code runs, and the kernel
 * part, its waits included, is over before user code runs again. The gap
 * keeps clear of that frame, red zone and all.
 */
#define HOST_STACK_GAP 256

word_t kernel_call_on_host_stack(struct tcb *t, kernel_part fn, struct sysargs *a)
{
    char *stack = (char *) t->user_frame_sp - HOST_STACK_GAP;
#ifdef HAVE_MEMCHECK_H
    /* Valgrind folds the switch to this stack and the call's push into one
     * SP change, which it takes for a stack switch and so leaves the return
     * address slot as the last return left it: inaccessible. */
    VALGRIND_MAKE_MEM_UNDEFINED(stack - 64, 64);
#endif
    return arch_kernel_call(a, stack, fn, &t->on_host_stack);
}

/* Wait while halted; on return the thread may run user code again. */
static void halt_here(struct tcb *self, int run_state_while_halted)
{
    atomic_store_explicit(&self->run, run_state_while_halted, memory_order_seq_cst);
    trace_event(TR_THREAD_HALT, self->id, ID_NIL, 0, NULL);
    for (;;) {
        uint32_t seq = sched_wake_seq(self);
        if (atomic_load_explicit(&self->kill_requested, memory_order_acquire))
            thread_abandon_user(self);
        if (!atomic_load_explicit(&self->halt_requested, memory_order_acquire))
            break;
        sched_block(self, seq, DEADLINE_NEVER);
    }
    trace_event(TR_THREAD_RESUME, self->id, ID_NIL, 0, NULL);
}

void kernel_exit(struct tcb *self)
{
    atomic_store_explicit(&self->run, RUN_USER, memory_order_seq_cst);
    if (atomic_load_explicit(&self->kill_requested, memory_order_seq_cst))
        thread_abandon_user(self);
    if (atomic_load_explicit(&self->halt_requested, memory_order_acquire)) {
        halt_here(self, RUN_HALTED);
        if (atomic_load_explicit(&self->start_pending, memory_order_acquire)) {
            arch_user_leave(self->user_frame_sp, LEAVE_RESTART);
            __builtin_unreachable();
        }
        atomic_store_explicit(&self->run, RUN_USER, memory_order_seq_cst);
    }
}

void thread_abandon_user_jump(struct tcb *self)
{
    atomic_store_explicit(&self->run, RUN_KERNEL, memory_order_seq_cst);
    arch_user_leave(self->exit_sp, LEAVE_EXIT);
}

/*
 * After a jump back onto the host stack, the frames we jumped over (and any
 * signal handler frames on the alternate stack) are gone, but a sanitizer
 * still has their red zones marked; forget them before those bytes are used
 * again.
 */
static inline __attribute__((always_inline)) void forget_abandoned_frames(struct tcb *self)
{
    char *sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    if (self->host_stack_lo && sp > (char *) self->host_stack_lo)
        FORGET_FRAMES(self->host_stack_lo, (size_t) (sp - (char *) self->host_stack_lo));
    if (self->altstack)
        FORGET_FRAMES(self->altstack, 64UL << 10);
}

/*
 * The kick signal makes a thread that runs user code notice a kill or a
 * halt. Threads inside the kernel notice both on their own.
 */
static void kick_handler(int sig, siginfo_t *info, void *ucontext)
{
    (void) sig;
    (void) info;
    struct tcb *self = current_tcb;
    if (!self || atomic_load_explicit(&self->run, memory_order_seq_cst) != RUN_USER)
        return;
    if (atomic_load_explicit(&self->kill_requested, memory_order_acquire))
        thread_abandon_user(self);
    if (!atomic_load_explicit(&self->halt_requested, memory_order_acquire))
        return;
    /* Just before or after a system call's kernel part on the host stack:
     * that SP and IP are no user state to halt with. The halter kicks
     * again until the thread is in the kernel or back in user code. */
    if (self->on_host_stack)
        return;
    ucontext_t *uc = ucontext;
    self->user_ip = (word_t) uc->uc_mcontext.gregs[REG_RIP];
    self->user_sp = (word_t) uc->uc_mcontext.gregs[REG_RSP];
    halt_here(self, RUN_HALTED);
    if (atomic_load_explicit(&self->start_pending, memory_order_acquire)) {
        /* Restarting abandons this frame, so let the signal in again. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, kick_signal());
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        arch_user_leave(self->user_frame_sp, LEAVE_RESTART);
        __builtin_unreachable();
    }
    atomic_store_explicit(&self->run, RUN_USER, memory_order_seq_cst);
}

void thread_install_signals(void)
{
    static bool installed;
    fault_install(); /* every boot: the program may have replaced it since the last run */
    if (installed)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = kick_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK; /* user stacks may be tiny */
    sigemptyset(&sa.sa_mask);
    sigaction(kick_signal(), &sa, NULL);
    installed = true;
}

/* Leaving a signal handler by jumping keeps its signal blocked; undo that. */
static void unblock_kernel_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, kick_signal());
    sigaddset(&set, SIGSEGV);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* --------------------------------------------------------- start protocol */

/*
 * An active thread waits for its pager's start message (MR1 = IP, MR2 =
 * SP), or for ExchangeRegisters to give it IP and SP and resume it.
 */
static void wait_for_start(struct tcb *self, bool ever_ran, word_t *ip, word_t *sp)
{
    atomic_store_explicit(&self->run, RUN_WAIT_START, memory_order_seq_cst);
    for (;;) {
        if (atomic_exchange_explicit(&self->start_pending, false, memory_order_acq_rel)) {
            *ip = self->start_ip;
            *sp = self->start_sp;
            return;
        }
        if (atomic_load_explicit(&self->kill_requested, memory_order_acquire))
            thread_abandon_user(self);
        word_t pager = self->utcb->pager;
        if (!ever_ran && pager != ID_NIL && tcb_lookup(self, pager)) {
            word_t from;
            word_t tag = ipc_do(self, ID_NIL, pager, 0, &from);
            if (!(tag & TAG_ERROR_FLAG) && (tag & 0x3f) >= 2) {
                *ip = self->utcb->mr[1];
                *sp = self->utcb->mr[2];
                return;
            }
            if (!(tag & TAG_ERROR_FLAG))
                continue; /* not a start message: keep waiting */
        }
        /* Pager gone, or a halted thread: only ExchangeRegisters helps. */
        uint32_t seq = sched_wake_seq(self);
        if (!atomic_load_explicit(&self->start_pending, memory_order_acquire) &&
            !atomic_load_explicit(&self->kill_requested, memory_order_acquire))
            sched_block(self, seq, DEADLINE_NEVER);
    }
}

static void thread_body(struct tcb *self)
{
    bool ever_ran = false;
    for (;;) {
        word_t ip, sp;
        wait_for_start(self, ever_ran, &ip, &sp);
        ever_ran = true;
        /* Stopped before its start: it starts only when resumed, and at
         * the IP and SP the resume gave it, if any. */
        if (atomic_load_explicit(&self->halt_requested, memory_order_acquire)) {
            self->user_ip = ip;
            self->user_sp = sp;
            halt_here(self, RUN_HALTED);
            if (atomic_exchange_explicit(&self->start_pending, false, memory_order_acq_rel)) {
                ip = self->start_ip;
                sp = self->start_sp;
            }
        }
        self->user_ip = ip;
        self->user_sp = sp;
        trace_event(TR_THREAD_START, self->id, ID_NIL, 0, NULL);
        unsigned window_stack = window_stack_register(self, sp);
        atomic_store_explicit(&self->run, RUN_USER, memory_order_seq_cst);
        int how = arch_user_enter(ip, sp, (word_t) kernel.kip, &self->user_frame_sp);
        atomic_store_explicit(&self->run, RUN_KERNEL, memory_order_seq_cst);
        stack_deregister(window_stack);
        self->on_host_stack = 0; /* we may have left a system call's kernel part by a jump */
        if (how != 0) {
            forget_abandoned_frames(self);
            unblock_kernel_signals(); /* we may have left user code from inside a handler */
        }
        if (how == 0) {
            /* Its code returned: the thread halts, as if stopped. */
            trace_event(TR_THREAD_HALT, self->id, ID_NIL, 0, "entry function returned");
            atomic_store_explicit(&self->run, RUN_HALTED, memory_order_seq_cst);
        }
    }
}

/*
 * A user stack in the thread's window, up to 1 MiB below the starting SP.
 * Window addresses are reused by later spaces, so a sanitizer's marks left
 * there by an earlier thread (one killed deep in a call) are wiped before
 * this one starts. Under Valgrind the range must also be known as a stack,
 * or the switch to it looks like a wild SP change and memcheck loses track
 * of what lies below SP (a pager maps such stacks a page at a time, so
 * nobody else registers them). Returns the Valgrind stack id, or 0.
 */
#define WINDOW_STACK_SPAN (1UL << 20)

static unsigned window_stack_register(struct tcb *self, word_t sp)
{
    if (!self->space || !window_contains(self->space, sp - 1, 1))
        return 0;
    word_t hi = (sp + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), lo = self->space->win_base;
    if (hi - lo > WINDOW_STACK_SPAN)
        lo = hi - WINDOW_STACK_SPAN;
    FORGET_FRAMES((void *) lo, hi - lo);
#ifdef HAVE_VALGRIND_H
    if (RUNNING_ON_VALGRIND)
        return stack_register((void *) lo, hi - lo);
#endif
    return 0;
}

unsigned stack_register(void *base, size_t size)
{
#ifdef HAVE_VALGRIND_H
    if (RUNNING_ON_VALGRIND && base && size)
        return VALGRIND_STACK_REGISTER(base, (char *) base + size);
#else
    (void) base;
    (void) size;
#endif
    return 0;
}

void stack_deregister(unsigned id)
{
#ifdef HAVE_VALGRIND_H
    if (id)
        VALGRIND_STACK_DEREGISTER(id);
#else
    (void) id;
#endif
}

/* Register the calling host thread's own stack (see stack_register). */
static unsigned host_stack_register(void)
{
#ifdef HAVE_VALGRIND_H
    pthread_attr_t attr;
    void *base;
    size_t size;
    if (!RUNNING_ON_VALGRIND || pthread_getattr_np(pthread_self(), &attr) != 0)
        return 0;
    int rc = pthread_attr_getstack(&attr, &base, &size);
    pthread_attr_destroy(&attr);
    return rc == 0 ? stack_register(base, size) : 0;
#else
    return 0;
#endif
}

static void *host_stack_low(void)
{
    pthread_attr_t attr;
    void *base = NULL;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &base, &size) != 0)
            base = NULL;
        pthread_attr_destroy(&attr);
    }
    return base;
}

/*
 * A thread nobody joins (it deleted itself, or its deleter died waiting)
 * frees its own slot on the way out; after this the slot belongs to the
 * next ThreadControl, so touch nothing of it.
 */
static void *exit_detached(struct tcb *self)
{
    klock_acquire(&kernel.control_lock);
    thread_release_slot(self);
    klock_release(&kernel.control_lock);
    sched_thread_end(self);
    /* Teardown waits for this count to reach zero. */
    if (atomic_fetch_sub(&kernel.detached_threads, 1) == 1)
        sched_futex_wake(&kernel.detached_threads, 1);
    return NULL;
}

static void *host_main(void *arg)
{
    struct tcb *self = arg;
    self->host_stack_lo = host_stack_low();
    unsigned host_stack = host_stack_register();
    current_tcb = self;
    l4sim_current_utcb = self->utcb;
    sched_thread_begin(self);
    if (fault_thread_init(self) != 0)
        trace_event(TR_NOTE, self->id, ID_NIL, 0,
                    "no alternate signal stack: faults use the user stack");
    arch_user_enter((word_t) thread_body, 0, (word_t) self, &self->exit_sp);
    forget_abandoned_frames(self);
    unblock_kernel_signals();
    fault_thread_exit(self);
    /* On the way out, a kick from a deleter is pointless, and it could come
     * after the host stack is deregistered below, when Valgrind no longer
     * knows where to put the signal frame (it then kills the process). */
    sigset_t kick;
    sigemptyset(&kick);
    sigaddset(&kick, kick_signal());
    pthread_sigmask(SIG_BLOCK, &kick, NULL);

    /* Killed: clean up our IPC, then say we are done. */
    ipc_unwind_dying(self);
    if (id_threadno(self->id) == THREADNO_ROOT)
        boot_root_gone();
    current_tcb = NULL;
    l4sim_current_utcb = &kernel.orphan_utcb;
    stack_deregister(host_stack);
    /* Orphaned: our deleter was killed while it waited for us. */
    if (self->self_deleted || atomic_exchange(&self->reap, REAP_EXITING) == REAP_ORPHANED)
        return exit_detached(self);
    /* Say so while we still hold the (simulated) CPU, so that in
     * deterministic mode the reaper wakes at a reproducible point. */
    struct tcb *reaper = __atomic_load_n(&self->reaper, __ATOMIC_ACQUIRE);
    atomic_store_explicit(&self->exited, 1, memory_order_release);
    sched_futex_wake(&self->exited, 1);
    if (reaper)
        sched_wake(reaper);
    sched_thread_end(self);
    return NULL;
}

int thread_host_start(struct tcb *t)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, HOST_STACK_SIZE);
    if (t->self_deleted)
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    atomic_store(&t->exited, 0);
    int rc = pthread_create(&t->host, &attr, host_main, t);
    pthread_attr_destroy(&attr);
    t->host_started = rc == 0;
    return rc;
}

/*
 * Stop t's host thread and wait for it. Never called on oneself. An L4
 * thread that is itself killed while it waits (two threads deleting each
 * other) hands t over: t is detached and frees its own slot.
 */
void thread_kill_and_join(struct tcb *t)
{
    if (!t->host_started)
        return;
    struct tcb *self = current_tcb;
    __atomic_store_n(&t->reaper, self, __ATOMIC_RELEASE);
    atomic_store_explicit(&t->kill_requested, true, memory_order_seq_cst);
    for (;;) {
        uint32_t seq = self ? sched_wake_seq(self) : 0;
        if (atomic_load_explicit(&t->exited, memory_order_acquire))
            break;
        if (atomic_load_explicit(&t->run, memory_order_seq_cst) == RUN_USER ||
            atomic_load_explicit(&t->run, memory_order_seq_cst) == RUN_HALTED)
            pthread_kill(t->host, kick_signal());
        sched_wake(t);
        /* Hand t over only after waking it: nobody else will. */
        int joining = REAP_JOIN;
        if (self && atomic_load_explicit(&self->kill_requested, memory_order_acquire) &&
            atomic_compare_exchange_strong(&t->reap, &joining, REAP_ORPHANED)) {
            atomic_fetch_add(&kernel.detached_threads, 1);
            pthread_detach(t->host);
            thread_abandon_user(self);
        }
        if (self)
            sched_block(self, seq, DEADLINE_NEVER); /* t's exit or our own kill wakes us */
        else
            sched_futex_wait(&t->exited, 0);
    }
    pthread_join(t->host, NULL);
    t->host_started = false;
}

/* --------------------------------------------------------------- slots */

static void utcb_detach(struct tcb *t)
{
    if (!t->utcb)
        return;
    struct space *s = t->space;
    word_t slot = (t->utcb_location - fpage_base(s->utcb_area)) >> UTCB_SIZE_LOG2;
    __atomic_store_n(&s->slot_owner[slot], NULL, __ATOMIC_RELEASE);
    t->utcb = NULL;
    t->utcb_location = 0;
}

static bool utcb_attach(struct tcb *t, struct space *s, word_t location)
{
    if (!space_utcb_location_valid(s, location))
        return false;
    word_t slot = (location - fpage_base(s->utcb_area)) >> UTCB_SIZE_LOG2;
    if (s->slot_owner[slot] && s->slot_owner[slot] != t)
        return false;
    utcb_detach(t);
    struct l4sim_utcb *u = space_utcb(s, location);
    memset(u, 0, sizeof(*u));
    u->my_global_id = t->id;
    u->my_local_id = location;
    t->utcb = u;
    t->utcb_location = location;
    __atomic_store_n(&s->slot_owner[slot], t, __ATOMIC_RELEASE);
    return true;
}

/* Return a thread's slot to the free pool. kernel.control_lock held. */
void thread_release_slot(struct tcb *t)
{
    struct space *s = t->space;
    bool was_active = t->host_started || t->self_deleted || atomic_load(&t->life) == LIFE_ACTIVE;
    utcb_detach(t);
    if (s) {
        if (was_active && s->active_threads)
            s->active_threads--;
        s->threads--;
        space_release_if_unused(s);
    }
    atomic_fetch_add(&kernel.threads_released, 1);
    atomic_fetch_add(&kernel.sends_started, t->sends_started);
    atomic_fetch_add(&kernel.sends_ok, t->sends_ok);
    atomic_fetch_add(&kernel.sends_failed, t->sends_failed);
    atomic_fetch_add(&kernel.sends_dropped, t->sends_dropped);
    atomic_fetch_add(&kernel.sends_abandoned, t->sends_abandoned);
    word_t id = t->id;
    uint32_t seq = atomic_load(&t->wake_seq);
    uint64_t gen = atomic_load(&t->ipc_word) >> 8;
    memset((void *) t, 0, sizeof(*t));
    /* Keep the ID (so stale users see a mismatch) and the counters that
     * must only grow. */
    __atomic_store_n(&t->id, id, __ATOMIC_RELEASE);
    atomic_store(&t->wake_seq, seq);
    atomic_store(&t->ipc_word, (gen + 1) << 8);
    atomic_store_explicit(&t->life, LIFE_FREE, memory_order_release);
}

void threads_kill_all(void)
{
    /* Threads that deleted themselves are detached: nobody joins them, so
     * wait until each has let go of everything of ours. */
    uint32_t n;
    while ((n = atomic_load(&kernel.detached_threads)) != 0)
        sched_futex_wait(&kernel.detached_threads, n);
    for (word_t no = kernel.tcb_count; no-- > THREADNO_USER_BASE;) {
        struct tcb *t = &kernel.tcbs[no];
        /* A DYING thread is being deleted already: by itself (detached, it
         * never sets exited and releases its own slot) or by another thread
         * (which joins it). Wait for its slot to be freed instead of joining. */
        klock_acquire(&kernel.control_lock);
        int life = atomic_load(&t->life);
        if (life != LIFE_FREE && life != LIFE_DYING)
            atomic_store_explicit(&t->life, LIFE_DYING, memory_order_seq_cst);
        klock_release(&kernel.control_lock);
        if (life == LIFE_FREE)
            continue;
        if (life == LIFE_DYING) {
            while (atomic_load(&t->life) != LIFE_FREE)
                sched_yield_cpu();
            continue;
        }
        thread_kill_and_join(t);
    }
    for (word_t no = THREADNO_USER_BASE; no < kernel.tcb_count; no++) {
        struct tcb *t = &kernel.tcbs[no];
        if (atomic_load(&t->life) != LIFE_FREE) {
            trace_event(TR_THREAD_DELETE, t->id, ID_NIL, 0, "shutdown");
            thread_release_slot(t);
        }
    }
}

/* ------------------------------------------------------- ThreadControl */

static word_t failed(struct tcb *self, word_t err)
{
    self->utcb->error_code = err;
    return 0;
}

static int activate(struct tcb *t, word_t pager)
{
    t->utcb->pager = pager;
    /* Until its host thread gets going it waits for its start, as far as
     * ExchangeRegisters can tell: a Start_SpIp right away must not be lost. */
    atomic_store_explicit(&t->run, RUN_WAIT_START, memory_order_seq_cst);
    atomic_store_explicit(&t->life, LIFE_ACTIVE, memory_order_release);
    t->space->active_threads++;
    sched_thread_ready(t);
    if (thread_host_start(t) != 0) {
        t->space->active_threads--;
        atomic_store_explicit(&t->life, LIFE_INACTIVE, memory_order_release);
        return -1;
    }
    return 0;
}

static word_t thread_create(struct tcb *self, struct tcb *t, word_t dest, word_t space_spec,
                            word_t scheduler, word_t pager, word_t utcb_location)
{
    struct space *s;
    if (space_spec == dest) {
        s = NULL; /* a new space, made below once the rest checks out */
    } else {
        struct tcb *st = id_is_global(space_spec) ? tcb_lookup(self, space_spec) : NULL;
        if (!st)
            return failed(self, ERR_INVALID_SPACE);
        s = st->space;
    }
    if (!tcb_lookup(self, scheduler))
        return failed(self, ERR_INVALID_SCHEDULER);
    bool has_utcb = utcb_location != ~0UL;
    if ((pager != ID_NIL && !has_utcb) ||
        (has_utcb && (!s || !space_utcb_location_valid(s, utcb_location))))
        return failed(self, ERR_UTCB_AREA);
    if (!s) {
        s = space_alloc();
        if (!s)
            return failed(self, ERR_NO_MEM);
        if (window_attach(s, false) != 0) {
            s->live = false;
            return failed(self, ERR_NO_MEM); /* every window is taken: see max_spaces */
        }
        trace_event(TR_SPACE_CREATE, dest, ID_NIL, 0, "new space for this thread");
    }

    __atomic_store_n(&t->id, dest, __ATOMIC_RELEASE);
    t->space = s;
    s->threads++;
    t->scheduler = scheduler;
    t->priority = DEFAULT_PRIORITY;
    t->timeslice_ctl = DEFAULT_TIMESLICE_CTL;
    if (has_utcb && !utcb_attach(t, s, utcb_location)) {
        s->threads--;
        space_release_if_unused(s);
        return failed(self, ERR_UTCB_AREA);
    }
    atomic_store_explicit(&t->life, LIFE_INACTIVE, memory_order_release);
    atomic_fetch_add(&kernel.threads_created, 1);
    char space[48]; /* which space it joins: the specifier names a thread of it */
    snprintf(space, sizeof(space), "space=%lu.%lu", (unsigned long) id_threadno(space_spec),
             (unsigned long) id_version(space_spec));
    trace_event(TR_THREAD_CREATE, dest, self->id, 0, space);
    if (pager != ID_NIL && activate(t, pager) != 0) {
        thread_release_slot(t);
        return failed(self, ERR_NO_MEM);
    }
    return 1;
}

static word_t thread_modify(struct tcb *self, struct tcb *t, word_t space_spec, word_t scheduler,
                            word_t pager, word_t utcb_location)
{
    struct tcb *st = id_is_global(space_spec) ? tcb_lookup(self, space_spec) : NULL;
    if (!st || st->space != t->space)
        return failed(self, ERR_INVALID_SPACE); /* migration between spaces is not supported */
    if (scheduler != ID_NIL && !tcb_lookup(self, scheduler))
        return failed(self, ERR_INVALID_SCHEDULER);
    bool active = atomic_load(&t->life) == LIFE_ACTIVE;
    if (utcb_location != ~0UL) {
        if (active ? utcb_location != t->utcb_location : !utcb_attach(t, t->space, utcb_location))
            return failed(self, ERR_UTCB_AREA);
    }
    if (pager != ID_NIL && !t->utcb)
        return failed(self, ERR_UTCB_AREA);
    if (scheduler != ID_NIL)
        t->scheduler = scheduler;
    if (pager != ID_NIL) {
        if (active)
            t->utcb->pager = pager;
        else if (activate(t, pager) != 0)
            return failed(self, ERR_NO_MEM);
    }
    return 1;
}

static word_t thread_delete(struct tcb *self, struct tcb *t)
{
    if (t->id == id_make(THREADNO_SIGMA0, 1) || id_threadno(t->id) == THREADNO_SIGMA1)
        return failed(self, ERR_INVALID_THREAD); /* the kernel's own pagers stay */
    atomic_store_explicit(&t->life, LIFE_DYING, memory_order_seq_cst);
    trace_event(TR_THREAD_DELETE, t->id, self->id, 0, NULL);
    if (t == self) {
        self->self_deleted = true;
        atomic_fetch_add(&kernel.detached_threads, 1);
        pthread_detach(self->host);
        klock_release(&kernel.control_lock);
        thread_abandon_user(self);
    }
    /* The victim may be about to take control_lock itself (it is in some
     * other system call): it could never exit while we held it. As DYING
     * the slot is ours alone; teardown waits for us to free it. */
    klock_release(&kernel.control_lock);
    if (t->host_started)
        thread_kill_and_join(t);
    else
        ipc_unwind_dying(t); /* an inactive thread can still have senders queued */
    klock_acquire(&kernel.control_lock);
    thread_release_slot(t);
    return 1;
}

/*
 * A crash is a self-deletion nobody asked for: the thread leaves at once,
 * its partners get IPC errors (ipc_unwind_dying) and its slot is freed on
 * the way out, so a later ThreadControl on it fails as for any dead thread.
 */
void thread_crash(struct tcb *self)
{
    klock_acquire(&kernel.control_lock);
    if (atomic_load(&self->life) != LIFE_ACTIVE ||
        atomic_load_explicit(&self->kill_requested, memory_order_acquire)) {
        klock_release(&kernel.control_lock); /* already on its way out */
        return;
    }
    atomic_store_explicit(&self->life, LIFE_DYING, memory_order_seq_cst);
    trace_event(TR_THREAD_DELETE, self->id, ID_NIL, 0, "crashed");
    self->self_deleted = true;
    atomic_fetch_add(&kernel.detached_threads, 1);
    pthread_detach(self->host);
    klock_release(&kernel.control_lock);
    thread_abandon_user(self);
}

word_t thread_control(struct tcb *self, word_t dest, word_t space_spec, word_t scheduler,
                      word_t pager, word_t utcb_location)
{
    if (self->space != kernel.root_space)
        return failed(self, ERR_NO_PRIVILEGE);
    struct tcb *t = id_is_global(dest) ? tcb_by_threadno(id_threadno(dest)) : NULL;
    if (!t || id_threadno(dest) == THREADNO_SIGMA0 || id_threadno(dest) == THREADNO_SIGMA1)
        return failed(self, ERR_INVALID_THREAD);

    klock_acquire(&kernel.control_lock);
    word_t result;
    int life = atomic_load(&t->life);
    /* A slot whose thread is still on its way out (deleted by a thread that
     * was itself deleted meanwhile) becomes free shortly: creating a thread
     * there waits for that, so deletion looks atomic from outside. */
    while (life == LIFE_DYING && space_spec != ID_NIL && t->id != dest &&
           !atomic_load(&self->kill_requested)) {
        klock_release(&kernel.control_lock);
        sched_yield_cpu();
        klock_acquire(&kernel.control_lock);
        life = atomic_load(&t->life);
    }
    if (life == LIFE_FREE && space_spec != ID_NIL)
        result = thread_create(self, t, dest, space_spec, scheduler, pager, utcb_location);
    else if (life == LIFE_FREE || life == LIFE_DYING || t->id != dest)
        result = failed(self, ERR_INVALID_THREAD);
    else if (space_spec == ID_NIL)
        result = thread_delete(self, t);
    else
        result = thread_modify(self, t, space_spec, scheduler, pager, utcb_location);
    klock_release(&kernel.control_lock);
    return result;
}

/* ------------------------------------------------------------- booting */

struct tcb *thread_create_boot(word_t threadno, struct space *space, word_t pager, word_t ip,
                               word_t sp)
{
    struct tcb *t = &kernel.tcbs[threadno];
    __atomic_store_n(&t->id, id_make(threadno, 1), __ATOMIC_RELEASE);
    t->space = space;
    space->threads++;
    t->scheduler = t->id;
    t->priority = DEFAULT_PRIORITY;
    t->timeslice_ctl = DEFAULT_TIMESLICE_CTL;
    utcb_attach(t, space, fpage_base(space->utcb_area));
    atomic_store(&t->life, LIFE_INACTIVE);
    atomic_fetch_add(&kernel.threads_created, 1);
    trace_event(TR_THREAD_CREATE, t->id, ID_NIL, 0, NULL);
    t->start_ip = ip;
    t->start_sp = sp;
    atomic_store(&t->start_pending, true);
    if (activate(t, pager) != 0) {
        thread_release_slot(t);
        return NULL;
    }
    return t;
}

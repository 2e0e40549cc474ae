/*
 * Deterministic mode: one simulated CPU. Exactly one L4 thread runs; it
 * keeps the CPU until it enters the kernel, and at every kernel entry and
 * every block the next thread is chosen by the policy and a PRNG seeded
 * from the configuration. Time is virtual: it advances a fixed cost per
 * kernel entry and jumps to the next deadline when every thread waits.
 * Nothing here may depend on host timing, or the same seed would not
 * give the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"

enum det_state { DET_NEW = 0, DET_READY, DET_RUNNING, DET_BLOCKED, DET_GONE };

static struct {
    bool on;
    enum l4sim_policy policy;
    unsigned entry_cost;
    struct klock lock;   /* guards everything below */
    struct tcb *running; /* NULL: the CPU is idle */
    struct tcb **ready;  /* runnable threads in the order they became so */
    unsigned nready;
    uint64_t vclock;
    uint64_t rng;
    uint64_t decisions;
    bool deadlocked;
    _Atomic uint32_t idle_seq; /* futex word: bumped whenever the CPU goes idle */
} det;

bool sched_deterministic(void)
{
    return det.on;
}

uint64_t sched_virtual_now(void)
{
    return __atomic_load_n(&det.vclock, __ATOMIC_RELAXED);
}

uint64_t sched_decisions(void)
{
    return det.decisions;
}

bool sched_deadlocked(void)
{
    return det.deadlocked;
}

/* splitmix64: small, fast, and the same on every machine. */
static uint64_t next_random(void)
{
    uint64_t z = (det.rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int sched_boot(const struct l4sim_config *cfg)
{
    memset(&det, 0, sizeof(det));
    det.on = cfg->deterministic;
    if (!det.on)
        return 0;
    det.policy = cfg->policy;
    det.entry_cost = cfg->kernel_entry_cost_us ? cfg->kernel_entry_cost_us : 1;
    det.rng = cfg->seed;
    det.vclock = 1;
    det.ready = calloc(kernel.tcb_count, sizeof(*det.ready));
    return det.ready ? 0 : -1;
}

void sched_shutdown(void)
{
    free(det.ready);
    det.ready = NULL;
    det.on = false;
}

/* ------------------------------------------------------------ the CPU */

/* Assign the CPU to t (NULL: idle). det.lock held; wake_granted() after unlocking. */
static struct tcb *grant(struct tcb *t)
{
    det.running = t;
    if (!t) {
        atomic_fetch_add_explicit(&det.idle_seq, 1, memory_order_release);
        sched_futex_wake(&det.idle_seq, 1);
        return NULL;
    }
    t->det_state = DET_RUNNING;
    return t;
}

/*
 * Let the thread given the CPU go. Done after det.lock is released: a woken
 * thread that preempted us at once would otherwise run straight into the
 * lock we still hold.
 */
static void wake_granted(struct tcb *t)
{
    if (!t)
        return;
    atomic_store_explicit(&t->cpu_grant, 1, memory_order_release);
    sched_futex_wake(&t->cpu_grant, 1);
}

static void wait_for_cpu(struct tcb *self)
{
    while (!atomic_load_explicit(&self->cpu_grant, memory_order_acquire))
        sched_futex_wait(&self->cpu_grant, 0);
    atomic_store_explicit(&self->cpu_grant, 0, memory_order_relaxed);
}

static void ready_add(struct tcb *t)
{
    if (t->det_state == DET_READY)
        return;
    t->det_state = DET_READY;
    det.ready[det.nready++] = t;
}

static void ready_remove(struct tcb *t)
{
    for (unsigned i = 0; i < det.nready; i++) {
        if (det.ready[i] == t) {
            memmove(&det.ready[i], &det.ready[i + 1], (det.nready - i - 1) * sizeof(*det.ready));
            det.nready--;
            return;
        }
    }
}

/* Blocked threads whose deadline has come become ready, timed out. */
static void expire_deadlines(void)
{
    for (word_t no = THREADNO_USER_BASE; no < kernel.tcb_count; no++) {
        struct tcb *t = &kernel.tcbs[no];
        if (t->det_state == DET_BLOCKED && t->det_deadline <= det.vclock) {
            t->det_timed_out = true;
            ready_add(t);
        }
    }
}

/* With nothing ready, time jumps to the earliest deadline; false if none. */
static bool jump_to_next_deadline(void)
{
    uint64_t earliest = DEADLINE_NEVER;
    for (word_t no = THREADNO_USER_BASE; no < kernel.tcb_count; no++) {
        struct tcb *t = &kernel.tcbs[no];
        if (t->det_state == DET_BLOCKED && t->det_deadline < earliest)
            earliest = t->det_deadline;
    }
    if (earliest == DEADLINE_NEVER)
        return false;
    if (earliest > det.vclock)
        __atomic_store_n(&det.vclock, earliest, __ATOMIC_RELAXED);
    expire_deadlines();
    return true;
}

/* The timeslice in µs from X.2 time control (0 = never ends). */
static uint64_t timeslice_us(const struct tcb *t)
{
    unsigned raw = (unsigned) (t->timeslice_ctl >> 16) & 0xffff;
    if (raw == 0 || (raw & 0x8000))
        return 0;
    return (uint64_t) (raw & 0x3ff) << ((raw >> 10) & 0x1f);
}

/*
 * Choose who runs next among the ready threads (and `self`, still
 * runnable, when it is given). Only threads of the highest priority
 * compete; the policy breaks the tie; a yielding self goes last. Removes
 * the choice from the ready list.
 */
static struct tcb *pick(struct tcb *self, bool yielding)
{
    bool others = det.nready > 0;
    word_t best = 0;
    for (unsigned i = 0; i < det.nready; i++)
        if (det.ready[i]->priority > best)
            best = det.ready[i]->priority;
    if (self && (!others || self->priority > best))
        return self;
    bool self_competes = self && self->priority == best && !yielding;
    unsigned candidates = self_competes ? 1 : 0;
    for (unsigned i = 0; i < det.nready; i++)
        candidates += det.ready[i]->priority == best;
    if (!candidates)
        return self;
    struct tcb *chosen = NULL;
    if (det.policy == L4SIM_POLICY_RR) {
        uint64_t slice = timeslice_us(self ? self : det.ready[0]);
        if (self_competes && (slice == 0 || det.vclock - self->det_slice_start < slice))
            return self;
        for (unsigned i = 0; i < det.nready && !chosen; i++)
            if (det.ready[i]->priority == best)
                chosen = det.ready[i];
    } else {
        uint64_t k = next_random() % candidates;
        if (self_competes && k == 0)
            return self;
        k -= self_competes ? 1 : 0;
        for (unsigned i = 0; i < det.nready && !chosen; i++)
            if (det.ready[i]->priority == best && k-- == 0)
                chosen = det.ready[i];
    }
    ready_remove(chosen);
    return chosen;
}

static void report_deadlock(void)
{
    char line[160];
    int n = snprintf(line, sizeof(line),
                     "l4sim: deadlock at virtual time %llu us (seed %llu): every thread waits "
                     "forever\n",
                     (unsigned long long) det.vclock, (unsigned long long) kernel.cfg.seed);
    ssize_t ignored = write(2, line, (size_t) n);
    for (word_t no = THREADNO_USER_BASE; no < kernel.tcb_count; no++) {
        struct tcb *t = &kernel.tcbs[no];
        if (t->det_state != DET_BLOCKED)
            continue;
        char what[96];
        describe_wait(t, what, sizeof(what));
        n = snprintf(line, sizeof(line), "l4sim:   thread %lu.%lu %s\n", id_threadno(t->id),
                     id_version(t->id), what);
        ignored = write(2, line, (size_t) n);
    }
    (void) ignored;
    trace_event(TR_NOTE, ID_NIL, ID_NIL, 0, "deadlock");
}

/*
 * Hand the CPU on. self (if not NULL) is runnable again when still_ready,
 * else blocked or gone. Returns with det.lock released; self holds the CPU
 * again when it returns (unless it is gone).
 */
static void switch_from(struct tcb *self, bool still_ready, bool yielding)
{
    det.decisions++;
    if (self) { /* its CPU time so far; a deadline jump below is nobody's */
        self->det_cpu_us += det.vclock - self->det_cpu_mark;
        self->det_cpu_mark = det.vclock;
    }
    expire_deadlines();
    struct tcb *next = pick(still_ready ? self : NULL, yielding);
    if (!next && !still_ready && jump_to_next_deadline())
        next = pick(NULL, false);
    if (next == self && still_ready) {
        self->det_state = DET_RUNNING;
        klock_release(&det.lock);
        return;
    }
    if (still_ready && self)
        ready_add(self);
    if (next)
        next->det_slice_start = next->det_cpu_mark = det.vclock;
    if (!next && atomic_load(&kernel.root_done) == 0 && !det.deadlocked && kernel.booted) {
        det.deadlocked = true;
        report_deadlock();
        boot_root_deadlocked();
    }
    bool gone = !self || self->det_state == DET_GONE;
    struct tcb *woken = grant(next);
    klock_release(&det.lock);
    wake_granted(woken);
    if (!gone)
        wait_for_cpu(self);
}

/* ------------------------------------------------------- the seam hooks */

void sched_det_kernel_entry(struct tcb *self)
{
    klock_acquire(&det.lock);
    __atomic_store_n(&det.vclock, det.vclock + det.entry_cost, __ATOMIC_RELAXED);
    switch_from(self, true, false);
}

void sched_det_yield(struct tcb *self)
{
    klock_acquire(&det.lock);
    __atomic_store_n(&det.vclock, det.vclock + det.entry_cost, __ATOMIC_RELAXED);
    switch_from(self, true, true);
}

enum block_result sched_det_block(struct tcb *self, uint32_t seen_seq, uint64_t deadline)
{
    klock_acquire(&det.lock);
    if (atomic_load_explicit(&self->wake_seq, memory_order_acquire) != seen_seq) {
        klock_release(&det.lock);
        return BLOCK_WOKEN;
    }
    self->det_state = DET_BLOCKED;
    self->det_deadline = deadline;
    self->det_timed_out = false;
    switch_from(self, false, false);
    return self->det_timed_out ? BLOCK_TIMEOUT : BLOCK_WOKEN;
}

/* Give an idle CPU to the next ready thread (det.lock held); wake_granted() it. */
static struct tcb *dispatch_idle(void)
{
    if (det.running)
        return NULL;
    det.decisions++;
    struct tcb *next = pick(NULL, false);
    if (next)
        next->det_slice_start = next->det_cpu_mark = det.vclock;
    return grant(next);
}

void sched_det_wake(struct tcb *t)
{
    struct tcb *woken = NULL;
    klock_acquire(&det.lock);
    atomic_fetch_add_explicit(&t->wake_seq, 1, memory_order_release);
    if (t->det_state == DET_BLOCKED) {
        t->det_timed_out = false;
        ready_add(t);
    }
    if (current_tcb == NULL) /* a host thread (teardown) woke someone */
        woken = dispatch_idle();
    klock_release(&det.lock);
    wake_granted(woken);
}

/* A thread just activated may be scheduled from now on. */
void sched_thread_ready(struct tcb *t)
{
    if (!det.on)
        return;
    klock_acquire(&det.lock);
    atomic_store(&t->cpu_grant, 0);
    t->det_state = DET_NEW;
    ready_add(t);
    klock_release(&det.lock);
}

/* The first thing a new host thread does: wait until it is scheduled. */
void sched_thread_begin(struct tcb *self)
{
    if (det.on)
        wait_for_cpu(self);
}

/* The last thing a host thread does with the CPU: pass it on. */
void sched_thread_end(struct tcb *self)
{
    if (!det.on)
        return;
    klock_acquire(&det.lock);
    ready_remove(self);
    bool had_cpu = det.running == self;
    self->det_state = DET_GONE;
    if (had_cpu) {
        switch_from(self, false, false);
        return;
    }
    klock_release(&det.lock);
}

/* The boot thread starts the system: the first pick gets the CPU. */
void sched_dispatch(void)
{
    if (!det.on)
        return;
    struct tcb *woken = NULL;
    klock_acquire(&det.lock);
    woken = dispatch_idle();
    klock_release(&det.lock);
    wake_granted(woken);
}

/* A host thread (teardown) waits until no L4 thread runs. */
void sched_wait_idle(void)
{
    if (!det.on)
        return;
    for (;;) {
        uint32_t seq = atomic_load_explicit(&det.idle_seq, memory_order_acquire);
        klock_acquire(&det.lock);
        bool idle = det.running == NULL;
        klock_release(&det.lock);
        if (idle)
            return;
        sched_futex_wait(&det.idle_seq, seq);
    }
}

/*
 * The root function returned: every other thread is told to die and made
 * runnable, at this reproducible point, so that the run ends the same way
 * every time; teardown then finds them gone or blocked.
 */
void sched_stop_world(struct tcb *self)
{
    if (!det.on)
        return;
    for (word_t no = THREADNO_USER_BASE; no < kernel.tcb_count; no++) {
        struct tcb *t = &kernel.tcbs[no];
        if (t == self || atomic_load(&t->life) != LIFE_ACTIVE)
            continue;
        atomic_store_explicit(&t->kill_requested, true, memory_order_seq_cst);
        sched_det_wake(t);
    }
}

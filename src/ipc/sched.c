/*
 * The scheduler seam, free-running flavour: every block and every wake of
 * an L4 thread goes through here, on futexes. Deterministic mode replaces
 * this file's policy; nothing else in the kernel may sleep on its own.
 */
#define _GNU_SOURCE /* sched_getcpu */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, (uint32_t *) word, op, val, ts, NULL, 0);
}

void sched_futex_wait(_Atomic uint32_t *word, uint32_t val)
{
    futex(word, FUTEX_WAIT_PRIVATE, val, NULL);
}

void sched_futex_wake(_Atomic uint32_t *word, int count)
{
    futex(word, FUTEX_WAKE_PRIVATE, (uint32_t) count, NULL);
}

uint32_t sched_wake_seq(struct tcb *self)
{
    return atomic_load_explicit(&self->wake_seq, memory_order_acquire);
}

/*
 * self->sleeping tells sched_wake whether a FUTEX_WAKE is needed. It is set
 * (seq_cst) before FUTEX_WAIT compares wake_seq, and sched_wake bumps
 * wake_seq (seq_cst) before reading it: either the waker sees the flag and
 * wakes us, or our FUTEX_WAIT sees the new wake_seq and returns at once.
 */
static long futex_wait_seq(struct tcb *self, uint32_t seen_seq, const struct timespec *ts)
{
    atomic_store_explicit(&self->sleeping, 1, memory_order_seq_cst);
    long r = futex(&self->wake_seq, FUTEX_WAIT_PRIVATE, seen_seq, ts);
    int saved = errno;
    atomic_store_explicit(&self->sleeping, 0, memory_order_relaxed);
    errno = saved;
    return r;
}

/*
 * Before sleeping, spin for up to SPIN_NS while the thread that woke us last
 * runs on another CPU: a partner there usually answers sooner than a
 * cross-CPU wake-up takes (several µs in a VM). A partner on our own CPU
 * cannot run while we spin, so then we sleep at once; so does a block whose
 * deadline comes sooner than the spin would end.
 */
#define SPIN_NS 5000

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static bool spin_for_wake(struct tcb *self, uint32_t seen_seq, uint64_t deadline_us)
{
    int waker = atomic_load_explicit(&self->waker_cpu, memory_order_relaxed);
    if (waker <= 0 || waker - 1 == sched_getcpu())
        return false;
    if (deadline_us != DEADLINE_NEVER && deadline_us <= clock_now_us() + SPIN_NS / 1000)
        return false;
    uint64_t until = 0;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(&self->wake_seq, memory_order_acquire) != seen_seq)
            return true;
        __builtin_ia32_pause();
        if (i % 64 == 0) {
            uint64_t now = host_ns();
            if (!until)
                until = now + SPIN_NS;
            else if (now >= until)
                return false;
        }
    }
}

/*
 * Sleep until sched_wake(self) or the deadline. The caller read seen_seq
 * with sched_wake_seq() before checking its wait condition, so a wake that
 * races with going to sleep is never lost.
 */
enum block_result sched_block(struct tcb *self, uint32_t seen_seq, uint64_t deadline_us)
{
    if (sched_deterministic())
        return sched_det_block(self, seen_seq, deadline_us);
    if (spin_for_wake(self, seen_seq, deadline_us))
        return BLOCK_WOKEN;
    if (deadline_us == DEADLINE_NEVER) {
        futex_wait_seq(self, seen_seq, NULL);
        return BLOCK_WOKEN;
    }
    uint64_t now = clock_now_us();
    if (deadline_us <= now)
        return BLOCK_TIMEOUT;
    uint64_t left = deadline_us - now;
    struct timespec ts = {.tv_sec = (time_t) (left / 1000000),
                          .tv_nsec = (long) (left % 1000000) * 1000};
    if (futex_wait_seq(self, seen_seq, &ts) < 0 && errno == ETIMEDOUT)
        return BLOCK_TIMEOUT;
    return BLOCK_WOKEN;
}

/* A partner that is running, or preempted before it went to sleep, needs no system call. */
void sched_wake(struct tcb *t)
{
    if (sched_deterministic()) {
        sched_det_wake(t);
        return;
    }
    atomic_store_explicit(&t->waker_cpu, sched_getcpu() + 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->wake_seq, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&t->sleeping, memory_order_seq_cst))
        futex(&t->wake_seq, FUTEX_WAKE_PRIVATE, 1, NULL);
}

void sched_yield_cpu(void)
{
    if (sched_deterministic() && current_tcb) {
        sched_det_yield(current_tcb);
        return;
    }
    if (sched_deterministic())
        sched_dispatch(); /* a host thread waiting on L4 threads: let them run */
    sched_yield();
}

void klock_acquire(struct klock *l)
{
    uint32_t c = 0;
    if (atomic_compare_exchange_strong_explicit(&l->word, &c, 1, memory_order_acquire,
                                                memory_order_relaxed))
        return;
    if (c != 2)
        c = atomic_exchange_explicit(&l->word, 2, memory_order_acquire);
    while (c != 0) {
        sched_futex_wait(&l->word, 2);
        c = atomic_exchange_explicit(&l->word, 2, memory_order_acquire);
    }
}

void klock_release(struct klock *l)
{
    if (atomic_exchange_explicit(&l->word, 0, memory_order_release) == 2)
        sched_futex_wake(&l->word, 1);
}

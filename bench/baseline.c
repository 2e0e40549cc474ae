/*
 * Host baselines for l4sim-bench: round trips between two pinned pthreads
 * over the cheapest Linux primitives, the yardsticks for l4sim's IPC.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/*
 * A ping-pong between two threads: the initiator (on cpu[0]) runs ping, one
 * complete round trip, under bench_time_ops; the answerer (on cpu[1]) runs
 * pong once per round trip. abort makes a blocked pong return, so a failing
 * initiator does not leave its partner hanging.
 */
struct pingpong_ops {
    int (*ping)(void *ctx);
    int (*pong)(void *ctx);
    void (*abort)(void *ctx);
};

struct pingpong {
    const struct bench_params *p;
    const struct pingpong_ops *ops;
    void *ctx;
    struct bench_samples *s;
    pthread_barrier_t start; /* both threads pinned before the first ping */
    int pin_failed;
    int status;
};

static void *answerer(void *arg)
{
    struct pingpong *pp = arg;
    if (bench_pin_self(pp->p->cpu[1]))
        __atomic_store_n(&pp->pin_failed, 1, __ATOMIC_RELAXED);
    pthread_barrier_wait(&pp->start);
    if (__atomic_load_n(&pp->pin_failed, __ATOMIC_RELAXED))
        return NULL;
    unsigned long n = bench_total_ops(pp->p);
    for (unsigned long i = 0; i < n; i++)
        if (pp->ops->pong(pp->ctx))
            break;
    return NULL;
}

static void *initiator(void *arg)
{
    struct pingpong *pp = arg;
    if (bench_pin_self(pp->p->cpu[0]))
        __atomic_store_n(&pp->pin_failed, 1, __ATOMIC_RELAXED);
    pthread_barrier_wait(&pp->start);
    if (__atomic_load_n(&pp->pin_failed, __ATOMIC_RELAXED)) {
        pp->status = -1;
        return NULL;
    }
    pp->status = bench_time_ops(pp->p, pp->s, pp->ops->ping, pp->ctx);
    if (pp->status)
        pp->ops->abort(pp->ctx);
    return NULL;
}

static int run_pingpong(const struct bench_params *p, struct bench_samples *s,
                        const struct pingpong_ops *ops, void *ctx)
{
    struct pingpong pp = {.p = p, .ops = ops, .ctx = ctx, .s = s};
    pthread_t a, b;
    int err;

    pthread_barrier_init(&pp.start, NULL, 2);
    if ((err = pthread_create(&b, NULL, answerer, &pp))) {
        fprintf(stderr, "l4sim-bench: pthread_create: %s\n", strerror(err));
        pthread_barrier_destroy(&pp.start);
        return -1;
    }
    if ((err = pthread_create(&a, NULL, initiator, &pp))) {
        fprintf(stderr, "l4sim-bench: pthread_create: %s\n", strerror(err));
        /* The answerer waits at the barrier for its partner: stand in for it. */
        __atomic_store_n(&pp.pin_failed, 1, __ATOMIC_RELAXED);
        pthread_barrier_wait(&pp.start);
        pthread_join(b, NULL);
        pthread_barrier_destroy(&pp.start);
        return -1;
    }
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    pthread_barrier_destroy(&pp.start);
    return pp.status;
}

/* futex_rt: a word handed back and forth; 1 = the answerer's turn, 0 = the initiator's. */

struct futex_pp {
    uint32_t turn;
    int stop;
};

static long futex(uint32_t *uaddr, int op, uint32_t val)
{
    return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

/* Sleep while *word == val. EAGAIN (already changed) and EINTR just mean: look again. */
static int futex_wait_while(uint32_t *word, uint32_t val)
{
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == val) {
        if (futex(word, FUTEX_WAIT_PRIVATE, val) && errno != EAGAIN && errno != EINTR) {
            fprintf(stderr, "l4sim-bench: FUTEX_WAIT: %s\n", strerror(errno));
            return -1;
        }
    }
    return 0;
}

/*
 * Hand the turn over and wake the partner. The wake is unconditional, as it
 * would be in a lock or channel that cannot know whether anyone sleeps, so
 * every half round trip pays one FUTEX_WAKE system call.
 */
static int futex_pass(uint32_t *word, uint32_t val)
{
    __atomic_store_n(word, val, __ATOMIC_RELEASE);
    if (futex(word, FUTEX_WAKE_PRIVATE, 1) < 0) {
        fprintf(stderr, "l4sim-bench: FUTEX_WAKE: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static int futex_ping(void *ctx)
{
    struct futex_pp *f = ctx;
    if (futex_pass(&f->turn, 1))
        return -1;
    return futex_wait_while(&f->turn, 1);
}

static int futex_pong(void *ctx)
{
    struct futex_pp *f = ctx;
    if (futex_wait_while(&f->turn, 0))
        return -1;
    if (__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE))
        return -1;
    return futex_pass(&f->turn, 0);
}

static void futex_abort(void *ctx)
{
    struct futex_pp *f = ctx;
    __atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
    futex_pass(&f->turn, 1);
}

static int futex_rt(const struct bench_params *p, struct bench_samples *s)
{
    static const struct pingpong_ops ops = {futex_ping, futex_pong, futex_abort};
    struct futex_pp f = {0};
    return run_pingpong(p, s, &ops, &f);
}

/*
 * futex_spin_rt: the same hand-over, done the way l4sim's scheduler seam
 * does it: spin up to SPIN_NS for the turn before sleeping, and wake the
 * partner only when it announced that it sleeps. Like the kernel, it spins
 * only when the partner runs on another CPU. The fair yardstick for
 * ipc_rt when the two threads run on different CPUs.
 */

#define SPIN_NS 5000

struct spin_pp {
    int spin; /* the partner runs on another CPU: worth spinning for */
    uint32_t turn;
    uint32_t sleeping[2]; /* [0]: initiator, [1]: answerer */
    int stop;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int spin_wait_while(int spin, uint32_t *word, uint32_t val, uint32_t *sleeping)
{
    uint64_t until = 0;
    for (unsigned i = 1; spin && __atomic_load_n(word, __ATOMIC_ACQUIRE) == val; i++) {
        __builtin_ia32_pause();
        if (i % 64)
            continue;
        uint64_t now = now_ns();
        if (!until)
            until = now + SPIN_NS;
        else if (now >= until)
            break;
    }
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == val) {
        __atomic_store_n(sleeping, 1, __ATOMIC_SEQ_CST);
        long r = futex(word, FUTEX_WAIT_PRIVATE, val);
        int err = errno;
        __atomic_store_n(sleeping, 0, __ATOMIC_RELAXED);
        if (r && err != EAGAIN && err != EINTR) {
            fprintf(stderr, "l4sim-bench: FUTEX_WAIT: %s\n", strerror(err));
            return -1;
        }
    }
    return 0;
}

static void spin_pass(uint32_t *word, uint32_t val, uint32_t *partner_sleeping)
{
    __atomic_store_n(word, val, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(partner_sleeping, __ATOMIC_SEQ_CST))
        futex(word, FUTEX_WAKE_PRIVATE, 1);
}

static int spin_ping(void *ctx)
{
    struct spin_pp *f = ctx;
    spin_pass(&f->turn, 1, &f->sleeping[1]);
    return spin_wait_while(f->spin, &f->turn, 1, &f->sleeping[0]);
}

static int spin_pong(void *ctx)
{
    struct spin_pp *f = ctx;
    if (spin_wait_while(f->spin, &f->turn, 0, &f->sleeping[1]))
        return -1;
    if (__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE))
        return -1;
    spin_pass(&f->turn, 0, &f->sleeping[0]);
    return 0;
}

static void spin_abort(void *ctx)
{
    struct spin_pp *f = ctx;
    __atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&f->turn, 1, __ATOMIC_SEQ_CST);
    futex(&f->turn, FUTEX_WAKE_PRIVATE, 1);
}

static int futex_spin_rt(const struct bench_params *p, struct bench_samples *s)
{
    static const struct pingpong_ops ops = {spin_ping, spin_pong, spin_abort};
    struct spin_pp f = {.spin = p->cpu[0] != p->cpu[1]};
    return run_pingpong(p, s, &ops, &f);
}

/* unix_socket_rt: a 16-byte message over a SOCK_SEQPACKET socketpair and back. */

#define SOCK_MSG 16

static int sock_xfer(int fd, int send)
{
    char buf[SOCK_MSG] = {0};
    ssize_t n = send ? write(fd, buf, sizeof(buf)) : read(fd, buf, sizeof(buf));
    if (n == (ssize_t) sizeof(buf))
        return 0;
    if (n < 0)
        fprintf(stderr, "l4sim-bench: unix socket %s: %s\n", send ? "write" : "read",
                strerror(errno));
    /* A short read of 0 is the peer shutting down after an abort: no message. */
    else if (n > 0)
        fprintf(stderr, "l4sim-bench: unix socket: short transfer of %zd bytes\n", n);
    return -1;
}

static int sock_ping(void *ctx)
{
    int *sv = ctx;
    return sock_xfer(sv[0], 1) || sock_xfer(sv[0], 0) ? -1 : 0;
}

static int sock_pong(void *ctx)
{
    int *sv = ctx;
    return sock_xfer(sv[1], 0) || sock_xfer(sv[1], 1) ? -1 : 0;
}

static void sock_abort(void *ctx)
{
    int *sv = ctx;
    shutdown(sv[0], SHUT_RDWR);
}

static int unix_socket_rt(const struct bench_params *p, struct bench_samples *s)
{
    static const struct pingpong_ops ops = {sock_ping, sock_pong, sock_abort};
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
        fprintf(stderr, "l4sim-bench: socketpair: %s\n", strerror(errno));
        return -1;
    }
    int r = run_pingpong(p, s, &ops, sv);
    close(sv[0]);
    close(sv[1]);
    return r;
}

static const struct bench_entry entries[] = {
    {"futex_rt", "round trip between two threads over a private futex word", futex_rt, NULL},
    {"futex_spin_rt", "futex_rt with a 5 us spin before sleeping and wakes only of sleepers",
     futex_spin_rt, NULL},
    {"unix_socket_rt", "16-byte round trip over an AF_UNIX SOCK_SEQPACKET socketpair",
     unix_socket_rt, NULL},
};

const struct bench_family bench_baseline = {entries, sizeof(entries) / sizeof(entries[0])};

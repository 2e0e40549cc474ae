/*
 * MM-server entries for l4sim-bench: a zero-fill fault, a fault served from
 * the backing store, and malloc/free, each through the real servers, with
 * host baselines for the same work (a file read, mmap/munmap).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4srv/mm.h>
#include <l4srv/system.h>

#include "bench.h"

#define PAGE      4096UL
#define POOL      (16UL << 20)   /* mm_fault: fresh pages per round */
#define SWAP_RAM  (4UL << 20)    /* mm_swap_in: simulated RAM ... */
#define SWAP_SPAN (3 * SWAP_RAM) /* ... and the memory cycled through it */

enum mm_kind { MM_FAULT, MM_SWAP_IN, MM_MALLOC_FREE };

struct mm_run {
    const struct bench_params *p;
    struct bench_samples *s;
    enum mm_kind kind;
    L4_Word_t base, size, next;
    int status;
};

static struct mm_run *current;

static int mm_failed(const char *what, int error)
{
    fprintf(stderr, "l4sim-bench: %s failed: %s\n", what, l4srv_strerror(error));
    return -1;
}

/* Write a fresh page: one zero-fill fault through the MM server. */
static int fault_op(void *ctx)
{
    struct mm_run *r = ctx;
    *(volatile char *) (r->base + r->next) = 1;
    r->next += PAGE;
    return 0;
}

/* When the pool is used up, give it back and take a fresh one. */
static int fault_renew(void *ctx, unsigned long n)
{
    struct mm_run *r = ctx;
    if (r->next + n * PAGE <= r->size)
        return 0;
    int e = mm_free(r->size, r->base);
    if (!e)
        e = mm_malloc(r->size, &r->base);
    r->next = 0;
    return e ? mm_failed("renewing the pool", e) : 0;
}

/* Read the next page of a span three times the RAM: it was paged out. */
static int swap_op(void *ctx)
{
    struct mm_run *r = ctx;
    (void) *(volatile char *) (r->base + r->next);
    r->next = (r->next + PAGE) % r->size;
    return 0;
}

static int malloc_free_op(void *ctx)
{
    (void) ctx;
    L4_Word_t at;
    int e = mm_malloc(PAGE, &at);
    if (!e)
        e = mm_free(PAGE, at);
    return e ? mm_failed("mm_malloc/mm_free", e) : 0;
}

/* The task: time its operations, report, and stop. */
static void mm_task(void *kip)
{
    (void) kip;
    struct mm_run *r = current;
    int e = 0;
    r->status = bench_pin_self(r->p->cpu[1]);
    if (!r->status && r->kind != MM_MALLOC_FREE) {
        r->size = r->kind == MM_FAULT ? POOL : SWAP_SPAN;
        e = mm_malloc(r->size, &r->base);
        if (e)
            r->status = mm_failed("mm_malloc", e);
    }
    if (!r->status && r->kind == MM_SWAP_IN) {
        /* Write every page, then read them all: each is clean with a copy in
         * the store, so the timed page-ins evict without writing. */
        for (L4_Word_t a = 0; a < r->size; a += PAGE)
            *(volatile char *) (r->base + a) = 1;
        for (L4_Word_t a = 0; a < r->size; a += PAGE)
            (void) *(volatile char *) (r->base + a);
    }
    if (!r->status) {
        if (r->kind == MM_FAULT)
            r->status = bench_time_prepared_ops(r->p, r->s, fault_op, fault_renew, r);
        else
            r->status =
                bench_time_ops(r->p, r->s, r->kind == MM_SWAP_IN ? swap_op : malloc_free_op, r);
    }
    L4_LoadMR(0, 0);
    L4_Send(L4_GlobalId(l4srv_root_threadno(), 1)); /* done: the root ends the run */
}

static int mm_root(void *arg)
{
    struct mm_run *r = arg;
    L4_ThreadId_t task = L4_GlobalId(l4srv_root_threadno() + L4SRV_FIRST_FREE, 1);
    L4_Word_t sp, ip;
    L4_Fpage_t utcbs;
    int e = mm_new_as(task, 0, 0, L4_nilthread, &sp, &ip, &utcbs);
    if (e)
        return mm_failed("mm_new_as", e);
    L4_Start_SpIp(task, sp, (L4_Word_t) mm_task);
    L4_MsgTag_t tag = L4_Receive(task);
    if (L4_IpcFailed(tag)) {
        fprintf(stderr, "l4sim-bench: the MM task did not report\n");
        return -1;
    }
    return r->status;
}

static int run_mm(const struct bench_params *p, struct bench_samples *s, enum mm_kind kind)
{
    struct mm_run r = {.p = p, .s = s, .kind = kind};
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 0;
    if (kind == MM_SWAP_IN)
        cfg.phys_mem_size = SWAP_RAM;
    /* The root and the servers inherit this CPU; the task moves to cpu[1]. */
    if (bench_pin_self(p->cpu[0]))
        return -1;
    current = &r;
    int result = l4srv_run(&cfg, NULL, mm_root, &r);
    current = NULL;
    return result;
}

static int mm_fault(const struct bench_params *p, struct bench_samples *s)
{
    return run_mm(p, s, MM_FAULT);
}

static int mm_swap_in(const struct bench_params *p, struct bench_samples *s)
{
    return run_mm(p, s, MM_SWAP_IN);
}

static int mm_malloc_free(const struct bench_params *p, struct bench_samples *s)
{
    return run_mm(p, s, MM_MALLOC_FREE);
}

/* ------------------------------------------------------- host baselines */

struct host_file {
    int fd;
    char *page;
    off_t at;
};

/* Read the next 4 KiB of a file the page cache holds into a fresh page. */
static int pread_op(void *ctx)
{
    struct host_file *h = ctx;
    if (pread(h->fd, h->page, PAGE, h->at) != (ssize_t) PAGE)
        return -1;
    h->at = (h->at + (off_t) PAGE) % (off_t) SWAP_SPAN;
    return 0;
}

static int pread_page(const struct bench_params *p, struct bench_samples *s)
{
    struct host_file h = {.fd = -1};
    char path[] = "/tmp/l4sim-bench-XXXXXX";
    h.fd = mkstemp(path);
    h.page = aligned_alloc(PAGE, PAGE);
    int result = -1;
    if (h.fd >= 0 && h.page) {
        unlink(path);
        memset(h.page, 1, PAGE);
        result = 0;
        for (off_t a = 0; a < (off_t) SWAP_SPAN && !result; a += (off_t) PAGE)
            result = pwrite(h.fd, h.page, PAGE, a) == (ssize_t) PAGE ? 0 : -1;
        if (!result && !bench_pin_self(p->cpu[0]))
            result = bench_time_ops(p, s, pread_op, &h);
    }
    if (h.fd >= 0)
        close(h.fd);
    free(h.page);
    return result;
}

static int mmap_op(void *ctx)
{
    (void) ctx;
    void *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return m == MAP_FAILED ? -1 : munmap(m, PAGE);
}

static int mmap_munmap(const struct bench_params *p, struct bench_samples *s)
{
    if (bench_pin_self(p->cpu[0]))
        return -1;
    return bench_time_ops(p, s, mmap_op, NULL);
}

static const struct bench_entry entries[] = {
    {"pread_page", "baseline: pread 4 KiB of a cached host file", pread_page, NULL},
    {"mmap_munmap", "baseline: mmap and munmap one anonymous host page", mmap_munmap, NULL},
    {"mm_fault", "first write to a malloc'd page: zero-fill fault through the MM server", mm_fault,
     NULL},
    {"mm_swap_in", "read of a paged-out page: page-in from the backing store (clean eviction)",
     mm_swap_in, NULL},
    {"mm_malloc_free", "mm_malloc of one page and mm_free of it, two calls to the MM server",
     mm_malloc_free, NULL},
};

const struct bench_family bench_mm = {entries, sizeof(entries) / sizeof(entries[0])};

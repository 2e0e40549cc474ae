/*
 * Memory entries for l4sim-bench: page faults a pager resolves over IPC, a
 * flexpage mapped and unmapped, the host mapping budget, and host baselines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/pagefault.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4sim/l4sim.h>

#include "bench.h"

#define PAGE          4096UL
#define POOL_LOG2     24 /* 16 MiB: the fresh pages of one round of faults */
#define POOL_PAGES    ((1UL << POOL_LOG2) / PAGE)
#define FLEX_LOG2     18 /* map_unmap's flexpage: 64 pages */
#define CHILD_STACK   (256UL << 10)
#define ALTSTACK      (64UL << 10)
#define ITEMS_PER_MSG 31 /* map items in one message: 62 of the 63 MRs */

/* What the faulting thread asks its pager besides page faults. */
#define LABEL_UNMAP 0x11 /* revoke every page mapped so far; empty reply */
#define LABEL_DONE  0x12 /* MR1 = status of the timing; no reply */

static int ipc_failed(const char *what, L4_MsgTag_t tag)
{
    if (L4_IpcFailed(tag))
        fprintf(stderr, "l4sim-bench: %s failed: %s\n", what,
                L4_IpcErrorCode_String(L4_ErrorCode()));
    else
        fprintf(stderr, "l4sim-bench: %s: unexpected tag %#lx\n", what, tag.raw);
    return -1;
}

/* ------------------------------------------------- l4sim: one system */

enum mem_kind {
    KIND_PAGEFAULT, /* the child faults, the root pages it */
    KIND_MAP_UNMAP, /* the root maps a flexpage to the child and unmaps it */
    KIND_BUDGET,    /* the root maps single pages to the child until refused */
};

/*
 * One entry's run: each boots its own system, in which the root thread (on
 * cpu[0]) is the pager of a child thread in a new space (on cpu[1]).
 */
struct mem_run {
    const struct bench_params *p;
    enum mem_kind kind;
    struct bench_samples *s;
    struct bench_figure *f;
    L4_ThreadId_t child;
    L4_Word_t win_base, win_size; /* the child's window */
    L4_Word_t pool;               /* the root's pages from sigma0 (physical window) */
    unsigned pool_log2;
    unsigned long next; /* KIND_PAGEFAULT: the next fresh page of the child's round */
    char *child_stack;
    int child_pin_failed;
};

/* The run in progress: the child thread finds it here (one system per process). */
static struct mem_run *current_run;

/* The child's window as one fpage: the receive window covering all of it. */
static L4_Fpage_t child_window(const struct mem_run *r)
{
    return L4_FpageLog2(r->win_base, __builtin_ctzl(r->win_size));
}

/* ---------------------------------------------------- pagefault: child */

/* Touch the next fresh page with a write: one page fault. */
static int touch_op(void *ctx)
{
    struct mem_run *r = ctx;
    *(volatile char *) (r->win_base + r->next++ * PAGE) = 1;
    return 0;
}

/* Before n more touches: when the round's pages run out, have the pager revoke them. */
static int renew_pages(void *ctx, unsigned long n)
{
    struct mem_run *r = ctx;
    if (r->next + n <= POOL_PAGES)
        return 0;
    L4_Set_MsgTag(bench_tag(LABEL_UNMAP, 0, 0));
    L4_MsgTag_t tag = L4_Call(L4_Pager());
    if (L4_IpcFailed(tag) || !L4_IsMsgTagEqual(tag, L4_Niltag))
        return ipc_failed("the unmap request to the pager", tag);
    r->next = 0;
    return 0;
}

/* The faulting thread: times its faults, then reports to its pager and halts. */
static void fault_child(void *kip)
{
    (void) kip;
    struct mem_run *r = current_run;
    r->next = POOL_PAGES; /* the first renew_pages starts a round */
    int status = bench_pin_self(r->p->cpu[1]);
    if (!status)
        status = bench_time_prepared_ops(r->p, r->s, touch_op, renew_pages, r);
    L4_Set_MsgTag(bench_tag(LABEL_DONE, 0, 1));
    L4_LoadMR(1, (L4_Word_t) (status ? 1 : 0));
    L4_Send(L4_Pager());
}

/* ---------------------------------------------------- pagefault: pager */

/* Answer the child's faults with one-page map items until it is done. */
static int pager_loop(struct mem_run *r)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag))
            return ipc_failed("the pager's receive", tag);
        if (L4_IsPagefaultTag(tag)) {
            L4_Word_t addr;
            L4_StoreMR(1, &addr);
            L4_Word_t i = (addr - r->win_base) / PAGE;
            if (addr < r->win_base || i >= POOL_PAGES) {
                /* Unanswered, the child halts; l4sim_run deletes it. */
                fprintf(stderr, "l4sim-bench: unexpected page fault at %#lx\n", addr);
                return -1;
            }
            L4_Fpage_t page = L4_FpageLog2(r->pool + i * PAGE, 12);
            L4_Set_Rights(&page, L4_ReadWriteOnly);
            L4_MapItem_t item = L4_MapItem(page, addr & ~(PAGE - 1));
            L4_Set_MsgTag(bench_tag(0, 2, 0));
            L4_LoadMRs(1, 2, item.raw);
        } else if (L4_Label(tag) == LABEL_UNMAP) {
            L4_Fpage_t all = L4_FpageLog2(r->pool, POOL_LOG2);
            L4_Set_Rights(&all, L4_FullyAccessible);
            L4_UnmapFpage(all); /* our own pages stay; the child's copies go */
            L4_Set_MsgTag(L4_Niltag);
        } else if (L4_Label(tag) == LABEL_DONE) {
            L4_Word_t status;
            L4_StoreMR(1, &status);
            return status ? -1 : 0;
        } else {
            return ipc_failed("the pager", tag);
        }
        tag = L4_ReplyWait(from, &from);
    }
}

/* ----------------------------------------- map_unmap and budget: child */

/* Accepts mappings anywhere in its window and answers every message empty. */
static void receiver_child(void *kip)
{
    (void) kip;
    struct mem_run *r = current_run;
    if (bench_pin_self(r->p->cpu[1]))
        __atomic_store_n(&r->child_pin_failed, 1, __ATOMIC_RELEASE);
    L4_Accept(L4_MapGrantItems(child_window(r)));
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from); /* a refused map: nobody to answer */
            continue;
        }
        L4_Set_MsgTag(L4_Niltag);
        tag = L4_ReplyWait(from, &from);
    }
}

/* ------------------------------------------------------ map_unmap: root */

static L4_Fpage_t flexpage(const struct mem_run *r, L4_Word_t rights)
{
    L4_Fpage_t f = L4_FpageLog2(r->pool, FLEX_LOG2);
    L4_Set_Rights(&f, rights);
    return f;
}

/* Call the child with one map item of the 64-page flexpage; it replies empty. */
static int map_to_child(struct mem_run *r)
{
    L4_MapItem_t item = L4_MapItem(flexpage(r, L4_ReadWriteOnly), r->win_base);
    L4_Set_MsgTag(bench_tag(0, 2, 0));
    L4_LoadMRs(1, 2, item.raw);
    L4_MsgTag_t tag = L4_Call(r->child);
    if (!L4_IsMsgTagEqual(tag, L4_Niltag))
        return ipc_failed("the map item to the child", tag);
    return 0;
}

/* One round trip: a 64-page map item to the child and back, then the unmap. */
static int map_unmap_op(void *ctx)
{
    struct mem_run *r = ctx;
    if (map_to_child(r))
        return -1;
    L4_UnmapFpage(flexpage(r, L4_FullyAccessible));
    return 0;
}

/* An untimed first round trip, checked: the child gets 64 pages and loses them. */
static int map_unmap_check(struct mem_run *r)
{
    struct l4sim_stats before, mapped, after;
    l4sim_get_stats(&before);
    if (map_to_child(r))
        return -1;
    l4sim_get_stats(&mapped);
    L4_UnmapFpage(flexpage(r, L4_FullyAccessible));
    l4sim_get_stats(&after);
    unsigned long pages = (1UL << FLEX_LOG2) / PAGE;
    if (mapped.mappings != before.mappings + pages || after.mappings != before.mappings) {
        fprintf(stderr,
                "l4sim-bench: map_unmap: mappings %llu -> %llu -> %llu, want +%lu and back\n",
                (unsigned long long) before.mappings, (unsigned long long) mapped.mappings,
                (unsigned long long) after.mappings, pages);
        return -1;
    }
    if (__atomic_load_n(&r->child_pin_failed, __ATOMIC_ACQUIRE))
        return -1;
    return 0;
}

/* --------------------------------------------------------- budget: root */

/*
 * Map single pages to every other page of the child's window, 31 map items
 * a message, until the kernel refuses with message overflow. The figure is
 * how many pages the child then has.
 */
static int budget(struct mem_run *r)
{
    struct l4sim_stats before, after;
    l4sim_get_stats(&before);
    L4_Word_t slots = r->win_size / (2 * PAGE), done = 0;
    unsigned long pool_pages = (1UL << r->pool_log2) / PAGE;
    for (;;) {
        L4_Word_t n = slots - done < ITEMS_PER_MSG ? slots - done : ITEMS_PER_MSG;
        if (n == 0) {
            fprintf(stderr, "l4sim-bench: map_budget_pages: the window (%lu MiB) filled first\n",
                    r->win_size >> 20);
            return -1;
        }
        L4_Msg_t m;
        L4_MsgClear(&m);
        for (L4_Word_t k = done; k < done + n; k++) {
            L4_Fpage_t page = L4_FpageLog2(r->pool + (k % pool_pages) * PAGE, 12);
            L4_Set_Rights(&page, L4_ReadWriteOnly);
            L4_MsgAppendMapItem(&m, L4_MapItem(page, r->win_base + 2 * k * PAGE));
        }
        L4_MsgLoad(&m);
        L4_MsgTag_t tag = L4_Call(r->child);
        if (L4_IpcFailed(tag)) {
            L4_Word_t err = L4_ErrorCode();
            if (L4_IpcErrorType(err) == L4_IpcErrMsgOverflow && !L4_IpcErrorInReceivePhase(err))
                break;
            return ipc_failed("a map message to the child", tag);
        }
        done += n;
    }
    l4sim_get_stats(&after);
    if (after.host_vmas + 2 <= after.vma_budget) {
        fprintf(stderr, "l4sim-bench: map_budget_pages: refused at %llu of %llu host VMAs\n",
                (unsigned long long) after.host_vmas, (unsigned long long) after.vma_budget);
        return -1;
    }
    r->f->value = after.mappings - before.mappings;
    r->f->nextra = 1;
    r->f->extra[0].key = "vma_budget";
    r->f->extra[0].value = after.vma_budget;
    return 0;
}

/* ------------------------------------------------------------ the root */

/* Create the child in a new space with us as its pager, and start it. */
static int start_child(struct mem_run *r, void (*entry)(void *kip))
{
    L4_ThreadId_t me = L4_Myself();
    L4_Word_t old;
    r->child = L4_GlobalId(L4_ThreadNo(me) + 1, 1);
    if (!L4_ThreadControl(r->child, r->child, me, L4_nilthread, (void *) -1) ||
        !L4_SpaceControl(r->child, 0, L4_FpageLog2(0x1000, 12), L4_FpageLog2(0x100000, 12),
                         L4_nilthread, &old) ||
        !L4_ThreadControl(r->child, r->child, me, me, (void *) 0x100000)) {
        fprintf(stderr, "l4sim-bench: creating the child in a new space failed: %s\n",
                L4_ErrorCode_String(L4_ErrorCode()));
        return -1;
    }
    if (l4sim_space_window(r->child, &r->win_base, &r->win_size)) {
        fprintf(stderr, "l4sim-bench: the child has no window\n");
        return -1;
    }
    L4_Set_MsgTag(bench_tag(0, 0, 2)); /* the start message: MR1 = IP, MR2 = SP */
    L4_LoadMR(1, (L4_Word_t) entry);
    L4_LoadMR(2, (L4_Word_t) r->child_stack + CHILD_STACK);
    L4_MsgTag_t tag = L4_Send(r->child);
    if (L4_IpcFailed(tag))
        return ipc_failed("the child's start message", tag);
    return 0;
}

static int mem_root(void *arg)
{
    struct mem_run *r = arg;
    if (bench_pin_self(r->p->cpu[0]))
        return -1;
    /* All pages the run maps, fetched at once: a fault costs no sigma0 call. */
    L4_Fpage_t pool = L4_Sigma0_GetAny(L4_nilthread, r->pool_log2, L4_CompleteAddressSpace);
    if (L4_IsNilFpage(pool)) {
        fprintf(stderr, "l4sim-bench: sigma0 gave no %lu KiB run of pages\n",
                (1UL << r->pool_log2) >> 10);
        return -1;
    }
    r->pool = L4_Address(pool);
    /* Allocate the RAM behind them, so a fault maps a page rather than creating one. */
    memset((void *) r->pool, 0x5a, 1UL << r->pool_log2);

    switch (r->kind) {
    case KIND_PAGEFAULT:
        if (start_child(r, fault_child))
            return -1;
        return pager_loop(r);
    case KIND_MAP_UNMAP:
        if (start_child(r, receiver_child) || map_unmap_check(r))
            return -1;
        return bench_time_ops(r->p, r->s, map_unmap_op, r);
    case KIND_BUDGET:
        if (start_child(r, receiver_child))
            return -1;
        return budget(r);
    }
    return -1;
}

/* Boot one system for r, with windows of window_size bytes (0: the default). */
static int run_system(struct mem_run *r, size_t window_size)
{
    r->child_stack = aligned_alloc(64, CHILD_STACK);
    if (!r->child_stack) {
        fprintf(stderr, "l4sim-bench: out of memory\n");
        return -1;
    }
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 0; /* real CPUs and host faults, whatever L4SIM_DETERMINISTIC says */
    if (window_size) {
        cfg.window_size = window_size;
        cfg.max_spaces = 4; /* keeps the reservation small */
    }
    current_run = r;
    int rc = l4sim_run(&cfg, mem_root, r);
    current_run = NULL;
    if (rc == L4SIM_BOOT_FAILED)
        fprintf(stderr, "l4sim-bench: the simulated system did not boot\n");
    /* l4sim_run has deleted the child by now: its stack is free. */
    free(r->child_stack);
    return rc == 0 ? 0 : -1;
}

static int pagefault(const struct bench_params *p, struct bench_samples *s)
{
    struct mem_run r = {.p = p, .s = s, .kind = KIND_PAGEFAULT, .pool_log2 = POOL_LOG2};
    return run_system(&r, 0);
}

static int map_unmap(const struct bench_params *p, struct bench_samples *s)
{
    struct mem_run r = {.p = p, .s = s, .kind = KIND_MAP_UNMAP, .pool_log2 = FLEX_LOG2};
    return run_system(&r, 0);
}

/*
 * Every other page of the window has to hold more pages than the budget
 * allows; the budget is below vm.max_map_count, so a window of twice that
 * many pages is enough.
 */
static size_t budget_window_size(void)
{
    long max_maps = 65530;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
    if (f) {
        if (fscanf(f, "%ld", &max_maps) != 1)
            max_maps = 65530;
        fclose(f);
    }
    size_t want = 2 * (size_t) max_maps * PAGE, size = 64UL << 20;
    while (size < want && size < (1UL << 36))
        size <<= 1;
    return size;
}

static int map_budget_pages(const struct bench_params *p, struct bench_figure *f)
{
    struct mem_run r = {.p = p, .f = f, .kind = KIND_BUDGET, .pool_log2 = POOL_LOG2};
    return run_system(&r, budget_window_size());
}

/* ------------------------------------------------ host baselines */

/*
 * The same first touches without l4sim: a thread on cpu[1] (where the
 * faulting thread runs in pagefault) writes to consecutive fresh pages of
 * a 16 MiB region backed by a memfd whose pages exist already.
 */
struct host_run {
    const struct bench_params *p;
    struct bench_samples *s;
    int segv; /* sigsegv_mmap; else minor_fault */
    int memfd;
    char *region;
    unsigned long next;
    char *altstack;
    int status;
};

/* The run whose region the SIGSEGV handler serves. */
static struct host_run *segv_run;

/* sigsegv_mmap's handler: map the memfd's page at the faulting page, return, retry. */
static void map_on_fault(int sig, siginfo_t *si, void *uc)
{
    (void) uc;
    struct host_run *h = segv_run;
    uintptr_t page = (uintptr_t) si->si_addr & ~(PAGE - 1);
    uintptr_t off = page - (uintptr_t) h->region;
    if (off >= (POOL_PAGES * PAGE) ||
        mmap((void *) page, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, h->memfd,
             (off_t) off) == MAP_FAILED)
        signal(sig, SIG_DFL); /* not ours: the retried access crashes as it should */
}

static int host_touch(void *ctx)
{
    struct host_run *h = ctx;
    ((volatile char *) h->region)[h->next++ * PAGE] = 1;
    return 0;
}

/* Before n more touches: when the pages run out, make them fresh again. */
static int host_renew(void *ctx, unsigned long n)
{
    struct host_run *h = ctx;
    if (h->next + n <= POOL_PAGES)
        return 0;
    h->next = 0;
    if (h->segv) {
        /* Back to PROT_NONE reservation, as l4sim's unmap leaves a window. */
        if (mmap(h->region, POOL_PAGES * PAGE, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) != MAP_FAILED)
            return 0;
        fprintf(stderr, "l4sim-bench: mmap PROT_NONE: %s\n", strerror(errno));
    } else {
        /* Drop the page table entries; the memfd keeps the pages. */
        if (!madvise(h->region, POOL_PAGES * PAGE, MADV_DONTNEED))
            return 0;
        fprintf(stderr, "l4sim-bench: madvise(MADV_DONTNEED): %s\n", strerror(errno));
    }
    return -1;
}

static void *host_fault_thread(void *arg)
{
    struct host_run *h = arg;
    h->status = -1;
    if (bench_pin_self(h->p->cpu[1]))
        return NULL;
    if (!h->segv) {
        h->status = bench_time_prepared_ops(h->p, h->s, host_touch, host_renew, h);
        return NULL;
    }
    /* Our own handler on our own alternate stack for the run, as l4sim's fault path has. */
    stack_t ss = {.ss_sp = h->altstack, .ss_size = ALTSTACK, .ss_flags = 0};
    struct sigaction sa, previous;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = map_on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaltstack(&ss, NULL)) {
        fprintf(stderr, "l4sim-bench: sigaltstack: %s\n", strerror(errno));
        return NULL;
    }
    segv_run = h;
    sigaction(SIGSEGV, &sa, &previous);
    h->status = bench_time_prepared_ops(h->p, h->s, host_touch, host_renew, h);
    sigaction(SIGSEGV, &previous, NULL);
    segv_run = NULL;
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    return NULL;
}

static int host_faults(const struct bench_params *p, struct bench_samples *s, int segv)
{
    struct host_run h = {.p = p, .s = s, .segv = segv, .memfd = -1, .next = POOL_PAGES};
    size_t size = POOL_PAGES * PAGE;
    int status = -1;
    h.memfd = memfd_create("l4sim-bench", MFD_CLOEXEC);
    if (h.memfd < 0 || ftruncate(h.memfd, (off_t) size)) {
        fprintf(stderr, "l4sim-bench: memfd: %s\n", strerror(errno));
        goto out;
    }
    /* Allocate the pages once, as the pager's memset does for pagefault. */
    h.region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, h.memfd, 0);
    if (h.region == MAP_FAILED) {
        fprintf(stderr, "l4sim-bench: mmap: %s\n", strerror(errno));
        h.region = NULL;
        goto out;
    }
    memset(h.region, 0x5a, size);
    if (segv && !(h.altstack = malloc(ALTSTACK))) {
        fprintf(stderr, "l4sim-bench: out of memory\n");
        goto out;
    }
    pthread_t t;
    int err = pthread_create(&t, NULL, host_fault_thread, &h);
    if (err) {
        fprintf(stderr, "l4sim-bench: pthread_create: %s\n", strerror(err));
        goto out;
    }
    pthread_join(t, NULL);
    status = h.status;
out:
    if (h.region)
        munmap(h.region, size);
    if (h.memfd >= 0)
        close(h.memfd);
    free(h.altstack);
    return status;
}

static int sigsegv_mmap(const struct bench_params *p, struct bench_samples *s)
{
    return host_faults(p, s, 1);
}

static int minor_fault(const struct bench_params *p, struct bench_samples *s)
{
    return host_faults(p, s, 0);
}

static const struct bench_entry entries[] = {
    {"minor_fault", "baseline: first write to a page of a MAP_SHARED memfd mapping", minor_fault,
     NULL},
    {"sigsegv_mmap",
     "baseline: a SIGSEGV handler maps a memfd page at the faulting address (PROT_NONE region)",
     sigsegv_mmap, NULL},
    {"pagefault", "first touch of a window page, mapped by the pager thread over IPC", pagefault,
     NULL},
    {"map_unmap", "64-page map item to a thread of another space (Call), then L4_UnmapFpage",
     map_unmap, NULL},
    {"map_budget_pages", "single pages one space can hold before the kernel refuses a map", NULL,
     map_budget_pages},
};

const struct bench_family bench_memory = {entries, sizeof(entries) / sizeof(entries[0])};

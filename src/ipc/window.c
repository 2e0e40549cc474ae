/*
 * Windows and host mappings: one PROT_NONE reservation carved into the
 * physical window and one window per space, the memfd that is RAM, and the
 * count of host VMAs the windows use, so a map fails cleanly long before
 * Linux's vm.max_map_count would.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memory.h"
#include "memstate.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_MEMCHECK_H 1
#endif
#endif

/*
 * Memcheck reports any access to PROT_NONE memory before the SIGSEGV it
 * causes, but in a window such an access is a page fault, not a bug. Tell
 * it the unmapped parts of windows are fine; the host still faults.
 */
static void memcheck_allow(word_t addr, word_t len)
{
#ifdef HAVE_MEMCHECK_H
    VALGRIND_MAKE_MEM_DEFINED(addr, len);
#else
    (void) addr;
    (void) len;
#endif
}

struct mem_state mem;

static word_t round_pow2(word_t x)
{
    word_t p = PAGE_SIZE;
    while (p < x)
        p <<= 1;
    return p;
}

static long read_max_map_count(void)
{
    long v = 65530; /* Linux's default, if /proc says nothing */
    FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 65530;
        fclose(f);
    }
    return v;
}

static long count_host_vmas(void)
{
    long n = 0;
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

int mem_boot(const struct l4sim_config *cfg)
{
    memset(&mem, 0, sizeof(mem));
    mem.memfd = -1;
    mem.frames = cfg->phys_mem_size / PAGE_SIZE;
    mem.phys_window_size = round_pow2(cfg->phys_mem_size ? cfg->phys_mem_size : PAGE_SIZE);
    mem.window_size = round_pow2(cfg->window_size);
    mem.window_count = cfg->max_spaces;
    mem.slots = calloc(mem.window_count + 1, sizeof(*mem.slots));
    mem.roots = calloc(mem.frames ? mem.frames : 1, sizeof(*mem.roots));
    if (!mem.slots || !mem.roots)
        return -1;

    mem.memfd = memfd_create("l4sim-ram", MFD_CLOEXEC);
    if (mem.memfd < 0 || ftruncate(mem.memfd, (off_t) cfg->phys_mem_size) != 0) {
        perror("l4sim: simulated RAM (memfd)");
        return -1;
    }

    /* Windows are naturally aligned so that each is one fpage: reserve one
     * alignment more than needed and trim. */
    word_t align = mem.phys_window_size > mem.window_size ? mem.phys_window_size : mem.window_size;
    mem.phys_slot_size = align; /* keeps every window after it aligned too */
    word_t need = mem.phys_slot_size + (word_t) mem.window_count * mem.window_size;
    word_t span = need + align;
    char *raw = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) {
        perror("l4sim: reserving the address-space windows");
        return -1;
    }
    word_t base = ((word_t) raw + align - 1) & ~(align - 1);
    if (base > (word_t) raw)
        munmap(raw, base - (word_t) raw);
    word_t end = (word_t) raw + span;
    if (end > base + need)
        munmap((void *) (base + need), end - (base + need));
    mem.reservation = base;
    mem.reservation_size = need;
    memcheck_allow(base, need);

    for (word_t f = 0; f < mem.frames; f++) {
        mem.roots[f].frame = f;
        mem.roots[f].vaddr = base + f * PAGE_SIZE;
        mem.roots[f].rights = RIGHTS_ALL;
    }
    mem.vma_budget = read_max_map_count() - count_host_vmas() - 2L * cfg->max_threads - 1024;
    if (mem.vma_budget < 1024) {
        fprintf(stderr, "l4sim: vm.max_map_count leaves no room for mappings\n");
        return -1;
    }
    return 0;
}

void mem_shutdown(void)
{
    if (!mem.slots && !mem.reservation)
        return; /* never booted: mem.memfd is not ours to close */
    if (mem.reservation)
        munmap((void *) mem.reservation, mem.reservation_size);
    if (mem.memfd >= 0)
        close(mem.memfd);
    mapping_pool_free();
    free(mem.slots);
    free(mem.roots);
    memset(&mem, 0, sizeof(mem));
    mem.memfd = -1;
}

word_t phys_base(void)
{
    return mem.reservation;
}

word_t phys_size(void)
{
    return mem.frames * PAGE_SIZE;
}

/* ------------------------------------------------------------- windows */

int window_attach(struct space *s, bool physical)
{
    klock_acquire(&mem.lock);
    unsigned index = 0;
    if (!physical) {
        for (index = 1; index <= mem.window_count && mem.slots[index]; index++)
            ;
        if (index > mem.window_count) {
            klock_release(&mem.lock);
            return -1;
        }
    }
    word_t size = physical ? mem.phys_window_size : mem.window_size;
    word_t base = physical ? mem.reservation
                           : mem.reservation + mem.phys_slot_size + (index - 1) * mem.window_size;
    struct mapping **pt = NULL;
    if (!s->is_sigma0) {
        pt = calloc(size / PAGE_SIZE, sizeof(*pt));
        if (!pt) {
            klock_release(&mem.lock);
            return -1;
        }
        if (!physical || !mem.slots[0])
            mem.slots[index] = s;
    }
    s->win_base = base;
    s->win_size = size;
    s->win_index = index;
    s->pt = pt;
    klock_release(&mem.lock);
    return 0;
}

void window_detach(struct space *s)
{
    if (!s->win_size)
        return;
    klock_acquire(&mem.lock);
    if (s->pt) {
        for (word_t i = 0; i < s->win_size / PAGE_SIZE; i++)
            if (s->pt[i])
                mapping_remove_tree(s->pt[i]);
        mapping_sync_host();
        if (s->host_unclean) /* mappings the host would not tidy before: try again */
            host_set(s->win_base, s->win_size / PAGE_SIZE, 0, 0);
        free(s->pt);
    }
    if (mem.slots[s->win_index] == s)
        mem.slots[s->win_index] = NULL;
    s->pt = NULL;
    s->host_unclean = false;
    s->win_base = s->win_size = 0;
    klock_release(&mem.lock);
}

bool window_contains(const struct space *s, word_t addr, word_t size)
{
    return size <= s->win_size && addr >= s->win_base && addr - s->win_base <= s->win_size - size;
}

/* Lock-free: read by the SIGSEGV handler; slots change only at space birth and death. */
struct space *window_owner(word_t addr)
{
    if (addr < mem.reservation || addr - mem.reservation >= mem.reservation_size)
        return NULL;
    word_t off = addr - mem.reservation;
    if (off < mem.phys_slot_size)
        return off < mem.phys_window_size ? __atomic_load_n(&mem.slots[0], __ATOMIC_ACQUIRE) : NULL;
    unsigned index = 1 + (unsigned) ((off - mem.phys_slot_size) / mem.window_size);
    return __atomic_load_n(&mem.slots[index], __ATOMIC_ACQUIRE);
}

/* ------------------------------------------------- host VMA accounting */

struct page_view page_view_of(const struct mapping *m)
{
    struct page_view v = {false, 0, 0};
    if (m && !m->hidden) {
        v.shown = true;
        v.frame = m->frame;
        v.rights = m->rights;
    }
    return v;
}

/* Page i of s as the host shows it; pages outside the window count as reservation. */
static struct page_view view_at(const struct space *s, word_t i)
{
    struct page_view none = {false, 0, 0};
    return i < s->win_size / PAGE_SIZE ? page_view_of(s->pt[i]) : none;
}

/*
 * Linux merges neighbouring mappings of the same kind: the reservation,
 * or the memfd at consecutive offsets with equal protection. A window then
 * costs one VMA more than it has boundaries between pages of different
 * kind; page -1 and page n count as reservation.
 */
static bool views_differ(struct page_view a, struct page_view b)
{
    if (!a.shown || !b.shown)
        return a.shown != b.shown;
    return a.rights != b.rights || b.frame != a.frame + 1;
}

static bool boundary(const struct space *s, word_t i)
{
    return views_differ(view_at(s, i - 1), view_at(s, i)); /* i - 1 wraps past the end at 0 */
}

long window_boundaries(const struct space *s, word_t first, word_t last)
{
    long count = 0;
    for (word_t i = first; i <= last; i++)
        count += boundary(s, i);
    return count;
}

long window_delta(const struct space *s, word_t i, struct page_view v)
{
    struct page_view before = view_at(s, i - 1), after = view_at(s, i + 1);
    return (long) views_differ(before, v) + views_differ(v, after) - boundary(s, i) -
           boundary(s, i + 1);
}

void window_run(const struct space *s, word_t i, word_t *first, word_t *end)
{
    word_t n = s->win_size / PAGE_SIZE, lo = i, hi = i + 1;
    while (lo > 0 && !boundary(s, lo))
        lo--;
    while (hi < n && !boundary(s, hi))
        hi++;
    *first = lo;
    *end = hi;
}

bool vma_budget_allows(long extra)
{
    return mem.vma_used + extra <= mem.vma_budget;
}

static int prot_of(unsigned rights)
{
    return (rights & RIGHT_R ? PROT_READ : 0) | (rights & RIGHT_W ? PROT_WRITE : 0) |
           (rights & RIGHT_X ? PROT_EXEC : 0);
}

/* Make host pages [vaddr, +n) show frames frame.. with rights (0: reservation). */
int host_set(word_t vaddr, word_t n, word_t frame, unsigned rights)
{
    void *p;
    if (!rights) {
        p = mmap((void *) vaddr, n * PAGE_SIZE, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED)
            memcheck_allow(vaddr, n * PAGE_SIZE);
    } else
        p = mmap((void *) vaddr, n * PAGE_SIZE, prot_of(rights), MAP_SHARED | MAP_FIXED, mem.memfd,
                 (off_t) (frame * PAGE_SIZE));
    return p == MAP_FAILED ? -1 : 0;
}

/*
 * Take every access right to a whole window. It covers each of the
 * window's memfd mappings entirely and leaves the reservation's alone
 * (already PROT_NONE), so Linux splits nothing and needs no new mapping:
 * this works even when the host has none left.
 */
int host_close_window(const struct space *s)
{
    if (mprotect((void *) s->win_base, s->win_size, PROT_NONE) != 0)
        return -1;
    memcheck_allow(s->win_base, s->win_size);
    return 0;
}

/* ---------------------------------------------------------- stack guards */

bool window_guard_at(const struct space *s, word_t addr)
{
    word_t page = addr & ~(PAGE_SIZE - 1);
    for (unsigned i = 0; i < s->guard_count; i++)
        if (s->guards[i] == page)
            return true;
    return false;
}

bool window_is_guard(struct space *s, word_t addr)
{
    klock_acquire(&mem.lock);
    bool hit = window_guard_at(s, addr);
    klock_release(&mem.lock);
    return hit;
}

/* in: thread, lo, hi. Off the caller's stack (kernel_call): it takes mem.lock. */
static word_t window_stack_part(struct sysargs *a)
{
    struct tcb *self = current_tcb;
    struct tcb *t = kernel.booted ? tcb_lookup(self, a->in[0]) : NULL;
    if (!t || !self || (t->space != self->space && self->space != kernel.root_space))
        return 0;
    struct space *s = t->space;
    word_t lo = a->in[1], hi = a->in[2];
    if ((lo | hi) & (PAGE_SIZE - 1) || lo >= hi || lo < PAGE_SIZE ||
        !window_contains(s, lo - PAGE_SIZE, hi - lo + PAGE_SIZE))
        return 0;
    klock_acquire(&mem.lock);
    bool full = s->guard_count == sizeof(s->guards) / sizeof(s->guards[0]);
    if (!full) {
        word_t guard = lo - PAGE_SIZE;
        s->guards[s->guard_count++] = guard;
        /* A guard page is never mapped: not before (what is there goes), nor after (mapdb). */
        struct mapping *m = s->pt ? s->pt[(guard - s->win_base) >> PAGE_SHIFT] : NULL;
        if (m) {
            mapping_remove_tree(m);
            mapping_sync_host();
        }
    }
    klock_release(&mem.lock);
    return full ? 0 : hi;
}

KERNEL_API L4_Word_t l4sim_window_stack(L4_ThreadId_t thread, L4_Word_t lo, L4_Word_t hi)
{
    struct sysargs *a = &sysargs;
    a->in[0] = thread.raw;
    a->in[1] = lo;
    a->in[2] = hi;
    return kernel_call(window_stack_part, a);
}

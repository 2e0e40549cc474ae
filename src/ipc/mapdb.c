/*
 * The mapping database: for every frame, the tree of spaces it was mapped
 * or granted into, rooted at sigma0. Map adds a child, grant moves a node,
 * unmap and flush cut subtrees. Every change of a page table entry goes
 * through page_set, which keeps the host VMA count exact and within the
 * budget; host_sync then makes the host show it, or makes sure it shows
 * nothing where it refuses.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "memstate.h"

#define NODES_PER_CHUNK 16384
#define MAX_NODES       (4UL << 20)

struct node_chunk {
    struct node_chunk *next;
    struct mapping nodes[NODES_PER_CHUNK];
};

/* ----------------------------------------------------------- node pool */

/* Nodes come from mmap'd chunks, never malloc: the fault path allocates
 * them inside a signal handler. */
static struct mapping *node_alloc(void)
{
    if (!mem.free_nodes) {
        if (mem.nodes_in_use >= MAX_NODES)
            return NULL;
        struct node_chunk *c =
            mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (c == MAP_FAILED)
            return NULL;
        c->next = mem.chunks;
        mem.chunks = c;
        for (unsigned i = 0; i < NODES_PER_CHUNK; i++) {
            c->nodes[i].next_sibling = mem.free_nodes;
            mem.free_nodes = &c->nodes[i];
        }
    }
    struct mapping *m = mem.free_nodes;
    mem.free_nodes = m->next_sibling;
    *m = (struct mapping){0};
    mem.nodes_in_use++;
    return m;
}

static void node_free(struct mapping *m)
{
    m->space = NULL;
    m->next_sibling = mem.free_nodes;
    mem.free_nodes = m;
    mem.nodes_in_use--;
}

void mapping_pool_free(void)
{
    while (mem.chunks) {
        struct node_chunk *c = mem.chunks;
        mem.chunks = c->next;
        munmap(c, sizeof(*c));
    }
    mem.free_nodes = NULL;
    mem.nodes_in_use = 0;
}

/* ---------------------------------------------------------------- trees */

static void child_link(struct mapping *parent, struct mapping *c)
{
    c->parent = parent;
    c->next_sibling = parent->first_child;
    parent->first_child = c;
}

static void child_unlink(struct mapping *c)
{
    struct mapping **pp = &c->parent->first_child;
    while (*pp != c)
        pp = &(*pp)->next_sibling;
    *pp = c->next_sibling;
    c->parent = NULL;
    c->next_sibling = NULL;
}

static word_t page_index(const struct space *s, word_t vaddr)
{
    return (vaddr - s->win_base) >> PAGE_SHIFT;
}

static struct mapping *lookup(const struct space *s, word_t vaddr)
{
    if (s->is_sigma0) {
        word_t off = vaddr - mem.reservation;
        return vaddr >= mem.reservation && off < mem.frames * PAGE_SIZE
                   ? &mem.roots[off >> PAGE_SHIFT]
                   : NULL;
    }
    return s->pt[page_index(s, vaddr)];
}

static bool shown(const struct mapping *m)
{
    return m && !m->hidden;
}

/* Hide the shown pages of [first, end) from the host; the count follows. */
static void hide_range(struct space *s, word_t first, word_t end)
{
    long before = window_boundaries(s, first, end);
    for (word_t k = first; k < end; k++)
        if (s->pt[k])
            s->pt[k]->hidden = true;
    mem.vma_used += window_boundaries(s, first, end) - before;
}

/*
 * The host refused to show pages [first, end) of s as the page table says
 * (something outside l4sim used up the process's host mappings). What it
 * shows there now is unknown, and may include a right just revoked: hide
 * the pages and put the reservation back; if the host refuses that too,
 * close the whole window, which needs no new host mapping. Returns false
 * in that last case: the whole window is hidden.
 */
static bool host_refused(struct space *s, word_t first, word_t end)
{
    mem.host_refusals++;
    hide_range(s, first, end);
    if (host_set(s->win_base + first * PAGE_SIZE, end - first, 0, 0) == 0)
        return true;
    word_t n = s->win_size / PAGE_SIZE;
    if (host_close_window(s) != 0) {
        static const char msg[] = "l4sim: the host refused to close a window; its pages may "
                                  "still be accessible\n";
        ssize_t ignored = write(2, msg, sizeof(msg) - 1);
        (void) ignored;
    }
    hide_range(s, 0, n);
    /* The window's memfd mappings are PROT_NONE now, but still there and
     * no longer counted: the reservation should replace them. */
    s->host_unclean = host_set(s->win_base, n, 0, 0) != 0;
    return false;
}

/* Make the host show pages [first, last) of s as the page table says; false if it refused. */
static bool host_sync(struct space *s, word_t first, word_t last)
{
    word_t i = first;
    bool ok = true;
    while (i < last) {
        struct page_view v = page_view_of(s->pt[i]);
        word_t j = i + 1;
        while (j < last && window_boundaries(s, j, j) == 0)
            j++;
        if (host_set(s->win_base + i * PAGE_SIZE, j - i, v.frame, v.shown ? v.rights : 0) != 0) {
            ok = false;
            if (!host_refused(s, i, j))
                return false;
        } else if (v.shown) {
            for (word_t k = i; k < j; k++)
                s->pt[k]->accessed |= v.rights;
        }
        i = j;
    }
    return ok;
}

/*
 * Pages whose host mapping is stale: page_set collects neighbouring pages
 * of a space here and mapping_sync_host makes them right with one
 * host_sync, so unmapping a 64-page fpage costs one mmap, not 64. Two
 * ranges, for the two spaces a grant changes page by page. Guarded by
 * mem.lock; every path that changes pages syncs before releasing it.
 */
static struct stale_range {
    struct space *s;
    word_t first, end; /* page indices [first, end) */
} stale[2];
static unsigned stale_next; /* the slot a new range takes */

static void stale_sync(struct stale_range *r)
{
    if (r->s)
        host_sync(r->s, r->first, r->end);
    r->s = NULL;
}

static void refresh(struct space *s, word_t first, word_t end)
{
    for (unsigned k = 0; k < 2; k++) {
        struct stale_range *r = &stale[k];
        if (r->s == s && first <= r->end && end >= r->first) {
            if (first < r->first)
                r->first = first;
            if (end > r->end)
                r->end = end;
            return;
        }
    }
    struct stale_range *r = &stale[stale_next];
    stale_next ^= 1;
    stale_sync(r);
    r->s = s;
    r->first = first;
    r->end = end;
}

void mapping_sync_host(void)
{
    stale_sync(&stale[0]);
    stale_sync(&stale[1]);
}

/*
 * Hide the run of pages one host mapping shows around page i. Taking a
 * whole host mapping away never splits one, so it never costs a host
 * mapping, where changing one page in the middle of it costs two.
 */
static void run_hide(struct space *s, word_t i)
{
    if (!shown(s->pt[i]))
        return;
    word_t first, end;
    window_run(s, i, &first, &end);
    hide_range(s, first, end);
    refresh(s, first, end);
}

/*
 * Every change of a page table entry goes through here: page i of s gets
 * mapping m (NULL: none) with rights, shown on the host unless hidden. It
 * keeps the count of host mappings exact and within the budget: a change
 * the budget cannot take is hidden, together with the run of pages it
 * would have split. So an unmap always takes effect, and a space may lose
 * more of the host's view than it was asked to; touching those pages
 * faults to its pager again. The host catches up at mapping_sync_host.
 */
static void page_set(struct space *s, word_t i, struct mapping *m, unsigned rights, bool hidden)
{
    struct page_view v = {m && !hidden, m ? m->frame : 0, rights};
    long delta = window_delta(s, i, v);
    if (delta > 0 && !vma_budget_allows(delta)) {
        run_hide(s, i);
        v.shown = false;
        delta = window_delta(s, i, v); /* neither shown before nor after: 0 */
    }
    s->pt[i] = m;
    if (m) {
        m->rights = rights;
        m->hidden = !v.shown;
    }
    mem.vma_used += delta;
    refresh(s, i, i + 1);
}

void mapping_remove_tree(struct mapping *m)
{
    while (m->first_child)
        mapping_remove_tree(m->first_child);
    if (m->parent)
        child_unlink(m);
    if (m->space && !m->space->is_sigma0) {
        page_set(m->space, page_index(m->space, m->vaddr), NULL, 0, false);
        node_free(m);
    }
}

/* Take some rights from mapping m; without any left, it goes with its subtree. */
static void rights_reduce(struct mapping *m, unsigned rights)
{
    unsigned left = m->rights & ~rights;
    if (!left)
        mapping_remove_tree(m);
    else if (left != m->rights)
        page_set(m->space, page_index(m->space, m->vaddr), m, left, m->hidden);
}

/* Take rights away from every mapping below m; empty ones disappear. */
static unsigned revoke_below(struct mapping *m, unsigned rights)
{
    unsigned accessed = 0;
    struct mapping *c = m->first_child;
    while (c) {
        struct mapping *next = c->next_sibling;
        accessed |= c->accessed | revoke_below(c, rights);
        rights_reduce(c, rights);
        c = next;
    }
    return accessed;
}

/* ------------------------------------------------------------ map/grant */

/*
 * X.2 placement: a send fpage of 2^s bytes and a receive window of 2^r.
 * If s <= r the whole fpage lands at the offset snd_base selects inside
 * the window; otherwise snd_base selects the part of the fpage that fills
 * the window.
 */
static void place(word_t snd_fpage, word_t snd_base, word_t rcv_base, unsigned r, word_t *src,
                  word_t *dst, word_t *size)
{
    unsigned s = fpage_size_log2(snd_fpage);
    word_t snd = fpage_base(snd_fpage);
    if (s <= r) {
        *src = snd;
        *dst = rcv_base + (snd_base & ((1UL << r) - 1) & ~((1UL << s) - 1));
        *size = 1UL << s;
    } else {
        *src = snd + (snd_base & ((1UL << s) - 1) & ~((1UL << r) - 1));
        *dst = rcv_base;
        *size = 1UL << r;
    }
}

/* Whether a is m or lies above m in its tree. */
static bool is_self_or_ancestor(const struct mapping *a, const struct mapping *m)
{
    for (; m; m = m->parent)
        if (m == a)
            return true;
    return false;
}

static unsigned log2_of(word_t pow2)
{
    return (unsigned) __builtin_ctzl(pow2);
}

/* Whether the pages of a source run would need more than one host mapping. */
static long runs_in_source(struct space *from, word_t src, word_t pages, unsigned rights)
{
    long runs = 1;
    const struct mapping *prev = NULL;
    for (word_t i = 0; i < pages; i++) {
        const struct mapping *m = lookup(from, src + i * PAGE_SIZE);
        if (i && (!m != !prev || (m && prev &&
                                  (m->frame != prev->frame + 1 ||
                                   (m->rights & rights) != (prev->rights & rights)))))
            runs++;
        prev = m;
    }
    return runs;
}

enum mem_error mem_map_fpage(struct space *from, word_t snd_fpage, word_t snd_base,
                             struct space *to, word_t rcv_window, bool grant, word_t watch,
                             unsigned *watched, bool *mapped_any)
{
    *mapped_any = false;
    unsigned rights = snd_fpage & RIGHTS_ALL;
    if (fpage_size_log2(snd_fpage) < PAGE_SHIFT || !rights)
        return MEM_OK; /* nothing a page table can hold */

    /* The complete address space, as a receive window, is the receiver's window. */
    word_t rcv_base = fpage_base(rcv_window);
    unsigned r = fpage_size_log2(rcv_window);
    if (r >= 64 || (rcv_base == 0 && r == 1)) {
        rcv_base = to->win_base;
        r = log2_of(to->win_size);
    }
    if (r < PAGE_SHIFT)
        return MEM_OK;

    word_t src, dst, size;
    place(snd_fpage, snd_base, rcv_base, r, &src, &dst, &size);
    bool src_ok = from->is_sigma0 ? src >= mem.reservation &&
                                        src - mem.reservation + size <= mem.frames * PAGE_SIZE
                                  : window_contains(from, src, size);
    if (!src_ok)
        return MEM_OK; /* a space can only map what it has */
    if (!window_contains(to, dst, size))
        return MEM_OUTSIDE;

    klock_acquire(&mem.lock);
    word_t pages = size >> PAGE_SHIFT;
    if (!vma_budget_allows(2 * runs_in_source(from, src, pages, rights))) {
        klock_release(&mem.lock);
        return MEM_MAP_BUDGET;
    }
    enum mem_error err = MEM_OK;
    unsigned long refusals = mem.host_refusals;
    for (word_t i = 0; i < pages && err == MEM_OK; i++) {
        word_t sv = src + i * PAGE_SIZE, dv = dst + i * PAGE_SIZE;
        struct mapping *sp = lookup(from, sv);
        if (!sp || !(sp->rights & rights))
            continue;
        if (to->guard_count && window_guard_at(to, dv))
            continue; /* a stack guard stays unmapped, so an overflow is still caught */
        word_t di = page_index(to, dv);
        struct mapping *old = to->pt[di];
        if (old && is_self_or_ancestor(old, sp)) {
            /* A page mapped onto itself or onto the page it came from: the
             * target already holds that frame, and replacing it would
             * destroy the source with it. Only a hidden one shows again. */
            if (old->hidden)
                page_set(to, di, old, old->rights, false);
            continue;
        }
        unsigned r_new = sp->rights & rights;
        if (old && old->parent == sp && !grant) {
            /* The same page again: rights may only add up to the mapper's. */
            page_set(to, di, old, old->rights | r_new, false);
            *mapped_any = true;
            continue;
        }
        if (old)
            mapping_remove_tree(old);
        struct mapping *m = node_alloc();
        if (!m) {
            err = MEM_NO_NODES;
            break;
        }
        m->space = to;
        m->vaddr = dv;
        m->frame = sp->frame;
        if (grant && !from->is_sigma0) {
            /* The receiver takes the sender's place in the tree. */
            child_link(sp->parent, m);
            while (sp->first_child) {
                struct mapping *c = sp->first_child;
                child_unlink(c);
                child_link(m, c);
            }
            child_unlink(sp);
            page_set(from, page_index(from, sv), NULL, 0, false);
            node_free(sp);
        } else {
            child_link(sp, m);
        }
        page_set(to, di, m, r_new, false);
        *mapped_any = true;
    }
    mapping_sync_host();
    if (mem.host_refusals != refusals && err == MEM_OK)
        err = MEM_HOST;
    /* What the faulting page (if placed here) now shows: what a pager's reply resolved. */
    if (watch && window_contains(to, watch, PAGE_SIZE) && watch - dst < size &&
        shown(to->pt[page_index(to, watch)]))
        *watched |= to->pt[page_index(to, watch)]->rights;
    klock_release(&mem.lock);
    return err;
}

unsigned mem_unmap_fpage(struct space *s, word_t fpage, bool own)
{
    unsigned rights = fpage & RIGHTS_ALL, accessed = 0;
    unsigned sz = fpage_size_log2(fpage);
    word_t base = fpage_base(fpage), size;
    if (s->is_sigma0 || !s->pt)
        return 0;
    if (sz >= 64 || (base == 0 && sz == 1)) { /* the complete address space */
        base = s->win_base;
        size = s->win_size;
    } else if (sz < PAGE_SHIFT) {
        return 0;
    } else {
        size = 1UL << sz;
    }
    /* Only the part inside the window can hold mappings: walk just that. An
     * fpage is aligned to its size, so base + (size - 1) does not wrap. */
    word_t first = base > s->win_base ? base : s->win_base;
    word_t last = base + (size - 1), win_last = s->win_base + (s->win_size - 1);
    if (last > win_last)
        last = win_last;
    klock_acquire(&mem.lock);
    for (word_t v = first; v <= last; v += PAGE_SIZE) {
        struct mapping *m = s->pt[page_index(s, v)];
        if (!m)
            continue;
        accessed |= m->accessed | revoke_below(m, rights);
        if (own)
            rights_reduce(m, rights);
    }
    mapping_sync_host();
    klock_release(&mem.lock);
    return accessed;
}

unsigned mem_rights_at(struct space *s, word_t addr)
{
    if (s->is_sigma0 || !s->pt || !window_contains(s, addr, 1))
        return 0;
    klock_acquire(&mem.lock);
    struct mapping *m = s->pt[page_index(s, addr)];
    unsigned r = shown(m) ? m->rights : 0; /* a hidden page faults: as good as none */
    klock_release(&mem.lock);
    return r;
}

/* ----------------------------------------------------------------- sigma0 */

bool sigma0_available(word_t fpage, const struct space *to)
{
    word_t base = fpage_base(fpage);
    unsigned sz = fpage_size_log2(fpage);
    if (sz < PAGE_SHIFT || sz >= 48 || base < mem.reservation ||
        base - mem.reservation + (1UL << sz) > mem.frames * PAGE_SIZE)
        return false;
    bool ok = true;
    klock_acquire(&mem.lock);
    word_t first = (base - mem.reservation) >> PAGE_SHIFT, n = (1UL << sz) >> PAGE_SHIFT;
    for (word_t f = first; f < first + n && ok; f++)
        for (struct mapping *c = mem.roots[f].first_child; c; c = c->next_sibling)
            if (c->space != to)
                ok = false;
    klock_release(&mem.lock);
    return ok;
}

word_t sigma0_find_free(unsigned size_log2)
{
    if (size_log2 < PAGE_SHIFT || size_log2 >= 48)
        return NO_FRAME;
    word_t n = (1UL << size_log2) >> PAGE_SHIFT;
    klock_acquire(&mem.lock);
    word_t found = NO_FRAME;
    for (word_t f = 0; f + n <= mem.frames && found == NO_FRAME; f += n) {
        word_t k = 0;
        while (k < n && !mem.roots[f + k].first_child)
            k++;
        if (k == n)
            found = mem.reservation + f * PAGE_SIZE;
    }
    klock_release(&mem.lock);
    return found;
}

void mem_get_stats(struct mem_stats *out)
{
    klock_acquire(&mem.lock);
    out->mappings = mem.nodes_in_use;
    out->host_vmas = (word_t) mem.vma_used;
    out->vma_budget = (word_t) mem.vma_budget;
    klock_release(&mem.lock);
}

/*
 * A region mapper's region table: one sorted array of regions that never
 * overlap, so finding the region of an address is one search. Runs on the
 * region mapper's thread and allocates nothing.
 */
#include <string.h>

#include "taskserver.h"

static L4_Word_t guard_of(const struct rm_region *r)
{
    return r->guarded ? PAGE_SIZE : 0;
}

struct rm_region *rm_find(struct rm_state *st, L4_Word_t addr)
{
    unsigned lo = 0, hi = st->nregions;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        struct rm_region *r = &st->regions[mid];
        if (addr < r->start)
            hi = mid;
        else if (addr - r->start >= r->size)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

/* Whether addr lies in the guard page of a guarded region. */
bool rm_in_guard(const struct rm_state *st, L4_Word_t addr)
{
    for (unsigned i = 0; i < st->nregions; i++) {
        const struct rm_region *r = &st->regions[i];
        if (r->guarded && ((addr < r->start && r->start - addr <= PAGE_SIZE) ||
                           (addr >= r->start + r->size && addr - (r->start + r->size) < PAGE_SIZE)))
            return true;
    }
    return false;
}

struct rm_region *rm_insert(struct rm_state *st, L4_Word_t start, L4_Word_t size, unsigned kind,
                            unsigned rights, bool guarded)
{
    if (st->nregions == RM_MAX_REGIONS)
        return NULL;
    unsigned at = 0;
    while (at < st->nregions && st->regions[at].start < start)
        at++;
    memmove(&st->regions[at + 1], &st->regions[at], (st->nregions - at) * sizeof(st->regions[0]));
    st->regions[at] = (struct rm_region){.start = start,
                                         .size = size,
                                         .kind = (uint8_t) kind,
                                         .rights = (uint8_t) rights,
                                         .guarded = guarded};
    st->nregions++;
    return &st->regions[at];
}

void rm_remove(struct rm_state *st, struct rm_region *r)
{
    unsigned at = (unsigned) (r - st->regions);
    memmove(r, r + 1, (st->nregions - at - 1) * sizeof(*r));
    st->nregions--;
}

/*
 * The lowest free range of size bytes (plus a guard page on each side if
 * guarded) below limit, above the window's first 64 KiB (null pointers).
 * Returns its start, or 0.
 */
L4_Word_t rm_place(const struct rm_state *st, L4_Word_t size, bool guarded, L4_Word_t limit)
{
    L4_Word_t pad = guarded ? PAGE_SIZE : 0, lo = st->base + 0x10000UL;
    for (unsigned i = 0;; i++) {
        const struct rm_region *r = i < st->nregions ? &st->regions[i] : NULL;
        L4_Word_t hi = r ? r->start - guard_of(r) : limit;
        if (hi > limit)
            hi = limit;
        if (hi > lo && hi - lo >= size + 2 * pad)
            return lo + pad;
        if (!r || hi == limit)
            return 0;
        lo = r->start + r->size + guard_of(r);
    }
}

/*
 * Frames and slots held by more than one page: fork's copy-on-write copy
 * of a space, breaking a share when one holder writes, and handing a frame
 * back to its last holder. Copy-on-write holders of a frame always sit at
 * the same page index (fork keeps window offsets): that is what lets the
 * pager find them all, to page such a frame out, without a reverse map.
 */
#include <stdlib.h>
#include <string.h>

#include <l4/space.h>

#include "mmserver.h"

#define UNMAP_BATCH 64 /* fpages one Unmap takes (MR0..MR63) */

/*
 * Every entry that holds f (resident or in transit). Only the page index
 * owner_page is searched: a frame the pager may move is held by one page,
 * or copy on write by pages at the same index of their windows.
 */
unsigned frame_holders(uint32_t f, struct holder *out)
{
    unsigned n = 0;
    for (unsigned i = 0; i < MAX_SPACES; i++) {
        struct space *s = mm.spaces[i];
        struct pte *p = s ? pte_at(s, mm.frames[f].owner_page, false) : NULL;
        if (p && p->frame == f &&
            (p->class == PAGE_RESIDENT || p->class == PAGE_IN || p->class == PAGE_OUT))
            out[n++] = (struct holder){s, p};
    }
    return n;
}

/* A copy-on-write frame down to one holder: that holder owns it again. */
void frame_unshare(uint32_t f)
{
    struct frame_info *fi = &mm.frames[f];
    fi->flags &= (uint8_t) ~FRAME_COW;
    fi->owner = NULL;
    for (unsigned i = 0; i < MAX_SPACES; i++) {
        struct space *s = mm.spaces[i];
        struct pte *p = s ? pte_at(s, fi->owner_page, false) : NULL;
        if (p && p->class == PAGE_RESIDENT && p->frame == f) {
            fi->owner = s;
            return;
        }
    }
}

/* One page-table entry let go of f (it names f no more). */
void frame_drop(uint32_t f)
{
    struct frame_info *fi = &mm.frames[f];
    fi->refs--;
    if (!fi->refs && !(fi->flags & FRAME_DEVICE))
        frames_free(f, 1);
    else if (fi->refs == 1 && (fi->flags & FRAME_COW))
        frame_unshare(f);
}

/*
 * Give page its own frame: a copy of the copy-on-write frame it shares
 * (PARKED if a page-out must free a frame first), or the frame itself if
 * nobody else holds it any more. The copy is dirty: it has no slot.
 */
enum outcome cow_break(struct space *s, L4_Word_t page, int *error)
{
    struct pte *p = pte_at(s, page, false);
    uint32_t old = p->frame;
    struct frame_info *fi = &mm.frames[old];
    *error = L4SRV_OK;
    if (fi->refs == 1) {
        frame_unshare(old);
        return DONE;
    }
    bool wait;
    fi->pins++; /* finding a frame may page out others, never the one to copy */
    uint32_t f = frame_get(s, &wait);
    fi->pins--;
    if (f == NO_FRAME) {
        *error = wait ? L4SRV_OK : L4SRV_ERR_NO_MEM;
        return wait ? PARKED : DONE;
    }
    memcpy((void *) frame_address(f), (const void *) frame_address(old), PAGE_SIZE);
    frame_own(f, s, page, FRAME_DIRTY | FRAME_REFERENCED);
    p->frame = f;
    if (p->slot != NO_SLOT) {
        slot_free(p->slot);
        p->slot = NO_SLOT;
    }
    if (fi->owner == s)
        fi->owner = NULL;
    frame_drop(old);
    return DONE;
}

/* ------------------------------------------------------------ copying */

/* Write rights to take from every mapping of frames, gathered for one Unmap each 64. */
struct revoke {
    L4_Fpage_t pages[UNMAP_BATCH];
    unsigned n;
};

static void revoke_flush(struct revoke *rv)
{
    if (rv->n)
        L4_UnmapFpages(rv->n, rv->pages);
    rv->n = 0;
}

static void revoke_write(struct revoke *rv, uint32_t f)
{
    L4_Fpage_t page = L4_FpageLog2(frame_address(f), PAGE_SHIFT);
    L4_Set_Rights(&page, L4_Writable);
    rv->pages[rv->n++] = page;
    if (rv->n == UNMAP_BATCH)
        revoke_flush(rv);
}

static bool copied(const struct region *r)
{
    return r->kind != REGION_STACK; /* stacks belong to their threads; dst has its own */
}

/*
 * How a resident page is copied: shared memory stays shared (as MAP_SHARED
 * across a POSIX fork), a pinned page is copied at once (a pin belongs to
 * its frame, and the pinner must keep it), anything else is copy on write.
 */
enum copy_how { COPY_SHARE, COPY_NOW, COPY_ON_WRITE };

static enum copy_how copy_how(const struct region *r, const struct frame_info *fi)
{
    if (r->kind == REGION_SHARED || ((fi->flags & FRAME_SHARED) && fi->refs > 1))
        return COPY_SHARE;
    return fi->pins ? COPY_NOW : COPY_ON_WRITE;
}

/* Whether the page needs an entry in the copy: anything but never touched. */
static bool page_used(const struct pte *p)
{
    return p && (p->class != PAGE_NONE || p->rights);
}

/*
 * Everything that can fail or must wait, before anything changes: which
 * regions go, whether any page is in transit, and the frames for pages
 * copied at once. Returns PARKED, or DONE with *error or with *frames
 * (malloc'd, *n of them) to use.
 */
static enum outcome copy_prepare(struct space *src, struct space *dst, int *error,
                                 uint32_t **frames, size_t *n)
{
    *frames = NULL;
    *n = 0;
    size_t now = 0;
    for (struct region *r = src->regions; r; r = r->next) {
        if (!copied(r))
            continue;
        if (r->kind == REGION_DEVICE) {
            *error = L4SRV_ERR_INVALID_ARG; /* see docs: device memory is not copied */
            return DONE;
        }
        if (r->start + r->size > dst->size || region_overlaps(dst, r->start, r->size)) {
            *error = L4SRV_ERR_EXISTS;
            return DONE;
        }
        for (L4_Word_t off = r->start; off < r->start + r->size; off += PAGE_SIZE) {
            struct pte *p = pte_at(src, off >> PAGE_SHIFT, false);
            if (p && p->class == PAGE_RESIDENT && copy_how(r, &mm.frames[p->frame]) == COPY_NOW)
                now++;
        }
    }
    uint32_t *got = now ? malloc(now * sizeof(*got)) : NULL;
    if (now && !got) {
        *error = L4SRV_ERR_NO_MEM;
        return DONE;
    }
    size_t have = 0;
    bool wait = false;
    while (have < now) {
        uint32_t f = frame_get(dst, &wait);
        if (f == NO_FRAME)
            break;
        mm.frames[f].refs = 1; /* held, with no owner: the clock leaves it alone */
        got[have++] = f;
    }
    /* Taking frames may have started page-outs of src's own pages: look after. */
    bool transit = have < now && wait;
    for (struct region *r = src->regions; r && !transit; r = r->next)
        for (L4_Word_t off = r->start; copied(r) && off < r->start + r->size; off += PAGE_SIZE) {
            struct pte *p = pte_at(src, off >> PAGE_SHIFT, false);
            if (p && (p->class == PAGE_IN || p->class == PAGE_OUT)) {
                transit = true;
                break;
            }
        }
    if (have < now || transit) {
        for (size_t i = 0; i < have; i++)
            frame_drop(got[i]);
        free(got);
        *error = transit ? L4SRV_OK : L4SRV_ERR_NO_MEM;
        return transit ? PARKED : DONE;
    }
    *frames = got;
    *n = now;
    *error = L4SRV_OK;
    return DONE;
}

/* Regions and page-table leaves of the copy: the last thing that can fail (no memory). */
static bool copy_regions(struct space *src, struct space *dst)
{
    for (struct region *r = src->regions; r; r = r->next) {
        if (!copied(r))
            continue;
        struct region *c = region_add(dst, r->start, r->size, r->kind, r->rights);
        bool ok = c != NULL;
        for (L4_Word_t off = r->start; ok && off < r->start + r->size; off += PAGE_SIZE)
            if (page_used(pte_at(src, off >> PAGE_SHIFT, false)))
                ok = pte_at(dst, off >> PAGE_SHIFT, true) != NULL;
        if (!ok) {
            for (struct region *d = src->regions; d != r; d = d->next)
                if (copied(d))
                    region_release(dst, region_find(dst, d->start));
            if (c)
                region_release(dst, c);
            return false;
        }
        c->flags = r->flags;
        c->source = r->source;
    }
    return true;
}

static void copy_page(struct space *src, struct space *dst, const struct region *r, L4_Word_t page,
                      uint32_t **now, struct revoke *rv)
{
    struct pte *p = pte_at(src, page, false);
    if (!page_used(p))
        return;
    struct pte *q = pte_at(dst, page, false);
    *q = (struct pte){.frame = NO_FRAME, .slot = NO_SLOT, .class = p->class, .rights = p->rights};
    if (p->class == PAGE_SWAPPED) {
        q->slot = p->slot;
        slot_ref(p->slot);
        dst->swapped++;
        return;
    }
    if (p->class != PAGE_RESIDENT)
        return; /* never touched, or only ever zero: so it stays on both sides */
    struct frame_info *fi = &mm.frames[p->frame];
    dst->resident++;
    switch (copy_how(r, fi)) {
    case COPY_NOW: {
        uint32_t f = *(*now)++;
        memcpy((void *) frame_address(f), (const void *) frame_address(p->frame), PAGE_SIZE);
        frame_own(f, dst, page, FRAME_DIRTY);
        q->frame = f;
        return;
    }
    case COPY_SHARE:
        break;
    case COPY_ON_WRITE:
        fi->flags = (uint8_t) ((fi->flags & ~FRAME_SHARED) | FRAME_COW);
        /* Every holder sits at this index from now on; src may page it again later. */
        fi->owner = src;
        fi->owner_page = (uint32_t) page;
        revoke_write(rv, p->frame);
        break;
    }
    fi->refs++;
    q->frame = p->frame;
    q->slot = p->slot;
    if (q->slot != NO_SLOT)
        slot_ref(q->slot);
}

/*
 * Fork at the memory level: every region of src but its stacks, at the
 * same offsets in dst. Refused requests and parked ones change nothing.
 */
enum outcome space_copy(struct space *src, struct space *dst, int *error)
{
    uint32_t *frames;
    size_t n;
    if (copy_prepare(src, dst, error, &frames, &n) == PARKED)
        return PARKED;
    if (*error)
        return DONE;
    if (!copy_regions(src, dst)) {
        for (size_t i = 0; i < n; i++)
            frame_drop(frames[i]);
        free(frames);
        *error = L4SRV_ERR_NO_MEM;
        return DONE;
    }
    struct revoke rv = {.n = 0};
    uint32_t *next = frames;
    for (struct region *r = src->regions; r; r = r->next)
        for (L4_Word_t off = r->start; copied(r) && off < r->start + r->size; off += PAGE_SIZE)
            copy_page(src, dst, r, off >> PAGE_SHIFT, &next, &rv);
    revoke_flush(&rv);
    free(frames);
    return DONE;
}

/* Pages of s whose frame or slot another page holds too. */
uint64_t space_shared_pages(struct space *s)
{
    uint64_t n = 0;
    for (struct region *r = s->regions; r; r = r->next)
        for (L4_Word_t off = r->start; off < r->start + r->size; off += PAGE_SIZE) {
            struct pte *p = pte_at(s, off >> PAGE_SHIFT, false);
            if (!p || p->class == PAGE_NONE || p->class == PAGE_ZERO)
                continue;
            if ((p->class != PAGE_SWAPPED && mm.frames[p->frame].refs > 1) ||
                (p->slot != NO_SLOT && mm.slot_refs[p->slot] > 1))
                n++;
        }
    return n;
}

/*
 * The pager: page faults resolved from the page table (zero fill, filled
 * pages, swap-in, shared, copy-on-write and pinned frames), and the clock
 * that picks pages to page out. It decides; the I/O workers move the
 * bytes. It never blocks.
 */
#include <string.h>

#include <l4/space.h>
#include <l4srv/faultpoint.h>

#include "mmserver.h"

#define PAGEOUT_BATCH 4 /* page-outs started at once when frames run out */

L4_Word_t frame_address(uint32_t f)
{
    return mm.ram_base + ((L4_Word_t) f << PAGE_SHIFT);
}

/* Take the frame away from every space it was mapped to; ours stays. */
void frame_unmap(uint32_t f)
{
    L4_Fpage_t page = L4_FpageLog2(frame_address(f), PAGE_SHIFT);
    L4_Set_Rights(&page, L4_FullyAccessible);
    L4_UnmapFpage(page);
}

/* ------------------------------------------------------------- slots */

/*
 * A slot is counted, not owned: copy-on-write copies of a swapped page
 * share its slot, and it is free once the last of them lets go.
 */
static uint32_t slot_alloc(void)
{
    for (uint32_t i = 0; i < mm.swap_slots; i++)
        if (!mm.slot_refs[i]) {
            mm.slot_refs[i] = 1;
            mm.swap_used++;
            return i;
        }
    return NO_SLOT;
}

void slot_ref(uint32_t slot)
{
    mm.slot_refs[slot]++;
}

void slot_free(uint32_t slot)
{
    if (--mm.slot_refs[slot] == 0)
        mm.swap_used--;
}

/* ------------------------------------------------------------- clock */

/*
 * Frames mm_map shared stay: their holders sit at different page indexes,
 * and finding them all would need a reverse map. Copy-on-write frames do
 * not: frame_holders finds their holders at one index.
 */
static bool evictable(const struct frame_info *fi)
{
    return fi->state == FRAME_USED && (fi->owner || (fi->flags & FRAME_COW)) && !fi->pins &&
           !(fi->flags & (FRAME_DEVICE | FRAME_TRANSIT | FRAME_SHARED));
}

/*
 * Page out one frame: a clean page is dropped at once (its slot, if any,
 * still holds it), a dirty one is written to a fresh slot first. Returns
 * whether a frame is free now; *started counts page-outs begun.
 */
static bool evict(uint32_t f, unsigned *started)
{
    struct frame_info *fi = &mm.frames[f];
    struct holder h[MAX_SPACES];
    unsigned n = frame_holders(f, h);
    if (!n)
        return false;
    if (!(fi->flags & FRAME_DIRTY)) {
        /* Every holder has the same copy in the store, or the page was never written. */
        frame_unmap(f);
        for (unsigned i = 0; i < n; i++) {
            struct pte *p = h[i].pte;
            p->class = p->slot != NO_SLOT ? PAGE_SWAPPED : PAGE_ZERO;
            p->frame = NO_FRAME;
            h[i].space->resident--;
            if (p->class == PAGE_SWAPPED)
                h[i].space->swapped++;
        }
        frames_free(f, 1);
        return true;
    }
    uint32_t slot = mm.store.raw && !mm.store_failed ? slot_alloc() : NO_SLOT;
    if (slot == NO_SLOT)
        return false;
    frame_unmap(f); /* no more writes while it is copied out */
    for (unsigned i = 0; i < n; i++) {
        h[i].pte->class = PAGE_OUT;
        h[i].pte->slot = slot;
        if (i)
            slot_ref(slot); /* one reference per holder, as for a copied swapped page */
    }
    fi->flags |= FRAME_TRANSIT;
    if (!io_start(IO_WRITE, f, slot)) {
        fi->flags &= (uint8_t) ~FRAME_TRANSIT;
        for (unsigned i = 0; i < n; i++) {
            h[i].pte->class = PAGE_RESIDENT;
            h[i].pte->slot = NO_SLOT;
            slot_free(slot);
        }
        return false;
    }
    (*started)++;
    return false;
}

/*
 * Second chance: a referenced page loses its mapping and its mark, and is
 * taken only if nobody touched it (which would fault and mark it again)
 * before the hand comes round. Stops at a free frame or a batch of
 * page-outs.
 */
static void reclaim(void)
{
    unsigned started = 0;
    for (uint64_t steps = 0; steps < 2ULL * mm.frame_count && started < PAGEOUT_BATCH; steps++) {
        uint32_t f = mm.clock_hand;
        mm.clock_hand = (mm.clock_hand + 1) % mm.frame_count;
        struct frame_info *fi = &mm.frames[f];
        if (!evictable(fi))
            continue;
        if (fi->flags & FRAME_REFERENCED) {
            fi->flags &= (uint8_t) ~FRAME_REFERENCED;
            frame_unmap(f);
            continue;
        }
        if (evict(f, &started))
            return;
    }
}

/*
 * A free frame for s, reclaiming if need be; NO_FRAME and *wait if a
 * page-out may yield one.
 */
uint32_t frame_get(struct space *s, bool *wait)
{
    if (l4srv_fault_for("mm/frames/exhaust", s->first)) { /* as if every frame were taken */
        *wait = false;
        return NO_FRAME;
    }
    uint32_t f = frames_alloc(1);
    if (f == NO_FRAME) {
        reclaim();
        f = frames_alloc(1);
    }
    *wait = f == NO_FRAME && (mm.jobs_in_flight || mm.jobs);
    return f;
}

void frame_own(uint32_t f, struct space *s, L4_Word_t page, uint8_t flags)
{
    struct frame_info *fi = &mm.frames[f];
    fi->refs = 1;
    fi->owner = s;
    fi->owner_page = (uint32_t) page;
    fi->flags = flags;
}

/* ------------------------------------------------------------- faults */

/*
 * Make page resident: DONE (or an error in *error), or PARKED when it waits
 * for a page-in or for a frame a page-out will free.
 */
enum outcome make_resident(struct space *s, L4_Word_t page, int *error)
{
    struct pte *p = pte_at(s, page, true);
    *error = L4SRV_OK;
    if (!p) {
        *error = L4SRV_ERR_NO_MEM;
        return DONE;
    }
    if (p->class == PAGE_RESIDENT)
        return DONE;
    if (p->class == PAGE_IN || p->class == PAGE_OUT)
        return PARKED;
    if (p->class == PAGE_SWAPPED && p->io_error) {
        p->io_error = 0; /* this fault fails; the next one tries again */
        *error = L4SRV_ERR_IO;
        return DONE;
    }
    if (p->class == PAGE_NONE) {
        struct region *r = region_find(s, page << PAGE_SHIFT);
        if (r && (r->flags & REGION_FILLED)) {
            *error = L4SRV_ERR_NON_EXISTENT; /* only page_fill gives these pages content */
            return DONE;
        }
    }
    bool wait;
    uint32_t f = frame_get(s, &wait);
    if (f == NO_FRAME) {
        *error = wait ? L4SRV_OK : L4SRV_ERR_NO_MEM;
        return wait ? PARKED : DONE;
    }
    if (p->class == PAGE_SWAPPED) {
        frame_own(f, s, page, FRAME_TRANSIT);
        p->class = PAGE_IN;
        p->frame = f;
        if (!io_start(IO_READ, f, p->slot)) {
            p->class = PAGE_SWAPPED;
            p->frame = NO_FRAME;
            frames_free(f, 1);
            *error = L4SRV_ERR_NO_MEM;
            return DONE;
        }
        return PARKED;
    }
    /* PAGE_NONE inside a region is a page nobody touched yet: zero fill. */
    memset((void *) frame_address(f), 0, PAGE_SIZE);
    frame_own(f, s, page, 0);
    p->class = PAGE_RESIDENT;
    p->frame = f;
    p->slot = NO_SLOT;
    s->resident++;
    mm.stats.zero_fills++;
    return DONE;
}

static void refuse(struct reply *r)
{
    /* An empty reply: the kernel turns it into an exception for the thread. */
    r->label = 0;
    r->words = 0;
    r->map = L4_Nilpage;
    mm.stats.refused++;
}

/* The reply to a fault or a fill: the page's frame, mapped at its address. */
static void map_reply(struct space *s, L4_Word_t page, unsigned rights, struct reply *r)
{
    struct pte *p = pte_at(s, page, false);
    r->label = 0;
    r->words = 0;
    r->map = L4_FpageLog2(frame_address(p->frame), PAGE_SHIFT);
    L4_Set_Rights(&r->map, rights);
    r->snd_base = s->base + (page << PAGE_SHIFT);
}

enum outcome pager_fault(struct space *s, L4_Word_t addr, unsigned access, struct reply *r)
{
    L4_Word_t offset = addr - s->base;
    struct region *region = addr >= s->base ? region_find(s, offset) : NULL;
    if (!region) {
        refuse(r); /* outside every region */
        return DONE;
    }
    L4_Word_t page = offset >> PAGE_SHIFT;
    struct pte *p = pte_at(s, page, false);
    unsigned rights = p && p->rights ? p->rights : region->rights;
    if (access & ~rights) {
        refuse(r); /* a right the page lacks: never mapped, or it would fault again */
        return DONE;
    }
    if ((region->flags & REGION_FILLED) && (!p || p->class == PAGE_NONE)) {
        /* Not filled yet: the kernel takes this as a refusal, a region
         * mapper that forwarded the fault reads the label and fills it. */
        r->label = L4SRV_ERR_NON_EXISTENT;
        return DONE;
    }
    int error;
    if (make_resident(s, page, &error) == PARKED)
        return PARKED;
    if (!error && (access & L4_Writable) &&
        (mm.frames[pte_at(s, page, false)->frame].flags & FRAME_COW) &&
        cow_break(s, page, &error) == PARKED)
        return PARKED;
    if (error) {
        refuse(r);
        return DONE;
    }
    p = pte_at(s, page, false);
    struct frame_info *fi = &mm.frames[p->frame];
    if (access & L4_Writable) {
        fi->flags |= FRAME_DIRTY;
        if (p->slot != NO_SLOT) { /* the copy in the store is stale now */
            slot_free(p->slot);
            p->slot = NO_SLOT;
        }
    }
    if (!(fi->flags & (FRAME_DIRTY | FRAME_SHARED | FRAME_DEVICE)) || (fi->flags & FRAME_COW))
        rights &= ~(unsigned) L4_Writable; /* the first write will tell us */
    fi->flags |= FRAME_REFERENCED;
    s->faults++;
    mm.stats.faults++;
    map_reply(s, page, rights, r);
    return DONE;
}

/*
 * The first contents of a page of a filled region: len bytes of data, the
 * rest zero. Dirty from the start, since no slot holds it.
 */
enum outcome page_fill(struct space *s, L4_Word_t page, unsigned rights, const void *data,
                       L4_Word_t len, struct reply *r)
{
    struct pte *p = pte_at(s, page, true);
    if (!p) {
        r->label = L4SRV_ERR_NO_MEM;
        return DONE;
    }
    bool wait;
    uint32_t f = frame_get(s, &wait);
    if (f == NO_FRAME) {
        r->label = L4SRV_ERR_NO_MEM;
        return wait ? PARKED : DONE;
    }
    char *to = (char *) frame_address(f);
    if (len)
        memcpy(to, data, len);
    memset(to + len, 0, PAGE_SIZE - len);
    frame_own(f, s, page, FRAME_DIRTY | FRAME_REFERENCED);
    *p = (struct pte){
        .frame = f, .slot = NO_SLOT, .class = PAGE_RESIDENT, .rights = (uint8_t) rights};
    s->resident++;
    map_reply(s, page, rights, r);
    return DONE;
}

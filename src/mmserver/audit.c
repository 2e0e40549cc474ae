/*
 * The MM server's invariants, checked on request (MM_AUDIT) by walking
 * every table: frames, page tables, slot counts and per-space counters
 * must agree. It only reads; each broken invariant is named in the trace.
 */
#include <stdlib.h>

#include <l4/kdebug.h>

#include "mmserver.h"

struct tally {
    uint32_t *frame_refs; /* entries naming each frame */
    uint32_t *slot_refs;  /* entries and orphaned I/O jobs holding each slot */
    unsigned broken;
};

static void broken(struct tally *t, const char *what)
{
    t->broken++;
    L4_KDB_PrintString(what);
}

static bool has_frame(unsigned class)
{
    return class == PAGE_RESIDENT || class == PAGE_IN || class == PAGE_OUT;
}

static void audit_pte(struct tally *t, struct space *s, L4_Word_t page, const struct pte *p,
                      uint64_t *resident, uint64_t *swapped)
{
    if (p->class == PAGE_NONE)
        return; /* a fresh leaf's entries are zero, not NO_FRAME: nothing to check */
    if (!region_find(s, page << PAGE_SHIFT))
        broken(t, "mm: audit: a page outside every region has a class");
    if (p->class == PAGE_ZERO) {
        if (p->slot != NO_SLOT)
            broken(t, "mm: audit: a zero page holds a slot");
        return;
    }
    if (p->slot != NO_SLOT) {
        if (p->slot >= mm.swap_slots) {
            broken(t, "mm: audit: a slot number out of range");
            return;
        }
        t->slot_refs[p->slot]++;
    }
    if (p->class == PAGE_SWAPPED) {
        (*swapped)++;
        if (p->slot == NO_SLOT)
            broken(t, "mm: audit: a swapped page without a slot");
        return;
    }
    if (p->frame >= mm.frame_count || mm.frames[p->frame].state != FRAME_USED) {
        broken(t, "mm: audit: a page names a frame that is not in use");
        return;
    }
    const struct frame_info *fi = &mm.frames[p->frame];
    t->frame_refs[p->frame]++;
    if (p->class == PAGE_IN)
        (*swapped)++;
    else
        (*resident)++;
    bool transit = p->class != PAGE_RESIDENT;
    if (transit != !!(fi->flags & FRAME_TRANSIT))
        broken(t, "mm: audit: a page in transit and its frame disagree");
    if (transit && (p->slot == NO_SLOT || fi->io_slot != p->slot))
        broken(t, "mm: audit: a page in transit without its slot");
    if (!transit && p->slot != NO_SLOT && (fi->flags & FRAME_DIRTY))
        broken(t, "mm: audit: a dirty frame still holds a slot");
    if ((fi->flags & FRAME_COW) && page != fi->owner_page)
        broken(t, "mm: audit: a copy-on-write holder at another page index");
}

static void audit_space(struct tally *t, struct space *s)
{
    uint64_t resident = 0, swapped = 0;
    L4_Word_t leaves = (s->size >> PAGE_SHIFT) >> PT_LEAF_SHIFT;
    for (L4_Word_t leaf = 0; leaf < leaves; leaf++)
        for (L4_Word_t i = 0; s->dir[leaf] && i < PT_LEAF_PAGES; i++)
            audit_pte(t, s, leaf << PT_LEAF_SHIFT | i, &s->dir[leaf][i], &resident, &swapped);
    if (resident != s->resident || swapped != s->swapped)
        broken(t, "mm: audit: a space's resident or swapped count is off");
}

static void audit_frame(struct tally *t, uint32_t f, uint64_t *free, uint64_t *used)
{
    const struct frame_info *fi = &mm.frames[f];
    if (fi->state == FRAME_FREE) {
        (*free)++;
        return;
    }
    if (fi->state != FRAME_USED)
        return;
    (*used)++;
    /* A job whose page was freed under it holds frame and slot until it reports. */
    bool orphan = (fi->flags & FRAME_TRANSIT) && !fi->refs;
    if (orphan && fi->io_slot < mm.swap_slots)
        t->slot_refs[fi->io_slot]++;
    if (t->frame_refs[f] != fi->refs)
        broken(t, "mm: audit: a frame's count differs from the pages naming it");
    if (!fi->refs && !orphan)
        broken(t, "mm: audit: a used frame nobody holds");
    /* Transit excepted: the other holders may leave while it is written out. */
    bool lone = fi->refs < 2 && !(fi->flags & FRAME_TRANSIT);
    if ((fi->flags & FRAME_COW) && (lone || (fi->flags & FRAME_SHARED) || fi->pins))
        broken(t, "mm: audit: a copy-on-write frame is not shared that way");
    if (fi->owner) {
        struct pte *p = pte_at(fi->owner, fi->owner_page, false);
        if (!p || !has_frame(p->class) || p->frame != f)
            broken(t, "mm: audit: a frame's owner does not hold it");
    }
}

unsigned mm_audit_tables(void)
{
    struct tally t = {.frame_refs = calloc(mm.frame_count, sizeof(uint32_t)),
                      .slot_refs = calloc(mm.swap_slots + 1, sizeof(uint32_t))};
    if (!t.frame_refs || !t.slot_refs) {
        free(t.frame_refs);
        free(t.slot_refs);
        L4_KDB_PrintString("mm: audit: no memory to audit with");
        return 1;
    }
    for (unsigned i = 0; i < MAX_SPACES; i++)
        if (mm.spaces[i])
            audit_space(&t, mm.spaces[i]);
    uint64_t free_frames = 0, used = 0;
    for (uint32_t f = 0; f < mm.frame_count; f++)
        audit_frame(&t, f, &free_frames, &used);
    if (free_frames != mm.frames_free || free_frames + used != mm.frames_total)
        broken(&t, "mm: audit: free and used frames do not add up to the total");
    uint32_t holding = 0;
    for (uint32_t i = 0; i < mm.swap_slots; i++) {
        holding += mm.slot_refs[i] != 0;
        if (t.slot_refs[i] != mm.slot_refs[i])
            broken(&t, "mm: audit: a slot's count differs from its holders");
    }
    if (holding != mm.swap_used)
        broken(&t, "mm: audit: swap_used is not the number of slots held");
    free(t.frame_refs);
    free(t.slot_refs);
    return t.broken;
}

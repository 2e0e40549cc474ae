/*
 * Address spaces as the MM server sees them: the thread -> space map, each
 * space's page table (which is its swap table too) and its regions, and
 * creating and destroying spaces with the kernel. Never pages anything in.
 */
#include <stdlib.h>
#include <string.h>

#include <l4/kip.h>
#include <l4/space.h>
#include <l4/thread.h>

#include "mmserver.h"

/* Where things go in a space, as offsets from its window base. */
#define LOW_GUARD         0x10000UL /* never mapped: catches null pointers */
#define MAIN_STACK_SIZE   0x40000UL /* 256 KiB at the top of the window */
#define THREAD_STACK      0x10000UL /* 64 KiB for each further thread */
#define KIP_AREA          0x1000UL  /* notional: l4sim keeps KIP and UTCBs out of windows */
#define UTCB_AREA         0x100000UL
#define UTCB_AREA_LOG2    16 /* 64 UTCBs of 1 KiB */
#define MAX_SPACE_THREADS 64

/* ------------------------------------------------------------ threads */

struct thread_rec *thread_rec(L4_ThreadId_t t)
{
    L4_Word_t no = L4_ThreadNo(t);
    if (L4_IsNilThread(t) || !L4_IsGlobalId(t) || no >= mm.thread_cap)
        return NULL;
    struct thread_rec *r = &mm.threads[no];
    return r->space && r->version == L4_Version(t) ? r : NULL;
}

struct space *space_of(L4_ThreadId_t t)
{
    struct thread_rec *r = thread_rec(t);
    return r ? r->space : NULL;
}

static struct thread_rec *thread_slot(L4_ThreadId_t t)
{
    L4_Word_t no = L4_ThreadNo(t);
    if (no >= mm.thread_cap) {
        L4_Word_t cap = mm.thread_cap ? mm.thread_cap : 256;
        while (cap <= no)
            cap *= 2;
        struct thread_rec *grown = realloc(mm.threads, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        memset(grown + mm.thread_cap, 0, (cap - mm.thread_cap) * sizeof(*grown));
        mm.threads = grown;
        mm.thread_cap = cap;
    }
    return &mm.threads[no];
}

/* --------------------------------------------------------- page table */

struct pte *pte_at(struct space *s, L4_Word_t page, bool create)
{
    L4_Word_t leaf = page >> PT_LEAF_SHIFT;
    if (page >= s->size >> PAGE_SHIFT)
        return NULL;
    if (!s->dir[leaf]) {
        if (!create)
            return NULL;
        s->dir[leaf] = calloc(PT_LEAF_PAGES, sizeof(struct pte));
        if (!s->dir[leaf])
            return NULL;
    }
    return &s->dir[leaf][page & (PT_LEAF_PAGES - 1)];
}

/*
 * Forget one page: its frame and slot go back unless someone else holds
 * them. The entry is cleared first, so a copy-on-write frame left with one
 * holder finds that holder and not this page.
 */
void page_release(struct space *s, L4_Word_t page)
{
    struct pte *p = pte_at(s, page, false);
    if (!p || p->class == PAGE_NONE)
        return;
    struct pte old = *p;
    *p = (struct pte){.frame = NO_FRAME, .slot = NO_SLOT};
    if (old.class == PAGE_RESIDENT || old.class == PAGE_IN || old.class == PAGE_OUT) {
        struct frame_info *fi = &mm.frames[old.frame];
        if (fi->owner == s && fi->owner_page == page)
            fi->owner = NULL;
        frame_unmap(old.frame);
        if (old.class == PAGE_IN)
            s->swapped--;
        else
            s->resident--;
        if (old.class != PAGE_RESIDENT) {
            /* The last holder leaves frame and slot to the I/O job; io_done frees them. */
            if (--fi->refs == 0)
                old.slot = NO_SLOT;
        } else {
            frame_drop(old.frame);
        }
    } else if (old.class == PAGE_SWAPPED) {
        s->swapped--;
    }
    if (old.slot != NO_SLOT)
        slot_free(old.slot);
}

/* ------------------------------------------------------------ regions */

struct region *region_find(struct space *s, L4_Word_t offset)
{
    for (struct region *r = s->regions; r && r->start <= offset; r = r->next)
        if (offset - r->start < r->size)
            return r;
    return NULL;
}

/*
 * A free range of size bytes: the lowest one above the null guard, or the
 * highest one, for stacks, with an unmapped page below it as a guard.
 * Returns its offset, or 0 if there is none.
 */
L4_Word_t region_place(struct space *s, L4_Word_t size, bool from_top)
{
    L4_Word_t need = size + (from_top ? PAGE_SIZE : 0), best = 0, lo = LOW_GUARD;
    for (struct region *r = s->regions;; r = r->next) {
        L4_Word_t hi = r ? r->start : s->size;
        if (hi > lo && hi - lo >= need) {
            if (!from_top)
                return lo;
            best = hi - size;
        }
        if (!r)
            return best;
        lo = r->start + r->size;
    }
}

bool region_overlaps(struct space *s, L4_Word_t start, L4_Word_t size)
{
    for (struct region *r = s->regions; r && r->start < start + size; r = r->next)
        if (start < r->start + r->size)
            return true;
    return false;
}

struct region *region_add(struct space *s, L4_Word_t start, L4_Word_t size, unsigned kind,
                          unsigned rights)
{
    struct region *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    *r = (struct region){.start = start,
                         .size = size,
                         .kind = (uint8_t) kind,
                         .rights = (uint8_t) rights,
                         .first_frame = NO_FRAME};
    struct region **at = &s->regions;
    while (*at && (*at)->start < start)
        at = &(*at)->next;
    r->next = *at;
    *at = r;
    return r;
}

void region_release(struct space *s, struct region *r)
{
    for (L4_Word_t off = r->start; off < r->start + r->size; off += PAGE_SIZE)
        page_release(s, off >> PAGE_SHIFT);
    if (r->kind == REGION_DEVICE)
        frames_free(r->first_frame, (uint32_t) (r->size >> PAGE_SHIFT));
    struct region **at = &s->regions;
    while (*at != r)
        at = &(*at)->next;
    *at = r->next;
    free(r);
}

/* ------------------------------------------------------------- spaces */

/* Free the server's own records of s; its pages must be dealt with already. */
static void space_free(struct space *s)
{
    while (s->regions) {
        struct region *r = s->regions;
        s->regions = r->next;
        free(r);
    }
    for (L4_Word_t leaf = 0; leaf < (s->size >> PAGE_SHIFT) >> PT_LEAF_SHIFT; leaf++)
        free(s->dir[leaf]);
    free(s->dir);
    mm.spaces[s->index] = NULL;
    free(s);
}

static void space_destroy(struct space *s)
{
    while (s->regions)
        region_release(s, s->regions);
    mm.stats.spaces--;
    space_free(s);
}

static void *utcb_location(unsigned slot)
{
    return (void *) (UTCB_AREA + slot * L4_UtcbSize(L4_GetKernelInterface()));
}

static int thread_error(void)
{
    switch (L4_ErrorCode()) {
    case L4_ErrNoPrivilege:
        return L4SRV_ERR_NO_PRIVILEGE;
    case L4_ErrNoMem:
        return L4SRV_ERR_NO_MEM;
    case L4_ErrInvalidThread:
        return L4SRV_ERR_EXISTS; /* the number is taken, or reserved */
    default:
        return L4SRV_ERR_INVALID_ARG;
    }
}

/* Whether the kernel has the thread already (an ExchangeRegisters that changes nothing). */
static bool thread_exists(L4_ThreadId_t t)
{
    L4_Word_t control, sp, ip, flags, handle;
    L4_ThreadId_t pager;
    return !L4_IsNilThread(L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, &control, &sp, &ip,
                                                &flags, &handle, &pager));
}

static void thread_delete(L4_ThreadId_t t)
{
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *) ~0UL);
}

static struct space *space_alloc(L4_ThreadId_t first, L4_Fpage_t window, bool priv)
{
    unsigned index = 0;
    while (index < MAX_SPACES && mm.spaces[index])
        index++;
    struct space *s = index < MAX_SPACES ? calloc(1, sizeof(*s)) : NULL;
    if (!s)
        return NULL;
    s->base = L4_Address(window);
    s->size = L4_Size(window);
    s->dir = calloc((s->size >> PAGE_SHIFT) >> PT_LEAF_SHIFT, sizeof(*s->dir));
    if (!s->dir) {
        free(s);
        return NULL;
    }
    s->index = index;
    s->first = first;
    s->priv = priv;
    mm.spaces[index] = s;
    mm.stats.spaces++;
    return s;
}

static void thread_note(struct thread_rec *rec, L4_ThreadId_t t, struct space *s, bool priv,
                        L4_Word_t stack, unsigned slot)
{
    *rec = (struct thread_rec){
        .space = s, .version = L4_Version(t), .stack = stack, .utcb_slot = slot, .priv = priv};
    s->threads++;
    s->utcb_slots |= 1ULL << slot;
    mm.stats.threads++;
}

int space_new(L4_ThreadId_t thread, L4_ThreadId_t caller, bool priv, L4_Word_t *sp,
              L4_Fpage_t *utcb_area)
{
    struct thread_rec *rec = L4_IsGlobalId(thread) ? thread_slot(thread) : NULL;
    if (!rec || L4_IsNilThread(thread))
        return L4SRV_ERR_INVALID_ARG;
    if (rec->space || thread_exists(thread))
        return L4SRV_ERR_EXISTS; /* never touch a thread someone else made */
    L4_ThreadId_t me = L4_Myself();
    L4_Fpage_t utcbs = L4_FpageLog2(UTCB_AREA, UTCB_AREA_LOG2);
    if (!L4_ThreadControl(thread, thread, caller, L4_nilthread, (void *) ~0UL))
        return thread_error();
    L4_Fpage_t window = L4_Nilpage;
    if (!L4_SpaceControl(thread, 0, L4_FpageLog2(KIP_AREA, 12), utcbs, L4_nilthread, &window.raw) ||
        !L4_ThreadControl(thread, thread, caller, me, utcb_location(0))) {
        int err = thread_error();
        thread_delete(thread);
        return err;
    }
    struct space *s = space_alloc(thread, window, priv);
    L4_Word_t stack = s ? s->size - MAIN_STACK_SIZE : 0;
    if (!s || !region_add(s, stack, MAIN_STACK_SIZE, REGION_STACK, L4_ReadWriteOnly)) {
        if (s)
            space_destroy(s);
        thread_delete(thread);
        return L4SRV_ERR_NO_MEM;
    }
    thread_note(rec, thread, s, priv, stack, 0);
    *sp = s->base + s->size;
    *utcb_area = utcbs;
    return L4SRV_OK;
}

int space_add_thread(L4_ThreadId_t thread, L4_ThreadId_t space, L4_ThreadId_t caller,
                     L4_Word_t flags, L4_Word_t *sp)
{
    struct space *s = space_of(space);
    struct thread_rec *rec = L4_IsGlobalId(thread) ? thread_slot(thread) : NULL;
    if (!s)
        return L4SRV_ERR_NON_EXISTENT;
    if (!rec || L4_IsNilThread(thread) || (flags & ~(MM_THREAD_PRIV | MM_THREAD_NO_STACK)))
        return L4SRV_ERR_INVALID_ARG;
    if (rec->space || thread_exists(thread))
        return L4SRV_ERR_EXISTS;
    if (s->utcb_slots == ~0ULL)
        return L4SRV_ERR_NO_MEM;
    unsigned slot = (unsigned) __builtin_ctzll(~s->utcb_slots);
    L4_Word_t stack = NO_STACK;
    struct region *r = NULL;
    if (!(flags & MM_THREAD_NO_STACK)) {
        stack = region_place(s, THREAD_STACK, true);
        r = stack ? region_add(s, stack, THREAD_STACK, REGION_STACK, L4_ReadWriteOnly) : NULL;
        if (!r)
            return L4SRV_ERR_NO_MEM;
    }
    if (!L4_ThreadControl(thread, space, caller, L4_Myself(), utcb_location(slot))) {
        if (r)
            region_release(s, r);
        return thread_error();
    }
    thread_note(rec, thread, s, flags & MM_THREAD_PRIV, stack, slot);
    *sp = r ? s->base + stack + THREAD_STACK : 0;
    return L4SRV_OK;
}

int space_remove_thread(L4_ThreadId_t thread)
{
    struct thread_rec *rec = thread_rec(thread);
    if (!rec)
        return L4SRV_ERR_NON_EXISTENT;
    struct space *s = rec->space;
    thread_delete(thread);
    struct region *stack = rec->stack != NO_STACK ? region_find(s, rec->stack) : NULL;
    if (stack && stack->kind == REGION_STACK && stack->start != s->size - MAIN_STACK_SIZE)
        region_release(s, stack);
    s->utcb_slots &= ~(1ULL << rec->utcb_slot);
    memset(rec, 0, sizeof(*rec));
    mm.stats.threads--;
    if (--s->threads == 0)
        space_destroy(s);
    return L4SRV_OK;
}

void spaces_fini(void)
{
    /* After the run: the kernel took every mapping, only the records are left. */
    for (unsigned i = 0; i < MAX_SPACES; i++)
        if (mm.spaces[i])
            space_free(mm.spaces[i]);
    free(mm.threads);
    mm.threads = NULL;
    mm.thread_cap = 0;
}

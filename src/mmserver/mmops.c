/*
 * The MM protocol (docs/protocols.md): allocation, pinning, shared memory,
 * and the server interface for creating spaces and threads. Checks every
 * argument before changing anything, so a refused request changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <l4/ipc.h>
#include <l4/space.h>
#include <l4srv/swap.h>

#include "mmops.h"

#define PAGE_MASK (PAGE_SIZE - 1)

static L4_Word_t pages_of(L4_Word_t size)
{
    return (size + PAGE_MASK) >> PAGE_SHIFT;
}

/* Privileged: registered as such, or a thread of our own (the root task's) space. */
static bool privileged(L4_ThreadId_t t)
{
    struct thread_rec *rec = thread_rec(t);
    if (rec)
        return rec->priv;
    L4_Fpage_t theirs = L4_SpaceWindow(t);
    return !L4_IsNilFpage(theirs) && theirs.raw == L4_SpaceWindow(L4_Myself()).raw;
}

static enum outcome fail(struct reply *r, int error)
{
    r->label = (L4_Word_t) error;
    return DONE;
}

static enum outcome ok(struct reply *r, unsigned words, L4_Word_t a, L4_Word_t b, L4_Word_t c)
{
    r->label = L4SRV_OK;
    r->words = words;
    r->mr[0] = a;
    r->mr[1] = b;
    r->mr[2] = c;
    return DONE;
}

/* Whether [offset, offset + size) lies in s's window. */
static bool in_window(const struct space *s, L4_Word_t offset, L4_Word_t size)
{
    return size && offset < s->size && size <= s->size - offset;
}

/* ------------------------------------------------------- allocation */

/* MM_MALLOC is this with location 0, rights RW and no flags. */
static enum outcome op_malloc_at(struct space *s, L4_Word_t size, L4_Word_t location,
                                 L4_Word_t rights, L4_Word_t flags, struct reply *r)
{
    if (!size || !rights || (rights & ~(L4_Word_t) L4_FullyAccessible) ||
        (flags & ~MM_ALLOC_FILLED))
        return fail(r, L4SRV_ERR_INVALID_ARG);
    if (size > s->size || pages_of(size) > mm.frames_total + mm.swap_slots)
        return fail(r, L4SRV_ERR_NO_MEM);
    size = pages_of(size) << PAGE_SHIFT;
    L4_Word_t at = location - s->base;
    if (location) {
        if (location < s->base || (location & PAGE_MASK) || !in_window(s, at, size))
            return fail(r, L4SRV_ERR_INVALID_ARG);
        if (region_overlaps(s, at, size))
            return fail(r, L4SRV_ERR_EXISTS);
    } else if (!(at = region_place(s, size, false))) {
        return fail(r, L4SRV_ERR_NO_MEM);
    }
    struct region *reg = region_add(s, at, size, REGION_ANON, (unsigned) rights);
    if (!reg)
        return fail(r, L4SRV_ERR_NO_MEM);
    reg->flags = (flags & MM_ALLOC_FILLED) ? REGION_FILLED : 0;
    return ok(r, 1, s->base + at, 0, 0);
}

static enum outcome op_page_fill(struct space *s, L4_Word_t address, L4_Word_t rights,
                                 L4_Word_t flags, const struct mm_string *str, struct reply *r)
{
    L4_Word_t offset = address - s->base;
    struct region *reg =
        address >= s->base && !(address & PAGE_MASK) ? region_find(s, offset) : NULL;
    if (!reg || !(reg->flags & REGION_FILLED) || !rights || (rights & ~(L4_Word_t) reg->rights) ||
        !str->present || str->len > MM_PAGE_FILL_MAX)
        return fail(r, L4SRV_ERR_INVALID_ARG);
    L4_Word_t page = offset >> PAGE_SHIFT;
    struct pte *p = pte_at(s, page, false);
    if (p && p->class != PAGE_NONE && !(flags & MM_FILL_REPLACE))
        return fail(r, L4SRV_ERR_EXISTS); /* filled once; it may be anywhere by now */
    if (p && (p->class == PAGE_IN || p->class == PAGE_OUT))
        return PARKED; /* replace it once the I/O is done */
    if (p)
        page_release(s, page); /* a shared frame or slot stays with its other holders */
    return page_fill(s, page, (unsigned) rights, str->data, str->len, r);
}

static enum outcome op_malloc_priv(struct space *s, L4_Word_t size, L4_Word_t phys, struct reply *r)
{
    if (!size || size > s->size || (phys & PAGE_MASK) || phys < mm.ram_base)
        return fail(r, L4SRV_ERR_INVALID_ARG);
    L4_Word_t first = (phys - mm.ram_base) >> PAGE_SHIFT, n = pages_of(size);
    if (first >= mm.frame_count || n > mm.frame_count - first)
        return fail(r, L4SRV_ERR_INVALID_ARG);
    L4_Word_t at = region_place(s, n << PAGE_SHIFT, false);
    if (!at)
        return fail(r, L4SRV_ERR_NO_MEM);
    if (!frames_alloc_at((uint32_t) first, (uint32_t) n))
        return fail(r, L4SRV_ERR_EXISTS); /* someone uses that memory */
    struct region *reg = region_add(s, at, n << PAGE_SHIFT, REGION_DEVICE, L4_ReadWriteOnly);
    if (!reg) {
        frames_free((uint32_t) first, (uint32_t) n);
        return fail(r, L4SRV_ERR_NO_MEM);
    }
    reg->first_frame = (uint32_t) first;
    for (L4_Word_t i = 0; i < n; i++) {
        L4_Word_t page = (at >> PAGE_SHIFT) + i;
        struct pte *p = pte_at(s, page, true);
        uint32_t f = (uint32_t) (first + i);
        if (!p) { /* undo what is done so far */
            region_release(s, reg);
            return fail(r, L4SRV_ERR_NO_MEM);
        }
        memset((void *) frame_address(f), 0, PAGE_SIZE); /* no stale data */
        mm.frames[f] = (struct frame_info){.refs = 1,
                                           .owner = s,
                                           .owner_page = (uint32_t) page,
                                           .state = FRAME_USED,
                                           .flags = FRAME_DEVICE};
        *p = (struct pte){.frame = f, .slot = NO_SLOT, .class = PAGE_RESIDENT};
        s->resident++;
    }
    return ok(r, 1, s->base + at, 0, 0);
}

static enum outcome op_free(struct space *s, L4_Word_t size, L4_Word_t location, struct reply *r)
{
    L4_Word_t offset = location - s->base;
    struct region *reg = location >= s->base ? region_find(s, offset) : NULL;
    if (!reg || reg->start != offset || size > reg->size ||
        reg->size != pages_of(size) << PAGE_SHIFT ||
        (reg->kind != REGION_ANON && reg->kind != REGION_DEVICE))
        return fail(r, L4SRV_ERR_INVALID_ARG); /* never allocated, freed already, or a part */
    region_release(s, reg);
    return ok(r, 0, 0, 0, 0);
}

/* ---------------------------------------------------------- pinning */

/* Whether every page of [offset, offset + size) is in a region of s, with rights. */
static bool covered(struct space *s, L4_Word_t offset, L4_Word_t size, unsigned rights)
{
    if (!in_window(s, offset, size))
        return false;
    for (L4_Word_t off = offset & ~PAGE_MASK; off < offset + size; off += PAGE_SIZE) {
        struct region *reg = region_find(s, off);
        struct pte *p = reg ? pte_at(s, off >> PAGE_SHIFT, false) : NULL;
        unsigned have = p && p->rights ? p->rights : reg ? reg->rights : 0;
        if (!reg || (rights & ~have))
            return false;
    }
    return true;
}

/*
 * Give every page of the range a frame of its own, copying those it shares
 * copy on write: a pin or a share must stay with the page that asked for
 * it. A copy parked half-way has changed nothing anyone can see.
 */
static enum outcome make_private(struct space *s, L4_Word_t offset, L4_Word_t size, int *error)
{
    L4_Word_t last = (offset + size - 1) >> PAGE_SHIFT;
    for (L4_Word_t page = offset >> PAGE_SHIFT; page <= last; page++) {
        enum outcome o = make_resident(s, page, error);
        if (o == PARKED || *error)
            return o;
        struct pte *p = pte_at(s, page, false);
        uint32_t old = p->frame;
        if (!(mm.frames[old].flags & FRAME_COW))
            continue;
        o = cow_break(s, page, error);
        if (o == PARKED || *error)
            return o;
        if (p->frame != old)
            frame_unmap(old); /* s may still map the old frame, which another will write */
    }
    return DONE;
}

/*
 * Make every page of the range resident, holding each with a pin while the
 * rest come in (so making one resident cannot page out another). Returns
 * DONE with the pins held, or PARKED / an error with none held.
 */
static enum outcome hold_range(struct space *s, L4_Word_t offset, L4_Word_t size, int *error)
{
    L4_Word_t first = offset >> PAGE_SHIFT, last = (offset + size - 1) >> PAGE_SHIFT;
    for (L4_Word_t page = first; page <= last; page++) {
        enum outcome o = make_resident(s, page, error);
        if (o == DONE && !*error) {
            mm.frames[pte_at(s, page, false)->frame].pins++;
            continue;
        }
        for (L4_Word_t done = first; done < page; done++)
            mm.frames[pte_at(s, done, false)->frame].pins--;
        return o;
    }
    return DONE;
}

static void release_range(struct space *s, L4_Word_t offset, L4_Word_t size)
{
    for (L4_Word_t page = offset >> PAGE_SHIFT; page <= (offset + size - 1) >> PAGE_SHIFT; page++)
        mm.frames[pte_at(s, page, false)->frame].pins--;
}

static uint64_t pinned_frames(void)
{
    uint64_t n = 0;
    for (uint32_t f = 0; f < mm.frame_count; f++)
        n += mm.frames[f].state == FRAME_USED && mm.frames[f].pins;
    return n;
}

static enum outcome op_pin(struct space *s, L4_Word_t size, L4_Word_t address, struct reply *r)
{
    L4_Word_t offset = address - s->base;
    if (address < s->base || !covered(s, offset, size, 0))
        return fail(r, L4SRV_ERR_INVALID_ARG);
    /* Half of memory at most, so pinning can never starve paging. */
    if (pinned_frames() + pages_of(size + (offset & PAGE_MASK)) > mm.frames_total / 2)
        return fail(r, L4SRV_ERR_NO_MEM);
    int error;
    enum outcome o = make_private(s, offset, size, &error);
    if (o == PARKED || error)
        return o == PARKED ? PARKED : fail(r, error);
    o = hold_range(s, offset, size, &error);
    if (o == PARKED || error)
        return o == PARKED ? PARKED : fail(r, error);
    return ok(r, 0, 0, 0, 0); /* the pins hold_range took stay */
}

static enum outcome op_unpin(struct space *s, L4_Word_t size, L4_Word_t address, struct reply *r)
{
    L4_Word_t offset = address - s->base;
    if (address < s->base || !covered(s, offset, size, 0))
        return fail(r, L4SRV_ERR_INVALID_ARG);
    for (L4_Word_t page = offset >> PAGE_SHIFT; page <= (offset + size - 1) >> PAGE_SHIFT; page++) {
        struct pte *p = pte_at(s, page, false);
        if (!p || p->class != PAGE_RESIDENT || !mm.frames[p->frame].pins)
            return fail(r, L4SRV_ERR_INVALID_ARG); /* not pinned: change nothing */
    }
    release_range(s, offset, size);
    return ok(r, 0, 0, 0, 0);
}

/* ---------------------------------------------------- shared memory */

static enum outcome op_map(struct space *a, L4_Fpage_t page, L4_Word_t offset, L4_Word_t rights,
                           L4_ThreadId_t thread, struct reply *r)
{
    struct space *b = space_of(thread);
    L4_Word_t base = L4_Address(page), size = L4_Size(page);
    rights &= L4_FullyAccessible;
    if (!b)
        return fail(r, L4SRV_ERR_NON_EXISTENT);
    if (L4_IsNilFpage(page) || size < PAGE_SIZE || !rights || (offset & PAGE_MASK) ||
        !in_window(b, offset, size))
        return fail(r, L4SRV_ERR_INVALID_ARG);
    L4_Word_t from = base - a->base;
    if (base < a->base || !covered(a, from, size, (unsigned) rights))
        return fail(r, L4SRV_ERR_NO_PRIVILEGE); /* memory the caller does not have */
    for (L4_Word_t off = from; off < from + size; off += PAGE_SIZE)
        if (region_find(a, off)->kind == REGION_DEVICE)
            return fail(r, L4SRV_ERR_INVALID_ARG); /* see docs: device memory is not shared */
    for (L4_Word_t off = offset; off < offset + size; off += PAGE_SIZE)
        if (region_find(b, off))
            return fail(r, L4SRV_ERR_EXISTS);
    int error;
    enum outcome o = make_private(a, from, size, &error);
    if (o == PARKED || error)
        return o == PARKED ? PARKED : fail(r, error);
    o = hold_range(a, from, size, &error);
    if (o == PARKED || error)
        return o == PARKED ? PARKED : fail(r, error);
    struct region *reg = region_add(b, offset, size, REGION_SHARED, (unsigned) rights);
    if (!reg) {
        release_range(a, from, size);
        return fail(r, L4SRV_ERR_NO_MEM);
    }
    reg->source = a;
    for (L4_Word_t i = 0; i < size >> PAGE_SHIFT; i++) {
        struct pte *src = pte_at(a, (from >> PAGE_SHIFT) + i, false);
        struct pte *dst = pte_at(b, (offset >> PAGE_SHIFT) + i, true);
        if (!dst) { /* undo: the region takes back what it got so far */
            release_range(a, from, size);
            region_release(b, reg);
            return fail(r, L4SRV_ERR_NO_MEM);
        }
        struct frame_info *fi = &mm.frames[src->frame];
        fi->refs++;
        fi->flags |= FRAME_SHARED | FRAME_DIRTY;
        if (src->slot != NO_SLOT) { /* shared frames stay resident: the copy is not needed */
            slot_free(src->slot);
            src->slot = NO_SLOT;
        }
        *dst = (struct pte){.frame = src->frame,
                            .slot = NO_SLOT,
                            .class = PAGE_RESIDENT,
                            .rights = (uint8_t) rights};
        b->resident++;
    }
    release_range(a, from, size);
    return ok(r, 0, 0, 0, 0);
}

static enum outcome op_unmap(struct space *caller, L4_Fpage_t page, L4_Word_t offset,
                             L4_ThreadId_t thread, struct reply *r)
{
    struct space *b = space_of(thread);
    if (!b)
        return fail(r, L4SRV_ERR_NON_EXISTENT);
    struct region *reg = region_find(b, offset);
    if (!reg || reg->kind != REGION_SHARED || reg->start != offset || reg->size != L4_Size(page))
        return fail(r, L4SRV_ERR_INVALID_ARG);
    if (caller != b && caller != reg->source)
        return fail(r, L4SRV_ERR_NO_PRIVILEGE);
    region_release(b, reg);
    return ok(r, 0, 0, 0, 0);
}

/* ------------------------------------------------- server interface */

static enum outcome op_register_backingstore(L4_ThreadId_t store, struct reply *r)
{
    if (mm.store.raw)
        return fail(r, L4SRV_ERR_EXISTS);
    L4_LoadMR(0, (L4_Word_t) SWAP_INFO << 16);
    L4_Time_t timeout = L4_TimePeriod(1000ULL * mm.io_timeout_ms);
    L4_MsgTag_t tag = L4_Call_Timeouts(store, timeout, timeout);
    L4_Word_t slots = 0;
    if (L4_IpcFailed(tag))
        return fail(r, L4_IpcErrorType(L4_ErrorCode()) == L4_IpcErrTimeout
                           ? L4SRV_ERR_UNRESPONSIVE
                           : L4SRV_ERR_NON_EXISTENT);
    L4_StoreMR(1, &slots);
    if (L4_Label(tag) || L4_UntypedWords(tag) < 1 || !slots || slots > UINT32_MAX / 2)
        return fail(r, L4SRV_ERR_IO);
    mm.slot_refs = calloc(slots, sizeof(*mm.slot_refs));
    if (!mm.slot_refs)
        return fail(r, L4SRV_ERR_NO_MEM);
    mm.store = store;
    mm.swap_slots = (uint32_t) slots;
    return ok(r, 0, 0, 0, 0);
}

static enum outcome op_stats(struct reply *r)
{
    struct mm_stats st = mm.stats;
    st.frames_total = mm.frames_total;
    st.frames_free = mm.frames_free;
    st.frames_used = mm.frames_total - mm.frames_free;
    st.frames_pinned = pinned_frames();
    st.frames_shared = 0;
    for (uint32_t f = 0; f < mm.frame_count; f++)
        st.frames_shared += mm.frames[f].state == FRAME_USED && mm.frames[f].refs > 1;
    st.swap_slots = mm.swap_slots;
    st.swap_used = mm.swap_used;
    _Static_assert(sizeof(st) / sizeof(uint64_t) <= MM_STATS_WORDS, "stats fit a reply");
    r->label = L4SRV_OK;
    r->words = sizeof(st) / sizeof(uint64_t);
    memcpy(r->mr, &st, sizeof(st));
    return DONE;
}

/* ---------------------------------------------------------- decoder */

/* How many words each request needs; shorter ones are malformed. */
static unsigned words_needed(L4_Word_t label)
{
    switch (label) {
    case MM_MALLOC:
    case MM_REGISTER_BACKINGSTORE:
    case MM_DEREGISTER_THREAD:
    case MM_SPACE_STATS:
        return 1;
    case MM_MALLOC_PRIV:
    case MM_FREE:
    case MM_PIN_PRIV:
    case MM_UNPIN_PRIV:
    case MM_PAGE_FILL:
    case MM_COPY_SPACE:
        return 2;
    case MM_UNMAP:
    case MM_REGISTER_THREAD:
        return 3;
    case MM_MAP:
    case MM_NEW_AS:
    case MM_MALLOC_AT:
        return 4;
    default:
        return 0;
    }
}

static bool needs_privilege(L4_Word_t label)
{
    return label == MM_MALLOC_PRIV || label == MM_PIN_PRIV || label == MM_UNPIN_PRIV ||
           (label >= MM_REGISTER_BACKINGSTORE && label <= MM_COPY_SPACE) || label == MM_AUDIT;
}

static L4_ThreadId_t tid(L4_Word_t raw)
{
    return (L4_ThreadId_t){.raw = raw};
}

enum outcome mm_operation(L4_ThreadId_t from, L4_MsgTag_t tag, const L4_Word_t *mr,
                          const struct mm_string *str, struct reply *r)
{
    L4_Word_t label = L4_Label(tag);
    /* Only a fill carries anything but words: one string, which must be there. */
    bool shape =
        label == MM_PAGE_FILL ? L4_TypedWords(tag) == 2 && str->present : !L4_TypedWords(tag);
    if (L4_UntypedWords(tag) < words_needed(label) || !shape)
        return fail(r, L4SRV_ERR_INVALID_ARG);
    if (label == MM_STATS)
        return op_stats(r);
    if (needs_privilege(label) && !privileged(from))
        return fail(r, L4SRV_ERR_NO_PRIVILEGE);
    switch (label) {
    case MM_REGISTER_BACKINGSTORE:
        return op_register_backingstore(tid(mr[0]), r);
    case MM_NEW_AS: {
        L4_Word_t sp = 0;
        L4_Fpage_t utcbs = L4_Nilpage;
        if (mr[2]) /* an ELF image: the loader comes with the task server */
            return fail(r, L4SRV_ERR_INVALID_ARG);
        int e = space_new(tid(mr[0]), from, mr[1] != 0, &sp, &utcbs);
        return e ? fail(r, e) : ok(r, 3, sp, 0, utcbs.raw);
    }
    case MM_REGISTER_THREAD: {
        L4_Word_t sp = 0;
        int e = space_add_thread(tid(mr[0]), tid(mr[1]), from, mr[2], &sp);
        return e ? fail(r, e) : ok(r, 1, sp, 0, 0);
    }
    case MM_COPY_SPACE: {
        struct space *a = space_of(tid(mr[0])), *b = space_of(tid(mr[1]));
        int e;
        if (!a || !b)
            return fail(r, L4SRV_ERR_NON_EXISTENT);
        if (a == b)
            return fail(r, L4SRV_ERR_INVALID_ARG);
        if (space_copy(a, b, &e) == PARKED)
            return PARKED;
        return e ? fail(r, e) : ok(r, 0, 0, 0, 0);
    }
    case MM_AUDIT:
        return ok(r, 1, mm_audit_tables(), 0, 0);
    case MM_DEREGISTER_THREAD: {
        int e = space_remove_thread(tid(mr[0]));
        return e ? fail(r, e) : ok(r, 0, 0, 0, 0);
    }
    case MM_SPACE_STATS: {
        struct space *t = space_of(tid(mr[0]));
        if (!t)
            return fail(r, L4SRV_ERR_NON_EXISTENT);
        r->label = L4SRV_OK;
        r->words = 5;
        r->mr[0] = t->resident;
        r->mr[1] = t->swapped;
        r->mr[2] = t->faults;
        r->mr[3] = t->threads;
        r->mr[4] = space_shared_pages(t);
        return DONE;
    }
    default:
        break;
    }
    struct space *s = space_of(from);
    if (!words_needed(label))
        return fail(r, L4SRV_ERR_INVALID_ARG); /* no such operation */
    if (!s)
        return fail(r, L4SRV_ERR_NON_EXISTENT); /* only registered threads have memory here */
    switch (label) {
    case MM_MALLOC:
        return op_malloc_at(s, mr[0], 0, L4_ReadWriteOnly, 0, r);
    case MM_MALLOC_AT:
        return op_malloc_at(s, mr[0], mr[1], mr[2], mr[3], r);
    case MM_PAGE_FILL:
        return op_page_fill(s, mr[0], mr[1], L4_UntypedWords(tag) >= 3 ? mr[2] : 0, str, r);
    case MM_MALLOC_PRIV:
        return op_malloc_priv(s, mr[0], mr[1], r);
    case MM_FREE:
        return op_free(s, mr[0], mr[1], r);
    case MM_PIN_PRIV:
        return op_pin(s, mr[0], mr[1], r);
    case MM_UNPIN_PRIV:
        return op_unpin(s, mr[0], mr[1], r);
    case MM_MAP:
        return op_map(s, (L4_Fpage_t){.raw = mr[0]}, mr[1], mr[2], tid(mr[3]), r);
    case MM_UNMAP:
        return op_unmap(s, (L4_Fpage_t){.raw = mr[0]}, mr[1], tid(mr[2]), r);
    default:
        return fail(r, L4SRV_ERR_INVALID_ARG);
    }
}

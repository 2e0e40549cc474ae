/*
 * The MM server's main thread: it takes all conventional memory from
 * sigma0, then serves the protocol and the page faults of its clients.
 * Requests that must wait for swap I/O are parked and run again whole
 * when a worker reports; nothing here blocks on another server.
 */
#include <stdlib.h>
#include <string.h>

#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/pagefault.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4srv/swap.h>

#include "mmops.h"
#include "mmserver.h"

struct mm_state mm;

/* A request as it arrived, kept whole so a parked one can run again. */
struct request {
    L4_ThreadId_t from;
    L4_MsgTag_t tag;
    L4_Word_t mr[MM_REQUEST_WORDS];
    struct mm_string str; /* in the bounce buffer, or a parked request's own copy */
    struct request *next;
};

static struct request *parked, *parked_tail;

/*
 * Where every request's string lands (only MM_PAGE_FILL has one). The next
 * receive overwrites it, so a parked request keeps a copy of its own.
 */
static _Alignas(PAGE_SIZE) uint8_t bounce[MM_PAGE_FILL_MAX];

/* ------------------------------------------------------------- boot */

/* Where conventional memory is: the KIP's first physical descriptor of that type. */
static bool find_ram(L4_Word_t *lo, L4_Word_t *hi)
{
    void *kip = L4_GetKernelInterface();
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
        L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
        if (!L4_IsMemoryDescVirtual(d) && L4_MemoryDescType(d) == L4_ConventionalMemoryType) {
            *lo = L4_MemoryDescLow(d);
            *hi = L4_MemoryDescHigh(d) + 1;
            return true;
        }
    }
    return false;
}

/* Which frames sigma0 gave, while take_memory asks: here, not on its
 * stack, so that mm_fini frees it when the run ends in the middle. */
static bool *frames_taken;

/* Take every page sigma0 will give, biggest pieces first. */
static bool take_memory(void)
{
    L4_Word_t lo, hi;
    if (!find_ram(&lo, &hi))
        return false;
    mm.ram_base = lo;
    mm.frame_count = (uint32_t) ((hi - lo) >> PAGE_SHIFT);
    bool *owned = frames_taken = calloc(mm.frame_count, sizeof(*owned));
    if (!owned)
        return false;
    L4_ThreadId_t s0 = L4_Sigma0Id(L4_GetKernelInterface());
    for (int log2 = 22; log2 >= PAGE_SHIFT; log2--)
        for (;;) {
            L4_Fpage_t got = L4_Sigma0_GetAny(s0, (L4_Word_t) log2, L4_CompleteAddressSpace);
            if (L4_IsNilFpage(got) || L4_Address(got) < lo || L4_Address(got) >= hi)
                break;
            for (L4_Word_t a = L4_Address(got); a < L4_Address(got) + L4_Size(got); a += PAGE_SIZE)
                owned[(a - lo) >> PAGE_SHIFT] = true;
        }
    bool ok = frames_init(owned);
    free(owned);
    frames_taken = NULL;
    return ok;
}

/* ------------------------------------------------------------ replies */

static void reply_send(L4_ThreadId_t to, const struct reply *r)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    for (unsigned i = 0; i < r->words; i++)
        L4_MsgAppendWord(&msg, r->mr[i]);
    if (!L4_IsNilFpage(r->map))
        L4_MsgAppendMapItem(&msg, L4_MapItem(r->map, r->snd_base));
    L4_Set_MsgLabel(&msg, r->label);
    L4_MsgLoad(&msg);
    L4_Reply(to); /* a client that died meanwhile just misses it */
}

/* --------------------------------------------------------- dispatch */

static bool is_pagefault(L4_MsgTag_t tag)
{
    return (L4_Label(tag) & ~7UL) == L4_PAGEFAULT_LABEL && L4_UntypedWords(tag) == 2 &&
           !L4_TypedWords(tag);
}

static bool is_worker(L4_ThreadId_t t)
{
    for (unsigned i = 0; i < L4SRV_MM_IO_COUNT; i++)
        if (t.raw == l4srv_id(L4SRV_MM_IO + i).raw)
            return true;
    return false;
}

static enum outcome handle(const struct request *rq, struct reply *r)
{
    memset(r, 0, sizeof(*r));
    if (is_pagefault(rq->tag)) {
        struct space *s = space_of(rq->from);
        if (!s) {
            mm.stats.refused++;
            return DONE; /* not ours to page: an empty reply, so an exception */
        }
        return pager_fault(s, rq->mr[0], L4_Label(rq->tag) & 7, r);
    }
    if (is_worker(rq->from) &&
        (L4_Label(rq->tag) == MM_IO_READY || L4_Label(rq->tag) == MM_IO_DONE)) {
        if (L4_Label(rq->tag) == MM_IO_DONE && rq->mr[0] < mm.frame_count)
            io_done((uint32_t) rq->mr[0], (int) rq->mr[1]);
        mm.idle_workers[mm.idle_count++] = rq->from;
        r->silent = true; /* it gets its next job when there is one */
        return DONE;
    }
    return mm_operation(rq->from, rq->tag, rq->mr, &rq->str, r);
}

static void park(const struct request *rq)
{
    struct request *p = malloc(sizeof(*p));
    void *copy = rq->str.present && rq->str.len ? malloc(rq->str.len) : NULL;
    if (!p || (rq->str.present && rq->str.len && !copy)) {
        free(p);
        free(copy);
        struct reply r = {.label = L4SRV_ERR_NO_MEM};
        reply_send(rq->from, &r);
        return;
    }
    *p = *rq;
    p->str.data = copy ? memcpy(copy, rq->str.data, rq->str.len) : NULL;
    p->next = NULL;
    if (parked_tail)
        parked_tail->next = p;
    else
        parked = p;
    parked_tail = p;
}

static void run(const struct request *rq)
{
    struct reply r;
    if (handle(rq, &r) == PARKED)
        park(rq);
    else if (!r.silent)
        reply_send(rq->from, &r);
}

/* After I/O finished: every parked request runs again, in the order it came. */
static void retry_parked(void)
{
    while (mm.completed) {
        mm.completed = false;
        struct request *list = parked;
        parked = parked_tail = NULL;
        while (list) {
            struct request *rq = list;
            list = rq->next;
            run(rq);
            free((void *) rq->str.data);
            free(rq);
        }
        io_dispatch();
    }
}

/* The one simple string item of a request, if it has one and it landed in the bounce buffer. */
static struct mm_string string_of(L4_MsgTag_t tag)
{
    struct mm_string str = {.data = NULL, .len = 0, .present = false};
    if (L4_TypedWords(tag) != 2)
        return str;
    L4_StringItem_t item;
    L4_StoreMRs((int) L4_UntypedWords(tag) + 1, 2, item.raw);
    if (L4_IsStringItem(&item) && !L4_CompoundString(&item) && L4_Substrings(&item) == 1 &&
        item.X.str.string_ptr == bounce && item.X.string_length <= sizeof(bounce)) {
        str.data = bounce;
        str.len = item.X.string_length;
        str.present = true;
    }
    return str;
}

void mm_main(void *kip)
{
    (void) kip;
    if (!take_memory()) {
        L4_KDB_PrintString("mm: no conventional memory in the KIP, or no memory for tables");
        return;
    }
    L4_KDB_PrintString("mm: took conventional memory from sigma0, free list built");
    for (;;) {
        struct request rq;
        /* Strings are accepted from anyone; map items from no one. */
        L4_MsgBuffer_t buf;
        L4_MsgBufferClear(&buf);
        L4_MsgBufferAppendSimpleRcvString(&buf, L4_StringItem(sizeof(bounce), bounce));
        L4_AcceptStrings(L4_StringItemsAcceptor, &buf);
        rq.tag = L4_Wait(&rq.from);
        if (L4_IpcFailed(rq.tag))
            continue;
        if (L4_IsLocalId(rq.from)) /* our own space's threads: root task and servers */
            rq.from = L4_GlobalIdOf(rq.from);
        unsigned words = L4_UntypedWords(rq.tag);
        memset(rq.mr, 0, sizeof(rq.mr));
        for (unsigned i = 0; i < words && i < MM_REQUEST_WORDS; i++)
            L4_StoreMR((int) i + 1, &rq.mr[i]);
        rq.str = string_of(rq.tag);
        run(&rq);
        io_dispatch();
        retry_parked();
    }
}

/* ---------------------------------------------------------- lifetime */

void mm_fini(void)
{
    while (parked) {
        struct request *rq = parked;
        parked = rq->next;
        free((void *) rq->str.data);
        free(rq);
    }
    parked_tail = NULL;
    free(frames_taken);
    frames_taken = NULL;
    io_fini();
    spaces_fini();
    frames_fini();
    free(mm.slot_refs);
    memset(&mm, 0, sizeof(mm));
}

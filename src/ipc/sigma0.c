/*
 * sigma0: the pager at the root of every mapping, run by the kernel as an
 * ordinary L4 thread. It owns all simulated RAM and hands pages out with
 * the X.2 sigma0 protocol, idempotently: physical page p appears at
 * address p in the root task's window (the physical window). It also
 * resolves the root task's own page faults the same way.
 */
#include "kernel.h"
#include "memory.h"

#define MAP_ITEM 0x8UL /* type 100 in bits 1..3 */

static bool base_is_any(word_t fpage)
{
    unsigned s = fpage_size_log2(fpage);
    word_t low = s >= 64 ? ~0UL : (1UL << s) - 1;
    return (fpage | low | 0x3ffUL) == ~0UL;
}

/* The fpage sigma0 will map for a request, or 0 (the nil fpage) if none. */
static word_t answer(struct tcb *self, word_t requester, word_t fpage)
{
    struct tcb *t = tcb_lookup(self, requester);
    if (!t)
        return 0;
    unsigned s = fpage_size_log2(fpage);
    unsigned rights = fpage & 7 ? fpage & 7 : 7;
    word_t base = base_is_any(fpage) ? sigma0_find_free(s) : fpage_base(fpage);
    if (base == NO_FRAME)
        return 0;
    word_t wanted = base | ((word_t) s << 4);
    return sigma0_available(wanted, t->space) ? wanted | rights : 0;
}

static void reply_map(struct l4sim_utcb *u, word_t fpage)
{
    u->mr[0] = 2UL << 6; /* u = 0, t = 2 */
    u->mr[1] = (fpage_base(fpage) & ~0x3ffUL) | MAP_ITEM;
    u->mr[2] = fpage;
}

void sigma0_main(void *kip)
{
    (void) kip;
    struct tcb *self = current_tcb;
    struct l4sim_utcb *u = l4sim_utcb();
    word_t from = ID_NIL;
    word_t tag = l4sim_sys_ipc(ID_NIL, ID_ANY, 0, &from);
    for (;;) {
        if (tag & TAG_ERROR_FLAG) {
            tag = l4sim_sys_ipc(ID_NIL, ID_ANY, 0, &from);
            continue;
        }
        word_t label = tag >> 16;
        word_t fpage = 0;
        if (label == SIGMA0_LABEL && (tag & 0x3f) >= 1) {
            fpage = answer(self, from, u->mr[1]);
        } else if ((label & ~7UL) == PAGEFAULT_LABEL && (tag & 0x3f) >= 2) {
            struct tcb *t = tcb_lookup(self, from);
            if (t && t->space == kernel.root_space) /* only the root server is paged by sigma0 */
                fpage = answer(self, from, (u->mr[1] & ~0xfffUL) | (12UL << 4) | 7);
        }
        reply_map(u, fpage); /* the nil fpage says no */
        tag = l4sim_sys_ipc(from, ID_ANY, 0x0400UL << 16 /* send timeout zero */, &from);
    }
}

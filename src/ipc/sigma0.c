/*
 * sigma0: the pager at the root of every mapping, run by the kernel as an
 * ordinary L4 thread. Until simulated physical memory exists it answers
 * every request with the nil fpage, the X.2 way of saying "no such page".
 */
#include "kernel.h"

#define MAP_ITEM_WORD0 0x8UL /* map item, send base 0 */

void sigma0_main(void *kip)
{
    (void) kip;
    struct l4sim_utcb *u = l4sim_utcb();
    word_t from = ID_NIL;
    word_t tag = l4sim_sys_ipc(ID_NIL, ID_ANY, 0, &from);
    for (;;) {
        if (tag & TAG_ERROR_FLAG) {
            tag = l4sim_sys_ipc(ID_NIL, ID_ANY, 0, &from);
            continue;
        }
        /* Reply with one map item of the nil fpage: u = 0, t = 2. */
        u->mr[0] = 2UL << 6;
        u->mr[1] = MAP_ITEM_WORD0;
        u->mr[2] = 0;
        tag = l4sim_sys_ipc(from, ID_ANY, 0x0400UL << 16 /* send timeout zero */, &from);
    }
}

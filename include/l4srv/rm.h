/*
 * The region mapper of a task (seed 000, Sawmill dataspaces): one per
 * space, the pager of every other thread in it. Besides page faults it
 * answers these requests from its own task's threads; the encoding is in
 * docs/protocols.md.
 */
#ifndef L4SRV_RM_H
#define L4SRV_RM_H

#include <l4/types.h>
#include <l4srv/errors.h>

enum rm_label {
    RM_ATTACH = 0x5201, /* MR1 size, MR2 rights, MR3 flags -> MR1 address */
    RM_DETACH,          /* MR1 address (what attach returned) */
    RM_FIND,            /* MR1 address -> MR1 start, MR2 size, MR3 rights | kind << 8, MR4 offset */
    RM_PING,            /* -> ok */
};

/* RM_ATTACH flags. */
#define RM_ATTACH_GUARDED 1UL /* leave an unmapped guard page on both sides (stacks) */

/* What RM_FIND says a region is backed by. */
enum rm_region_kind {
    RM_REGION_ANON = 1, /* anonymous memory from the MM server */
    RM_REGION_IMAGE,    /* an ELF image: file pages, relocated, bss zeroed */
    RM_REGION_STACK,    /* a thread stack with guard pages */
};

#endif /* L4SRV_RM_H */

/*
 * Well-known thread IDs of the system servers. On a real X.2 system the
 * root task would hand these to its children; here they are fixed offsets
 * from the root task's thread number, read from the KIP at run time.
 */
#ifndef L4SRV_IDS_H
#define L4SRV_IDS_H

#include <l4/kip.h>
#include <l4/thread.h>

/* Thread numbers, counted from the root task's (UserBase + 2). */
enum l4srv_thread {
    L4SRV_MM = 1,    /* memory manager: protocol and pager */
    L4SRV_MM_IO = 2, /* its swap-I/O workers: L4SRV_MM_IO .. + L4SRV_MM_IO_COUNT - 1 */
    L4SRV_MM_IO_COUNT = 2,
    L4SRV_SWAP = 4,       /* backing store */
    L4SRV_TASK = 5,       /* task server */
    L4SRV_NAMING = 6,     /* name service and the file systems of the root task */
    L4SRV_NAMING_AUX = 7, /* spare threads for the name service: 7 .. 11 */
    L4SRV_LOG = 12,       /* log service */
    L4SRV_FIRST_FREE = 32 /* the first number the system leaves to applications */
};

static inline L4_Word_t l4srv_root_threadno(void)
{
    return L4_ThreadIdUserBase(L4_GetKernelInterface()) + 2;
}

/* The global ID (version 1) of a system thread. */
static inline L4_ThreadId_t l4srv_id(enum l4srv_thread which)
{
    return L4_GlobalId(l4srv_root_threadno() + (L4_Word_t) which, 1);
}

#endif /* L4SRV_IDS_H */

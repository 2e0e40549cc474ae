/*
 * Starting the memory servers as threads of the root task's space, and
 * releasing their state after the run (the kernel has killed the threads
 * by then, mid-loop, so their heap must be freed from outside).
 */
#include <stdio.h>

#include <l4/sigma0.h>
#include <l4srv/system.h>

#include "mmops.h"
#include "start.h"
#include "store.h"

bool mm_start(unsigned io_timeout_ms)
{
    mm.io_timeout_ms = io_timeout_ms ? io_timeout_ms : MM_DEFAULT_IO_TIMEOUT_MS;
    L4_ThreadId_t s0 = L4_Sigma0Id(L4_GetKernelInterface());
    if (!l4srv_spawn_local(l4srv_id(L4SRV_MM), mm_main, s0, L4SRV_STACK_SIZE))
        return false;
    for (unsigned i = 0; i < L4SRV_MM_IO_COUNT; i++)
        if (!l4srv_spawn_local(l4srv_id(L4SRV_MM_IO + i), io_worker_main, s0, L4SRV_STACK_SIZE))
            return false;
    struct mm_stats st;
    return mm_stats(&st) == L4SRV_OK && st.frames_total > 0;
}

L4_ThreadId_t swap_start(L4_Word_t slots)
{
    L4_ThreadId_t store = l4srv_id(L4SRV_SWAP);
    if (!store_open(slots)) {
        fprintf(stderr, "l4srv: cannot create the backing file in the temporary directory\n");
        return L4_nilthread;
    }
    if (!l4srv_spawn_local(store, store_main, L4_Sigma0Id(L4_GetKernelInterface()),
                           L4SRV_STACK_SIZE))
        return L4_nilthread;
    return store;
}

void swap_fini(void)
{
    store_close();
}

/*
 * The task service. For now it does what the seed's start-up needs of it:
 * start the backing store and register it with the MM server, then tell
 * the root task it is up. Tasks themselves come with the task-server issue.
 */
#include <stdio.h>

#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/thread.h>
#include <l4srv/ids.h>
#include <l4srv/mm.h>

#include "../mmserver/start.h"
#include "start.h"

#define TASK_READY 0x5400 /* task service -> root: started, with the store's state in MR1 */

static struct l4srv_options options;
static L4_ThreadId_t root_thread;

static int start_backing_store(void)
{
    if (options.no_swap) {
        L4_KDB_PrintString("task: no backing store (no_swap): pages cannot go out");
        return L4SRV_OK;
    }
    L4_Word_t slots = options.swap_slots;
    if (!slots) {
        struct mm_stats st;
        if (mm_stats(&st))
            return L4SRV_ERR_UNRESPONSIVE;
        slots = 4 * st.frames_total;
    }
    L4_KDB_PrintString("task: starting the backing store");
    L4_ThreadId_t store = swap_start(slots);
    if (L4_IsNilThread(store))
        return L4SRV_ERR_IO;
    L4_KDB_PrintString("task: registering the backing store with the MM server");
    return mm_register_backingstore(store);
}

static void task_main(void *kip)
{
    (void) kip;
    int error = start_backing_store();
    L4_LoadMR(0, (L4_Word_t) TASK_READY << 16 | 1);
    L4_LoadMR(1, (L4_Word_t) error);
    L4_Send(root_thread);
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            continue;
        L4_LoadMR(0, (L4_Word_t) L4SRV_ERR_INVALID_ARG << 16); /* no operations yet */
        L4_Reply(from);
    }
}

bool task_start(const struct l4srv_options *opt)
{
    options = *opt;
    root_thread = L4_Myself();
    L4_ThreadId_t task = l4srv_id(L4SRV_TASK);
    if (!l4srv_spawn_local(task, task_main, L4_Sigma0Id(L4_GetKernelInterface()), L4SRV_STACK_SIZE))
        return false;
    L4_MsgTag_t tag = L4_Receive(task);
    L4_Word_t error = L4SRV_ERR_IPC;
    if (L4_IpcSucceeded(tag) && L4_Label(tag) == TASK_READY)
        L4_StoreMR(1, &error);
    if (error)
        fprintf(stderr, "l4srv: the task service could not start the backing store: %s\n",
                l4srv_strerror((int) error));
    return error == L4SRV_OK;
}

void task_fini(void)
{
    swap_fini();
}

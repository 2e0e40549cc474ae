/*
 * Starting the root task's own services (the log service and the random
 * device) and how each registers itself in the namespace. The root waits
 * until every service has registered, so an application never finds a
 * half-built namespace; a service that fails to come up is reported, not
 * waited for forever.
 */
#include <stdio.h>

#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/message.h>
#include <l4/thread.h>
#include <l4srv/naming.h>

#include "root.h"

#define READY_LABEL 0x4e7f
#define READY_WAIT  L4_TimePeriod(10UL * 1000 * 1000)

int service_register(const char *dir_path, L4_Word_t type, const char *name,
                     L4_Word_t target_handle)
{
    struct naming_result dir;
    L4_Word_t handle;
    int err = naming_lookup(dir_path, &dir);
    if (!err)
        err = naming_mk_object(dir.server, dir.handle, type, name, &handle);
    if (!err)
        err = naming_register(dir.server, handle, L4_Myself(), target_handle);
    return err;
}

void service_ready(int ok)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, READY_LABEL);
    L4_MsgAppendWord(&msg, (L4_Word_t) ok);
    L4_MsgLoad(&msg);
    L4_Send(L4_GlobalId(l4srv_root_threadno(), 1));
}

/* Start fn as thread which and wait for its ready message. */
static int start_one(enum l4srv_thread which, void (*fn)(void *kip), const char *what)
{
    L4_ThreadId_t tid = l4srv_id(which);
    if (!l4srv_spawn_local(tid, fn, L4_Pager(), L4SRV_STACK_SIZE))
        return 0;
    L4_MsgTag_t tag = L4_Receive_Timeout(tid, READY_WAIT);
    L4_Word_t ok = 0;
    if (!L4_IpcFailed(tag) && L4_Label(tag) == READY_LABEL && L4_UntypedWords(tag) == 1)
        L4_StoreMR(1, &ok);
    if (!ok)
        fprintf(stderr, "l4srv: the %s did not come up\n", what);
    return ok != 0;
}

int services_start(uint64_t seed)
{
    random_device_seed(seed);
    if (!start_one(L4SRV_LOG, log_service, "log service"))
        return 0;
    L4_KDB_PrintString("root: log service registered as /services/log");
    if (!start_one(L4SRV_NAMING_AUX, random_device, "random device"))
        return 0;
    L4_KDB_PrintString("root: random device registered as /dev/random");
    return 1;
}

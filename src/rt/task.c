/*
 * The task server's client stubs of <l4srv/task.h> that images use, and
 * the runtime's fork, thread start and wait on top of them. New threads
 * and forked children start at _start, like the main thread; what they run
 * travels as an image offset, because a child's image lies elsewhere.
 */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4srv/ids.h>

#include "rt.h"

L4_ThreadId_t task_server(void)
{
    return l4srv_id(L4SRV_TASK);
}

int task_fork(L4_Word_t ip, L4_Word_t arg0, L4_Word_t arg1, L4_ThreadId_t *child,
              L4_ThreadId_t *child_thread)
{
    L4_Word_t w[3] = {ip, arg0, arg1}, r[2];
    int err = rt_call(task_server(), TASK_FORK, 3, w, 2, r);
    if (!err) {
        child->raw = r[0];
        child_thread->raw = r[1];
    }
    return err;
}

int task_start_thread(L4_ThreadId_t task, L4_Word_t ip, L4_Word_t sp, L4_Word_t arg0,
                      L4_Word_t arg1, L4_ThreadId_t *thread)
{
    L4_Word_t w[5] = {task.raw, ip, sp, arg0, arg1}, r[1];
    int err = rt_call(task_server(), TASK_START_THREAD, 5, w, 1, r);
    if (!err)
        thread->raw = r[0];
    return err;
}

int task_kill(L4_ThreadId_t thread_or_task)
{
    L4_Word_t w[1] = {thread_or_task.raw};
    return rt_call(task_server(), TASK_KILL, 1, w, 0, NULL);
}

int task_wait(L4_ThreadId_t task, L4_Word_t *state, L4_Word_t *status)
{
    L4_Word_t w[1] = {task.raw}, r[2];
    int err = rt_call_waiting(task_server(), TASK_WAIT, 1, w, 2, r);
    if (!err) {
        *state = r[0];
        *status = r[1];
    }
    return err;
}

int l4rt_fork(l4rt_fn fn, L4_Word_t arg, L4_ThreadId_t *child)
{
    /* What the parent printed so far goes out once, not once per task. */
    rt_console_flush();
    L4_ThreadId_t thread;
    return task_fork((L4_Word_t) _start, (L4_Word_t) fn - rt_image, arg, child, &thread);
}

int l4rt_thread_start(l4rt_fn fn, L4_Word_t arg, L4_ThreadId_t *thread)
{
    return task_start_thread(rt_taskid, (L4_Word_t) _start, 0, (L4_Word_t) fn - rt_image, arg,
                             thread);
}

long l4rt_wait(L4_ThreadId_t task, L4_Word_t *status)
{
    L4_Word_t state, st;
    int err = task_wait(task, &state, &st);
    if (err)
        return -err;
    if (status)
        *status = st;
    return (long) state;
}

int task_obj_getcmdline(L4_ThreadId_t server, char *buf, size_t cap)
{
    if (!cap)
        return L4SRV_ERR_INVALID_ARG;
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, TASK_OBJ_GETCMDLINE);
    L4_MsgLoad(&msg);
    L4_MsgBuffer_t rcv;
    L4_MsgBufferClear(&rcv);
    L4_MsgBufferAppendSimpleRcvString(&rcv, L4_StringItem((int) cap - 1, buf));
    L4_AcceptStrings(L4_StringItemsAcceptor, &rcv);
    L4_MsgTag_t tag = L4_Call_Timeouts(server, RT_CALL_TIMEOUT, RT_CALL_TIMEOUT);
    L4_Accept(L4_UntypedWordsAcceptor); /* rt_call expects no string buffer */
    L4_Word_t len = cap;
    if (L4_IpcFailed(tag))
        return L4SRV_ERR_IPC;
    if (L4_Label(tag))
        return L4_Label(tag) < L4SRV_ERR_COUNT ? (int) L4_Label(tag) : L4SRV_ERR_GENERIC;
    if (L4_UntypedWords(tag) >= 1)
        L4_StoreMR(1, &len);
    if (len >= cap)
        return L4SRV_ERR_GENERIC;
    buf[len] = 0;
    return 0;
}

int task_obj_tid_to_handle(L4_ThreadId_t server, L4_ThreadId_t tid, L4_Word_t *handle)
{
    return rt_call(server, TASK_OBJ_TID_TO_HANDLE, 1, &tid.raw, 1, handle);
}

int task_obj_state(L4_ThreadId_t server, L4_Word_t handle, L4_Word_t *state)
{
    return rt_call(server, TASK_OBJ_STATE, 1, &handle, 1, state);
}

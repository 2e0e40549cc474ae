/*
 * How an image's threads begin and end: rt_start reads the task_startup
 * block the task server put on the stack and runs main, a forked child's
 * function or a new thread's function; exit and thread exit ask the task
 * server to end them. Also the runtime's lock and its one IPC helper.
 */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4srv/errors.h>
#include <l4srv/ids.h>

#include "rt.h"

void *rt_kip;
L4_Word_t rt_image;
L4_ThreadId_t rt_taskid;

int main(int argc, char **argv);

/* Split the command line in place: words separated by spaces. */
static int split_cmdline(char *s, char **argv, int max)
{
    int argc = 0;
    while (*s) {
        while (*s == ' ')
            *s++ = 0;
        if (!*s)
            break;
        if (argc < max)
            argv[argc++] = s;
        while (*s && *s != ' ')
            s++;
    }
    argv[argc] = NULL;
    return argc;
}

_Noreturn void rt_start(void *kip, struct task_startup *startup)
{
    /* A new thread of this task finds these set already, to the same values. */
    if (rt_kip != kip)
        rt_kip = kip;
    if (rt_image != startup->image)
        rt_image = startup->image;
    if (rt_taskid.raw != startup->task)
        rt_taskid.raw = startup->task;
    /* Faults the region mapper cannot page (a wild pointer outside the
     * window) reach it as exceptions, and the task ends as crashed. */
    L4_Set_ExceptionHandler(L4_Pager());
    l4rt_fn fn = (l4rt_fn) (rt_image + startup->arg[0]);
    switch (startup->kind) {
    case TASK_STARTUP_MAIN: {
        char *argv[TASK_CMDLINE_MAX / 2 + 2];
        int argc = split_cmdline((char *) startup->cmdline, argv, TASK_CMDLINE_MAX / 2 + 1);
        exit(main(argc, argv));
    }
    case TASK_STARTUP_FORK:
        /* Alone in a copy of the parent: whoever held a lock there is not here. */
        rt_console_reset();
        rt_heap_reset();
        exit(fn(startup->arg[1]));
    case TASK_STARTUP_THREAD:
        fn(startup->arg[1]);
        l4rt_thread_exit();
    default:
        exit(127);
    }
}

_Noreturn void rt_halt(void)
{
    for (;;)
        L4_Sleep(L4_Never);
}

_Noreturn void exit(int status)
{
    rt_console_flush();
    L4_Word_t w[1] = {(L4_Word_t) status};
    rt_call(l4srv_id(L4SRV_TASK), TASK_EXIT, 1, w, 0, NULL);
    rt_halt(); /* the task server should have ended us */
}

_Noreturn void l4rt_thread_exit(void)
{
    rt_console_flush();
    L4_Word_t w[1] = {L4_Myself().raw};
    rt_call(l4srv_id(L4SRV_TASK), TASK_KILL, 1, w, 0, NULL);
    rt_halt();
}

L4_ThreadId_t l4rt_task(void)
{
    return rt_taskid;
}

L4_Word_t l4rt_image_base(void)
{
    return rt_image;
}

void rt_lock(struct rt_lock *l)
{
    while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
        L4_ThreadSwitch(L4_nilthread); /* let the holder run: it may share our CPU */
}

void rt_unlock(struct rt_lock *l)
{
    __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

static int call_timed(L4_ThreadId_t to, L4_Word_t label, unsigned u, const L4_Word_t *w,
                      unsigned want, L4_Word_t *out, L4_Time_t reply_timeout)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, label);
    for (unsigned i = 0; i < u; i++)
        L4_MsgAppendWord(&msg, w[i]);
    L4_MsgLoad(&msg);
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Call_Timeouts(to, RT_CALL_TIMEOUT, reply_timeout);
    if (L4_IpcFailed(tag))
        return l4srv_ipc_failure();
    L4_Word_t err = L4_Label(tag);
    if (err)
        return err < L4SRV_ERR_COUNT ? (int) err : L4SRV_ERR_GENERIC;
    if (L4_UntypedWords(tag) < want)
        return L4SRV_ERR_GENERIC;
    if (want)
        L4_StoreMRs(1, (int) want, out);
    return 0;
}

int rt_call(L4_ThreadId_t to, L4_Word_t label, unsigned u, const L4_Word_t *w, unsigned want,
            L4_Word_t *out)
{
    return call_timed(to, label, u, w, want, out, RT_CALL_TIMEOUT);
}

int rt_call_waiting(L4_ThreadId_t to, L4_Word_t label, unsigned u, const L4_Word_t *w,
                    unsigned want, L4_Word_t *out)
{
    return call_timed(to, label, u, w, want, out, L4_Never);
}

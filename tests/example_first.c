/*
 * The first example of the README, kept compiling and passing here: a root
 * task starts a server thread and calls it.
 */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/thread.h>
#include <l4sim/l4sim.h>
#include <stdio.h>

static char stack[64 * 1024];

static void server(void *kip) /* a thread's entry receives the KIP */
{
    (void) kip;
    L4_ThreadId_t client;
    L4_MsgTag_t tag = L4_Wait(&client);
    for (;;) {
        L4_Msg_t msg;
        L4_MsgStore(tag, &msg);
        L4_Word_t x = L4_MsgWord(&msg, 0);
        L4_MsgClear(&msg);
        L4_MsgAppendWord(&msg, x * 2);
        L4_MsgLoad(&msg);
        tag = L4_ReplyWait(client, &client);
    }
}

static int root(void *arg)
{
    (void) arg;
    void *kip = L4_GetKernelInterface();
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t srv = L4_GlobalId(L4_ThreadIdUserBase(kip) + 8, 1);
    L4_Word_t utcb = L4_MyLocalId().raw + L4_UtcbSize(kip);
    L4_ThreadControl(srv, me, me, me, (void *) utcb); /* create it, with me as pager */

    L4_Msg_t msg;
    L4_MsgClear(&msg); /* the start message: MR1 = IP, MR2 = SP */
    L4_MsgAppendWord(&msg, (L4_Word_t) server);
    L4_MsgAppendWord(&msg, (L4_Word_t) stack + sizeof(stack));
    L4_MsgLoad(&msg);
    L4_Send(srv);

    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, 21);
    L4_MsgLoad(&msg);
    L4_MsgTag_t tag = L4_Call(srv);
    L4_MsgStore(tag, &msg);
    return (int) L4_MsgWord(&msg, 0); /* 42 */
}

int main(void)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    int answer = l4sim_run(&cfg, root, NULL); /* boot, run root, tear down */
    printf("%d\n", answer);
    return answer == 42 ? 0 : 1;
}

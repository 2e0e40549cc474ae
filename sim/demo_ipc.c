/*
 * Demo "ipc": the root task starts a server thread and calls it. Shows the
 * start protocol, call and reply-and-wait, a receive that times out and a
 * string copied into the server's receive buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/thread.h>
#include <l4sim/l4sim.h>

#include "demo.h"

#define LABEL_ADD   0x1
#define LABEL_UPPER 0x2
#define LABEL_QUIT  0x3
#define STACK_SIZE  (64 * 1024)

static char server_buffer[64];

/* The server: wait for any request, answer it, and wait again. */
static void server(void *kip)
{
    (void) kip;
    L4_Accept(L4_StringItemsAcceptor);
    L4_StringItem_t buf = L4_StringItem(sizeof(server_buffer), server_buffer);
    L4_LoadBRs(1, 2, buf.raw);

    L4_ThreadId_t client;
    L4_MsgTag_t tag = L4_Wait(&client);
    for (;;) {
        L4_Msg_t msg;
        L4_MsgStore(tag, &msg);
        L4_Word_t label = L4_Label(tag);
        L4_MsgClear(&msg);
        if (label == LABEL_ADD) {
            L4_Word_t a = L4_MsgWord(&msg, 0), b = L4_MsgWord(&msg, 1);
            L4_MsgClear(&msg);
            L4_MsgAppendWord(&msg, a + b);
        } else if (label == LABEL_UPPER) {
            for (char *c = server_buffer; *c; c++)
                if (*c >= 'a' && *c <= 'z')
                    *c -= 'a' - 'A';
            L4_MsgAppendWord(&msg, strlen(server_buffer));
        } else if (label == LABEL_QUIT) {
            L4_MsgLoad(&msg);
            L4_Reply(client);
            return; /* the thread halts when its function returns */
        }
        L4_MsgLoad(&msg);
        L4_LoadBRs(1, 2, buf.raw); /* the kernel rewrote nothing here, but be explicit */
        tag = L4_ReplyWait(client, &client);
    }
}

/* A client that never waits forever: a lost message or a dead server costs a timeout. */
#define SEND_TIMEOUT L4_TimePeriod(1000 * 1000)
#define RECV_TIMEOUT L4_TimePeriod(1000 * 1000)

struct demo_state {
    void *stack;
    L4_ThreadId_t server;
    enum demo_outcome outcome;
};

/* An IPC that failed is reported and the demo carries on: that is recovery. */
static bool failed_ipc(struct demo_state *st, L4_MsgTag_t tag, const char *what)
{
    if (!L4_IpcFailed(tag))
        return false;
    printf("    -> %s failed: %s; the client reports it and carries on\n", what,
           L4_IpcErrorCode_String(L4_ErrorCode()));
    demo_recovered(&st->outcome);
    return true;
}

static void wrong_result(struct demo_state *st, const char *what)
{
    printf("    -> WRONG RESULT: %s\n", what);
    st->outcome = DEMO_FAILED;
}

static L4_ThreadId_t start_server(struct demo_state *st)
{
    void *kip = L4_GetKernelInterface();
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t srv = L4_GlobalId(L4_ThreadIdUserBase(kip) + 8, 1);
    L4_Word_t utcb = L4_MyLocalId().raw + L4_UtcbSize(kip);
    narrate("The root task creates thread %lu.%lu in its own space with ThreadControl.\n"
            "    Its pager is the root task, so it waits for a start message from it.",
            L4_ThreadNo(srv), L4_Version(srv));
    if (!L4_ThreadControl(srv, me, me, me, (void *) utcb)) {
        fprintf(stderr, "ThreadControl failed: %s\n", L4_ErrorCode_String(L4_ErrorCode()));
        return L4_nilthread;
    }
    st->stack = malloc(STACK_SIZE);
    narrate("The root task sends the start message: MR1 = instruction pointer, MR2 = stack.");
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, (L4_Word_t) server);
    L4_MsgAppendWord(&msg, (L4_Word_t) st->stack + STACK_SIZE);
    L4_MsgLoad(&msg);
    failed_ipc(st, L4_Send_Timeout(srv, SEND_TIMEOUT), "the start message");
    return srv;
}

static int demo_root(void *arg)
{
    struct demo_state *st = arg;
    narrate("The kernel booted sigma0 (thread %lu) and the root task (thread %lu), which runs "
            "this demo.",
            L4_ThreadIdUserBase(L4_GetKernelInterface()),
            L4_ThreadIdUserBase(L4_GetKernelInterface()) + 2);
    st->server = start_server(st);
    if (L4_IsNilThread(st->server))
        return DEMO_FAILED;

    narrate("Call: the client sends label ADD with 2 and 3 and blocks for the reply.\n"
            "    The server was waiting, so the kernel copies the words straight across.");
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, LABEL_ADD);
    L4_MsgAppendWord(&msg, 2);
    L4_MsgAppendWord(&msg, 3);
    L4_MsgLoad(&msg);
    L4_MsgTag_t tag = L4_Call_Timeouts(st->server, SEND_TIMEOUT, RECV_TIMEOUT);
    if (!failed_ipc(st, tag, "the call")) {
        L4_MsgStore(tag, &msg);
        if (L4_UntypedWords(tag) != 1 || L4_MsgWord(&msg, 0) != 5)
            wrong_result(st, "2 + 3 is not 5");
        else
            printf("    -> reply: 2 + 3 = %lu\n", L4_MsgWord(&msg, 0));
    }

    narrate("String item: the client sends \"hello, microkernel\" as a string; the kernel\n"
            "    copies it into the buffer the server named in its buffer registers.");
    static char text[] = "hello, microkernel";
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, LABEL_UPPER);
    L4_StringItem_t s = L4_StringItem(sizeof(text), text);
    L4_MsgAppendSimpleStringItem(&msg, s);
    L4_MsgLoad(&msg);
    tag = L4_Call_Timeouts(st->server, SEND_TIMEOUT, RECV_TIMEOUT);
    if (!failed_ipc(st, tag, "the string call")) {
        L4_MsgStore(tag, &msg);
        if (L4_MsgWord(&msg, 0) != strlen(text) || strcmp(server_buffer, "HELLO, MICROKERNEL"))
            wrong_result(st, "the server did not get the whole string");
        else
            printf("    -> the server now holds \"%s\"\n", server_buffer);
    }

    narrate("Timeout: the client waits 20 ms for a message from sigma0, which never sends.");
    L4_ThreadId_t sigma0 = L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1);
    tag = L4_Receive_Timeout(sigma0, L4_TimePeriod(20000));
    printf("    -> the receive failed: %s\n", L4_IpcErrorCode_String(L4_ErrorCode()));
    if (!L4_IpcFailed(tag) || (L4_ErrorCode() & 0xe) != 2)
        wrong_result(st, "the receive from sigma0 did not time out");

    narrate("The client tells the server to quit; its function returns and it halts.");
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, LABEL_QUIT);
    L4_MsgLoad(&msg);
    failed_ipc(st, L4_Call_Timeouts(st->server, SEND_TIMEOUT, RECV_TIMEOUT), "the quit call");
    return (int) st->outcome;
}

static int run(const struct demo_options *opt, struct demo_result *res)
{
    struct l4sim_config cfg;
    demo_begin(opt, &cfg,
               "l4sim demo ipc: a client calls a server through the emulated L4 kernel.");
    struct demo_state st = {0};
    memset(server_buffer, 0, sizeof(server_buffer));
    int rc = demo_run_kernel(&cfg, demo_root, &st);
    free(st.stack);
    narrate("Shutdown: every thread, space and allocation of the run is gone.");
    return demo_finish("ipc", &cfg, rc, res);
}

const struct demo demo_ipc = {
    .name = "ipc",
    .summary = "boot, start a server, call/reply, a string copy, a timeout",
    .run = run,
};

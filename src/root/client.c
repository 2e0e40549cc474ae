/*
 * One request and its reply, for every client stub of the root task's
 * servers. It never interprets a reply beyond its shape, and it leaves the
 * caller's receive buffers (BR0..BR2) as it found them.
 */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/thread.h>
#include <l4srv/call.h>
#include <l4srv/errors.h>

#include "client.h"

static _Atomic unsigned call_timeout_ms = L4SRV_CALL_TIMEOUT_MS;

unsigned l4srv_set_call_timeout(unsigned ms)
{
    return __atomic_exchange_n(&call_timeout_ms, ms, __ATOMIC_RELAXED);
}

unsigned l4srv_call_timeout_ms(void)
{
    return __atomic_load_n(&call_timeout_ms, __ATOMIC_RELAXED);
}

static void load_request(const struct client_msg *rq)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, rq->label);
    for (unsigned i = 0; i < rq->u; i++)
        L4_MsgAppendWord(&msg, rq->w[i]);
    if (rq->str)
        L4_MsgAppendSimpleStringItem(&msg, L4_StringItem((int) rq->len, (void *) rq->str));
    L4_MsgLoad(&msg);
}

static void accept_reply(void *rbuf, size_t rcap)
{
    if (!rbuf) {
        L4_Accept(L4_UntypedWordsAcceptor);
        return;
    }
    L4_MsgBuffer_t b;
    L4_MsgBufferClear(&b);
    L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem((int) rcap, rbuf));
    L4_AcceptStrings(L4_StringItemsAcceptor, &b);
}

/* The reply's words and string; a reply of the wrong shape is a generic error. */
static int store_reply(L4_MsgTag_t tag, struct client_msg *rp, void *rbuf, size_t rcap)
{
    rp->label = L4_Label(tag);
    rp->u = (unsigned) L4_UntypedWords(tag);
    rp->str = NULL;
    rp->len = 0;
    if (rp->u > CLIENT_MAX_WORDS)
        return L4SRV_ERR_GENERIC;
    L4_StoreMRs(1, (int) rp->u, rp->w);
    if (L4_TypedWords(tag) == 2 && rbuf) {
        L4_StringItem_t s;
        L4_StoreMRs((int) rp->u + 1, 2, s.raw);
        if (!L4_IsStringItem(&s) || s.X.string_length > rcap)
            return L4SRV_ERR_GENERIC;
        rp->str = rbuf;
        rp->len = s.X.string_length;
    } else if (L4_TypedWords(tag) != 0) {
        return L4SRV_ERR_GENERIC;
    }
    if (rp->label >= L4SRV_ERR_COUNT)
        return L4SRV_ERR_GENERIC;
    return (int) rp->label;
}

int client_call(L4_ThreadId_t server, const struct client_msg *rq, struct client_msg *rp,
                void *rbuf, size_t rcap)
{
    /* A single-threaded server calling itself would wait for ever. */
    if (L4_IsThreadEqual(server, L4_Myself()))
        return L4SRV_ERR_INVALID_ARG;
    L4_Word_t saved[3];
    L4_StoreBRs(0, 3, saved);
    accept_reply(rbuf, rcap);
    load_request(rq);
    L4_Time_t timeout = l4srv_call_timeout();
    L4_MsgTag_t tag = L4_Call_Timeouts(server, timeout, rq->reply_may_wait ? L4_Never : timeout);
    int err = L4_IpcFailed(tag) ? l4srv_ipc_failure() : store_reply(tag, rp, rbuf, rcap);
    L4_LoadBRs(0, 3, saved);
    return err;
}

size_t client_strlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n])
        n++;
    return n;
}

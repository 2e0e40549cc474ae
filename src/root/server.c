/*
 * Receiving and answering requests for the root task's servers. It checks
 * only the shape of a message; what the words mean is each server's job.
 * It must never block on a client: replies use a zero send timeout.
 */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/thread.h>

#include "server.h"

void srv_receive(struct srv_req *rq, void *buf, size_t cap)
{
    L4_MsgTag_t tag;
    do {
        L4_MsgBuffer_t b;
        L4_MsgBufferClear(&b);
        L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem((int) cap, buf));
        L4_AcceptStrings(L4_StringItemsAcceptor, &b);
        tag = L4_Wait(&rq->from);
    } while (L4_IpcFailed(tag)); /* a sender's failed string copy, say: nothing to answer */

    rq->client = L4_IsLocalId(rq->from) ? L4_GlobalIdOf(rq->from) : rq->from;
    rq->label = L4_Label(tag);
    rq->u = (unsigned) L4_UntypedWords(tag);
    rq->t = (unsigned) L4_TypedWords(tag);
    L4_StoreMRs(1, rq->u < SRV_MAX_WORDS ? (int) rq->u : SRV_MAX_WORDS, rq->w);

    /* One simple string: header with no substring count and no continuation. */
    rq->has_str = 0;
    rq->len = 0;
    if (rq->t == 2) {
        L4_StringItem_t s;
        L4_StoreMRs((int) rq->u + 1, 2, s.raw);
        if (L4_IsStringItem(&s) && !L4_CompoundString(&s) && L4_Substrings(&s) == 1 &&
            s.X.str.string_ptr == buf && s.X.string_length <= cap) {
            rq->has_str = 1;
            rq->len = s.X.string_length;
        }
    }
}

int srv_shape(const struct srv_req *rq, unsigned u, int want_str)
{
    if (rq->u != u)
        return 0;
    return want_str ? rq->t == 2 && rq->has_str : rq->t == 0;
}

int srv_reply(const struct srv_req *rq, L4_Word_t label, unsigned n, const L4_Word_t *w,
              const void *str, size_t len)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, label);
    for (unsigned i = 0; i < n; i++)
        L4_MsgAppendWord(&msg, w[i]);
    if (str)
        L4_MsgAppendSimpleStringItem(&msg, L4_StringItem((int) len, (void *) str));
    L4_MsgLoad(&msg);
    return !L4_IpcFailed(L4_Reply(rq->from));
}

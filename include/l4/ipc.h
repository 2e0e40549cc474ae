/*
 * X.2 IPC: the Ipc and Lipc system calls, the send/receive/call shapes
 * built from them, the tag's result flags and the decoding of IPC errors.
 */
#ifndef L4_IPC_H
#define L4_IPC_H

#include <l4sim/abi.h>
#include <l4/types.h>
#include <l4/message.h>
#include <l4/thread.h>

/* Result flags the kernel sets in the received tag. */
L4_INLINE L4_Bool_t L4_IpcSucceeded(L4_MsgTag_t t)
{
    return (t.X.flags & 0x8) == 0;
}

L4_INLINE L4_Bool_t L4_IpcFailed(L4_MsgTag_t t)
{
    return (t.X.flags & 0x8) != 0;
}

L4_INLINE L4_Bool_t L4_IpcPropagated(L4_MsgTag_t t)
{
    return (t.X.flags & 0x1) != 0;
}

L4_INLINE L4_Bool_t L4_IpcRedirected(L4_MsgTag_t t)
{
    return (t.X.flags & 0x2) != 0;
}

L4_INLINE L4_Bool_t L4_IpcXcpu(L4_MsgTag_t t)
{
    return (t.X.flags & 0x4) != 0;
}

/* Asks the kernel to deliver the message as if sent by the VirtualSender TCR. */
L4_INLINE void L4_Set_Propagation(L4_MsgTag_t *t)
{
    t->X.flags = 1;
}

/* Both timeouts in one word: send in the upper, receive in the lower 16 bits. */
L4_INLINE L4_Word_t L4_Timeouts(L4_Time_t SndTimeout, L4_Time_t RcvTimeout)
{
    return ((L4_Word_t) SndTimeout.raw << 16) | RcvTimeout.raw;
}

/*
 * IPC error codes, as found in L4_ErrorCode() after L4_IpcFailed(tag).
 * Pistachio does not name them; the encoding is X.2's:
 *   bit 0      phase that failed: 0 send, 1 receive (L4_IpcErrReceivePhase)
 *   bits 1..3  error type, one of L4_IpcErr* below
 *   bits 4..   for message overflow, transfer timeouts and aborts: the
 *              number of bytes of string data transferred before the error
 */
#define L4_IpcErrReceivePhase       (1)
#define L4_IpcErrTimeout            (1)
#define L4_IpcErrNonExistingPartner (2)
#define L4_IpcErrCanceled           (3)
#define L4_IpcErrMsgOverflow        (4)
#define L4_IpcErrXferTimeoutInvoker (5)
#define L4_IpcErrXferTimeoutPartner (6)
#define L4_IpcErrAborted            (7)

L4_INLINE L4_Word_t L4_IpcErrorType(L4_Word_t err)
{
    return (err >> 1) & 7;
}

L4_INLINE L4_Bool_t L4_IpcErrorInReceivePhase(L4_Word_t err)
{
    return (err & L4_IpcErrReceivePhase) != 0;
}

L4_INLINE L4_Word_t L4_IpcErrorOffset(L4_Word_t err)
{
    return err >> 4;
}

/* The inverse of the three decoders above; meant for the kernel and for tests. */
L4_INLINE L4_Word_t L4_IpcErrorEncode(L4_Bool_t receive_phase, L4_Word_t type, L4_Word_t offset)
{
    return (offset << 4) | ((type & 7) << 1) | (receive_phase ? 1 : 0);
}

L4_INLINE const char *L4_IpcErrorCode_String(L4_Word_t err)
{
    static const char *const names[16] = {
        "no send error",
        "no receive error",
        "send timeout",
        "receive timeout",
        "send to non-existing thread",
        "receive from non-existing thread",
        "send canceled",
        "receive canceled",
        "message overflow in send",
        "message overflow in receive",
        "send transfer timeout (invoker's pagefault)",
        "receive transfer timeout (invoker's pagefault)",
        "send transfer timeout (partner's pagefault)",
        "receive transfer timeout (partner's pagefault)",
        "send aborted",
        "receive aborted",
    };
    return names[err & 0xf];
}

/*
 * The system calls. `from` receives the partner's ID only when a receive
 * phase was requested; it may be null. The kernel has already placed the
 * returned tag in MR0.
 */
L4_INLINE L4_MsgTag_t L4_Ipc(L4_ThreadId_t to, L4_ThreadId_t FromSpecifier, L4_Word_t Timeouts,
                             L4_ThreadId_t *from)
{
    L4_MsgTag_t tag;
    L4_Word_t partner = 0;
    tag.raw = l4sim_sys_ipc(to.raw, FromSpecifier.raw, Timeouts, &partner);
    if (from && !L4_IsNilThread(FromSpecifier))
        from->raw = partner;
    return tag;
}

/* Ipc for partners in the caller's own address space, addressed by local IDs. */
L4_INLINE L4_MsgTag_t L4_Lipc(L4_ThreadId_t to, L4_ThreadId_t FromSpecifier, L4_Word_t Timeouts,
                              L4_ThreadId_t *from)
{
    L4_MsgTag_t tag;
    L4_Word_t partner = 0;
    tag.raw = l4sim_sys_lipc(to.raw, FromSpecifier.raw, Timeouts, &partner);
    if (from && !L4_IsNilThread(FromSpecifier))
        from->raw = partner;
    return tag;
}

/*
 * Derived forms. A nil `to` skips the send phase, a nil from-specifier the
 * receive phase. Replies use a zero send timeout so a server never blocks
 * on a client that stopped waiting.
 */
L4_INLINE L4_MsgTag_t L4_Call_Timeouts(L4_ThreadId_t to, L4_Time_t SndTimeout, L4_Time_t RcvTimeout)
{
    return L4_Ipc(to, to, L4_Timeouts(SndTimeout, RcvTimeout), (L4_ThreadId_t *) 0);
}

L4_INLINE L4_MsgTag_t L4_Call(L4_ThreadId_t to)
{
    return L4_Call_Timeouts(to, L4_Never, L4_Never);
}

L4_INLINE L4_MsgTag_t L4_Send_Timeout(L4_ThreadId_t to, L4_Time_t SndTimeout)
{
    return L4_Ipc(to, L4_nilthread, L4_Timeouts(SndTimeout, L4_Never), (L4_ThreadId_t *) 0);
}

L4_INLINE L4_MsgTag_t L4_Send(L4_ThreadId_t to)
{
    return L4_Send_Timeout(to, L4_Never);
}

L4_INLINE L4_MsgTag_t L4_Reply(L4_ThreadId_t to)
{
    return L4_Send_Timeout(to, L4_ZeroTime);
}

L4_INLINE L4_MsgTag_t L4_Receive_Timeout(L4_ThreadId_t from, L4_Time_t RcvTimeout)
{
    return L4_Ipc(L4_nilthread, from, L4_Timeouts(L4_Never, RcvTimeout), (L4_ThreadId_t *) 0);
}

L4_INLINE L4_MsgTag_t L4_Receive(L4_ThreadId_t from)
{
    return L4_Receive_Timeout(from, L4_Never);
}

L4_INLINE L4_MsgTag_t L4_Wait_Timeout(L4_Time_t RcvTimeout, L4_ThreadId_t *from)
{
    return L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, RcvTimeout), from);
}

L4_INLINE L4_MsgTag_t L4_Wait(L4_ThreadId_t *from)
{
    return L4_Wait_Timeout(L4_Never, from);
}

L4_INLINE L4_MsgTag_t L4_ReplyWait_Timeout(L4_ThreadId_t to, L4_Time_t RcvTimeout,
                                           L4_ThreadId_t *from)
{
    return L4_Ipc(to, L4_anythread, L4_Timeouts(L4_ZeroTime, RcvTimeout), from);
}

L4_INLINE L4_MsgTag_t L4_ReplyWait(L4_ThreadId_t to, L4_ThreadId_t *from)
{
    return L4_ReplyWait_Timeout(to, L4_Never, from);
}

/*
 * Nobody sends to a thread that is receiving from itself, so this blocks
 * for exactly the timeout; the IPC then fails with a receive timeout, which
 * is the expected outcome. MR0 is overwritten.
 */
L4_INLINE void L4_Sleep(L4_Time_t t)
{
    L4_Receive_Timeout(L4_MyGlobalId(), t);
}

L4_INLINE L4_MsgTag_t L4_Lcall(L4_ThreadId_t to)
{
    return L4_Lipc(to, to, L4_Timeouts(L4_Never, L4_Never), (L4_ThreadId_t *) 0);
}

L4_INLINE L4_MsgTag_t L4_LreplyWait(L4_ThreadId_t to, L4_ThreadId_t *from)
{
    return L4_Lipc(to, L4_anylocalthread, L4_Timeouts(L4_ZeroTime, L4_Never), from);
}

#ifdef __cplusplus
static inline L4_MsgTag_t L4_Call(L4_ThreadId_t to, L4_Time_t SndTimeout, L4_Time_t RcvTimeout)
{
    return L4_Call_Timeouts(to, SndTimeout, RcvTimeout);
}

static inline L4_MsgTag_t L4_Send(L4_ThreadId_t to, L4_Time_t SndTimeout)
{
    return L4_Send_Timeout(to, SndTimeout);
}

static inline L4_MsgTag_t L4_Receive(L4_ThreadId_t from, L4_Time_t RcvTimeout)
{
    return L4_Receive_Timeout(from, RcvTimeout);
}

static inline L4_MsgTag_t L4_Wait(L4_Time_t RcvTimeout, L4_ThreadId_t *from)
{
    return L4_Wait_Timeout(RcvTimeout, from);
}

static inline L4_MsgTag_t L4_ReplyWait(L4_ThreadId_t to, L4_Time_t RcvTimeout, L4_ThreadId_t *from)
{
    return L4_ReplyWait_Timeout(to, RcvTimeout, from);
}
#endif /* __cplusplus */

#endif /* L4_IPC_H */

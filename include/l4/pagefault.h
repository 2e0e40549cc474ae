/*
 * The X.2 page-fault protocol: the message the kernel sends to a faulting
 * thread's pager on its behalf, and the map item the pager answers with.
 */
#ifndef L4_PAGEFAULT_H
#define L4_PAGEFAULT_H

#include <l4sim/abi.h>
#include <l4/types.h>
#include <l4/message.h>

/*
 * Request: label (-2 << 4) | 0rwx, the access that faulted; MR1 the fault
 * address, MR2 the faulting instruction pointer; u = 2, t = 0. The reply
 * carries one map (or grant) item and no untyped words; the faulting thread
 * resumes once it arrives, whether or not it maps anything.
 */
#define L4_PAGEFAULT_LABEL 0xffffffffffe0UL /* (-2 << 4) cut to the 48-bit label */

typedef union {
    L4_Word_t raw[3];
    struct {
        L4_Word_t u : 6;
        L4_Word_t t : 6;
        L4_Word_t __zero : 4;
        L4_Word_t wrx : 4; /* Pistachio's name; the bits are 0rwx */
        L4_Word_t __padding : 44;
        L4_Word_t fault_address;
        L4_Word_t fault_ip;
    } X;
} L4_PfRequest_t;

typedef union {
    L4_Word_t raw[3];
    struct {
        L4_Word_t u : 6;
        L4_Word_t t : 6;
        L4_Word_t __zero : 4;
        L4_Word_t __padding : 48;
        L4_MapItem_t MapItem;
    } X;
} L4_PfReply_t;

L4SIM_API_STATIC_ASSERT(sizeof(L4_PfRequest_t) == 24, "page-fault request is MR0..MR2");
L4SIM_API_STATIC_ASSERT(sizeof(L4_PfReply_t) == 24, "page-fault reply is MR0..MR2");

/* The tag of a page fault for an access with rights rwx. */
L4_INLINE L4_MsgTag_t L4_PagefaultTag(L4_Word_t rwx)
{
    L4_MsgTag_t tag;
    tag.raw = ((L4_PAGEFAULT_LABEL | (rwx & 7)) << 16) | (0UL << 6) | 2;
    return tag;
}

/* Matches on the label's protocol part only, whatever access faulted. */
L4_INLINE L4_Bool_t L4_IsPagefaultTag(L4_MsgTag_t t)
{
    return L4_MsgTagProtocol(t) == L4_PROTOCOL_PAGEFAULT;
}

/* The access that faulted, in L4_Readable/L4_Writable/L4_eXecutable bits. */
L4_INLINE L4_Word_t L4_PagefaultAccess(L4_MsgTag_t t)
{
    return t.X.label & 7;
}

L4_INLINE L4_Word_t L4_PagefaultAddress(const L4_Msg_t *msg)
{
    return msg->msg[1];
}

L4_INLINE L4_Word_t L4_PagefaultIp(const L4_Msg_t *msg)
{
    return msg->msg[2];
}

#endif /* L4_PAGEFAULT_H */

/*
 * The sigma0 protocol: how a root task asks sigma0, the owner of all
 * physical memory at boot, to map it pages (specific ones or any free one).
 */
#ifndef L4_SIGMA0_H
#define L4_SIGMA0_H

#include <l4sim/abi.h>
#include <l4/types.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/ipc.h>
#include <l4/thread.h>

/*
 * Request: label (-6 << 4), u = 2, t = 0; MR1 the wanted fpage (base all
 * ones = any free page of that size; its rights are the rights wanted),
 * MR2 a memory attribute (0 = default). Reply: one map item, whose fpage
 * is nil if sigma0 refused.
 */
#define L4_SIGMA0_LABEL 0xffffffffffa0UL /* (-6 << 4) cut to the 48-bit label */

/* Sigma0 is the first user thread, version 1. */
L4_INLINE L4_ThreadId_t L4_Sigma0Id(void *KernelInterface)
{
    return L4_GlobalId(L4_ThreadIdUserBase(KernelInterface), 1);
}

L4_INLINE L4_Bool_t L4_IsSigma0RequestTag(L4_MsgTag_t t)
{
    return L4_MsgTagProtocol(t) == L4_PROTOCOL_SIGMA0;
}

/*
 * Asks for fpage f, to be mapped into RcvWindow. s0 may be nilthread, then
 * sigma0's ID is taken from the KIP. Returns the fpage sigma0 mapped, or
 * nilpage if the IPC failed or no map item came back. Clobbers MR0..MR2
 * and BR0.
 */
L4_INLINE L4_Fpage_t L4_Sigma0_GetPage_RcvWindow(L4_ThreadId_t s0, L4_Fpage_t f,
                                                 L4_Fpage_t RcvWindow)
{
    L4_Msg_t msg;
    L4_MsgTag_t tag;
    if (L4_IsNilThread(s0))
        s0 = L4_Sigma0Id(L4_GetKernelInterface());
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, f.raw);
    L4_MsgAppendWord(&msg, 0);
    L4_Set_MsgLabel(&msg, L4_SIGMA0_LABEL);
    L4_MsgLoad(&msg);
    L4_Accept(L4_MapGrantItems(RcvWindow));
    tag = L4_Call(s0);
    if (L4_IpcFailed(tag) || L4_TypedWords(tag) < 2)
        return L4_Nilpage;
    L4_StoreMR(2, &f.raw);
    return f;
}

L4_INLINE L4_Fpage_t L4_Sigma0_GetPage(L4_ThreadId_t s0, L4_Fpage_t f)
{
    return L4_Sigma0_GetPage_RcvWindow(s0, f, L4_CompleteAddressSpace);
}

/* Any free 2^s byte page. */
L4_INLINE L4_Fpage_t L4_Sigma0_GetAny(L4_ThreadId_t s0, L4_Word_t s, L4_Fpage_t RcvWindow)
{
    return L4_Sigma0_GetPage_RcvWindow(s0, L4_FpageLog2(~0UL, (int) s), RcvWindow);
}

/*
 * Maps all of the first memory region of the given KIP memory type, read-
 * write in pagesize pieces, at address (or idempotently if address is
 * null). Returns where it went, or null if there is no such region or the
 * caller is sigma0 itself. Stops quietly at the first refused page.
 */
L4_INLINE void *L4_Sigma0_GetSpecial(L4_Word_t type, void *address, L4_Word_t pagesize)
{
    void *kip = L4_GetKernelInterface();
    L4_ThreadId_t sigma0 = L4_Sigma0Id(kip);
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
        L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
        L4_Word_t from, to, dest;
        if (L4_MemoryDescType(d) != type)
            continue;
        from = L4_MemoryDescLow(d);
        to = L4_MemoryDescHigh(d) + 1;
        if (address == (void *) 0)
            address = (void *) from;
        if (L4_IsThreadEqual(L4_Myself(), sigma0))
            return (void *) 0;
        for (dest = (L4_Word_t) address; from < to; from += pagesize, dest += pagesize) {
            L4_Fpage_t want = L4_Fpage(from, pagesize);
            L4_Set_Rights(&want, L4_ReadWriteOnly);
            if (L4_IsNilFpage(L4_Sigma0_GetPage_RcvWindow(sigma0, want, L4_Fpage(dest, pagesize))))
                break;
        }
        return address;
    }
    return (void *) 0;
}

#endif /* L4_SIGMA0_H */

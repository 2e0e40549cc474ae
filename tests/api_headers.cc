/*
 * Every <l4/...> header must compile as C++11 with all warnings as errors,
 * and Pistachio's C++ conveniences (operators, overloads) must resolve
 * without ambiguity. Overloads that enter the kernel are only linked.
 */
#include <l4/types.h>
#include <l4/kip.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/thread.h>
#include <l4/space.h>
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include <l4/pagefault.h>
#include <l4/misc.h>

#include <cstdio>

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

// Never run: resolves and links the overloads that would enter the kernel.
static void link_kernel_overloads()
{
    L4_ThreadId_t t = L4_nilthread, from;
    L4_Word_t sp, ip, flags;
    L4_Fpage_t pages[1] = {L4_Nilpage};
    L4_Msg_t msg;
    L4_MsgBuffer_t buf;
    L4_MsgTag_t tag;

    tag = L4_Call(t, L4_Never, L4_ZeroTime);
    tag = L4_Send(t, L4_ZeroTime);
    tag = L4_Receive(t, L4_TimePeriod(1000));
    tag = L4_Wait(L4_Never, &from);
    tag = L4_ReplyWait(t, L4_Never, &from);
    L4_GlobalId(t);
    L4_LocalId(t);
    L4_Set_Pager(t, L4_Pager(t));
    L4_Set_UserDefinedHandle(t, L4_UserDefinedHandle(t));
    L4_Start(t, 0, 0);
    L4_Start(t, 0, 0, 0);
    L4_Stop(t, &sp, &ip, &flags);
    L4_AbortReceive_and_stop(t, &sp, &ip, &flags);
    L4_AbortSend_and_stop(t, &sp, &ip, &flags);
    L4_AbortIpc_and_stop(t, &sp, &ip, &flags);
    L4_Unmap(L4_Nilpage);
    L4_Unmap(1, pages);
    L4_Flush(1, pages);
    void *kip = L4_KernelInterface();
    L4_MemoryDesc_t *md = L4_MemoryDesc(kip, 0);
    L4_Type(md);
    L4_Low(md);
    L4_High(md);
    L4_IsVirtual(md);
    L4_ProcDesc_t *pd = L4_ProcDesc(kip, 0);
    L4_ExternalFreq(pd);
    L4_InternalFreq(pd);
    L4_Clear(&msg);
    L4_Load(&msg);
    L4_Store(tag, &msg);
    L4_Clear(&buf);
    L4_Accept(L4_StringItemsAcceptor, &buf);
}

int main(int argc, char **)
{
    if (argc > 0x4c34)
        link_kernel_overloads();

    // Thread IDs and fpages.
    L4_ThreadId_t a = L4_GlobalId(7, 1), b = L4_GlobalId(7, 2);
    CHECK(a == a && a != b && !(a == L4_nilthread));
    L4_Fpage_t f = L4_FpageLog2(0x40000, 14);
    L4_Fpage_t rw = f + L4_ReadWriteOnly;
    CHECK(L4_Rights(rw) == L4_ReadWriteOnly && L4_Rights(f) == L4_NoAccess);
    CHECK(L4_Rights(rw - L4_Writable) == L4_Readable);
    f += L4_eXecutable;
    f -= L4_eXecutable;
    CHECK(f == L4_FpageLog2(0x40000, 14) && f != rw);

    // Clock and time.
    L4_Clock_t c = {1000};
    CHECK((c + 5).raw == 1005 && (c - 5UL).raw == 995 && (c + c).raw == 2000);
    CHECK(c < c + 1 && c + 1 > c && c <= c && c >= c && c == c && c != c + 1);
    CHECK(L4_TimePeriod(1024) == L4_TimePeriod(1025) && L4_TimePeriod(10) < L4_Never);
    CHECK(L4_Never > L4_TimePeriod(1000000) && L4_ZeroTime != L4_Never);

    // Tags.
    L4_MsgTag_t tag = L4_Niltag + 0x42;
    CHECK(L4_Label(tag) == 0x42 && tag == L4_MsgTagAddLabel(L4_Niltag, 0x42));
    tag += 0x43;
    CHECK(tag != L4_Niltag && L4_Label(tag) == 0x43);

    // Message objects through the overloaded names.
    L4_Msg_t msg;
    L4_Clear(&msg);
    L4_Append(&msg, 11);
    L4_Append(&msg, 12UL);
    L4_Append(&msg, L4_MapItem(f, 0));
    char text[8] = "string";
    L4_Append(&msg, L4_StringItem(6, text));
    CHECK(L4_UntypedWords(L4_MsgTag(&msg)) == 2 && L4_TypedWords(L4_MsgTag(&msg)) == 4);
    L4_Put(&msg, 0, 21UL);
    CHECK(L4_Get(&msg, 0) == 21 && L4_Get(&msg, 1) == 12);
    L4_Word_t w = 0;
    L4_Get(&msg, 1, &w);
    CHECK(w == 12);
    L4_MapItem_t m;
    L4_StringItem_t s[2];
    CHECK(L4_Get(&msg, 0, &m) == 2 && L4_MapItem(m) && L4_SndFpage(m) == f);
    CHECK(L4_Get(&msg, 2, s) == 2 && L4_StringItem(s) && L4_Substring(s, 1) == text);
    L4_Put(&msg, 0, L4_GrantItem(f, 0x1000));
    L4_GrantItem_t g;
    CHECK(L4_Get(&msg, 0, &g) == 2 && L4_GrantItem(g) && L4_SndBase(g) == 0x1000);
    L4_Set_Label(&msg, 0x99);
    CHECK(L4_Label(&msg) == 0x99);
    L4_Set_MsgTag(&msg, L4_Niltag);
    CHECK(L4_MsgTag(&msg) == L4_Niltag);

    // String items and cache hints.
    L4_Word_t words[8] = {0};
    L4_StringItem_t *str = reinterpret_cast<L4_StringItem_t *>(words);
    *str = L4_StringItem(4, text);
    *str += static_cast<void *>(text + 4);
    CHECK(L4_Substrings(str) == 2 && L4_Substring(str, 2) == text + 4);
    *str += L4_StringItem(2, text);
    CHECK(L4_CompoundString(str) && words[3] == (2UL << 10) && words[4] == L4_Word_t(text));
    L4_StringItem_t hinted = L4_StringItem(1, text) + L4_UseDefaultCacheAllocation;
    CHECK(L4_CacheAllocationHint(hinted) == L4_UseDefaultCacheAllocation);

    // Acceptors and receive buffers.
    L4_Acceptor_t acc = L4_MapGrantItems(L4_CompleteAddressSpace) + L4_StringItemsAcceptor;
    CHECK(L4_StringItems(acc) && L4_MapGrantItems(acc));
    acc -= L4_StringItemsAcceptor;
    CHECK(!L4_StringItems(acc));
    acc += L4_StringItemsAcceptor;
    CHECK((acc - L4_MapGrantItems(L4_CompleteAddressSpace)).raw == 1);
    L4_MsgBuffer_t buf;
    L4_Clear(&buf);
    L4_Append(&buf, L4_StringItem(8, text));
    L4_Append(&buf, str);
    CHECK((buf.raw[0] & 1) == 1 && buf.raw[2] == words[0]);

    return failures != 0;
}

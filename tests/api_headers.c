/*
 * Every <l4/...> header must compile as ISO C11 (and GNU C11) with all
 * warnings as errors, and its system-call wrappers must link against the
 * library. The checks at run time only guard against gross mistakes; the
 * encodings are tested in test_api_encoding.c.
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

#include <stdio.h>

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/*
 * Never run (there is no system to talk to): calls each system-call wrapper
 * once so that linking proves the library provides every entry point.
 */
static void link_every_system_call(void)
{
    L4_ThreadId_t t = L4_nilthread, from;
    L4_Word_t w, attributes[4] = {0, 0, 0, 0};
    L4_Fpage_t pages[2] = {L4_Nilpage, L4_Nilpage};
    L4_Time_t ts, tq;

    L4_GetKernelInterface();
    L4_ApiVersion();
    L4_Call(t);
    L4_Send_Timeout(t, L4_ZeroTime);
    L4_Wait(&from);
    L4_ReplyWait(t, &from);
    L4_Lcall(t);
    L4_LreplyWait(t, &from);
    L4_Sleep(L4_TimePeriod(10));
    L4_GlobalIdOf(t);
    L4_Start_SpIp(t, 0, 0);
    L4_AbortIpc_and_stop(t);
    L4_ThreadControl(t, t, t, t, (void *) 0);
    L4_AssociateInterrupt(t, t);
    L4_SpaceControl(t, 0, L4_Nilpage, L4_Nilpage, t, &w);
    L4_UnmapFpages(2, pages);
    L4_Flush(L4_Nilpage);
    L4_GetStatus(L4_Nilpage);
    L4_SystemClock();
    L4_Yield();
    L4_Set_Priority(t, 100);
    L4_Timeslice(t, &ts, &tq);
    L4_Set_PageAttribute(L4_Nilpage, L4_DefaultMemory);
    L4_MemoryControl(0, attributes);
    L4_ProcessorControl(0, 0, 0, 0);
    L4_Sigma0_GetAny(t, 12, L4_CompleteAddressSpace);
    L4_Sigma0_GetSpecial(L4_DedicatedMemoryType, (void *) 0, 4096);
}

int main(int argc, char **argv)
{
    L4_ThreadId_t id = L4_GlobalId(42, 1);
    L4_Fpage_t f = L4_FpageLog2(0x100000, 12);
    L4_MsgTag_t tag = L4_MsgTagAddLabel(L4_Niltag, 0x1234);
    L4_Msg_t msg;

    (void) argv;
    if (argc > 0x4c34)
        link_every_system_call();

    CHECK(L4_ThreadNo(id) == 42 && L4_Version(id) == 1 && L4_IsGlobalId(id));
    CHECK(L4_IsNilThread(L4_nilthread) && L4_anythread.raw == ~0UL);
    CHECK(L4_Address(f) == 0x100000 && L4_Size(f) == 0x1000);
    CHECK(L4_Label(tag) == 0x1234 && L4_UntypedWords(tag) == 0);
    CHECK(L4_IsTimeEqual(L4_TimePeriod(0), L4_ZeroTime));

    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, 7);
    CHECK(L4_MsgWord(&msg, 0) == 7 && L4_UntypedWords(L4_MsgMsgTag(&msg)) == 1);
    return failures != 0;
}

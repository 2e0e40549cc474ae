/*
 * Checkpoints of the images the l4sim demos conduct (cow, swapper): when
 * the command line asks for them, the image Calls the root task's thread
 * at each stage and waits for the answer, so that the demo can look at the
 * system between two stages. The same protocol is in sim/demo_tasks.h.
 */
#ifndef L4RT_IMAGES_CHECKPOINT_H
#define L4RT_IMAGES_CHECKPOINT_H

#include <l4/ipc.h>
#include <l4/message.h>
#include <l4srv/ids.h>
#include <l4rt/l4rt.h>

/* MR0 label; MR1 the stage, MR2 and MR3 what the stage reports. The
 * stage word's upper half counts the checkpoints the root never answered. */
#define CHECKPOINT_LABEL        0x4443
#define CHECKPOINT_MISSED_SHIFT 32

/* Long, since the root may be busy; in deterministic runs time is virtual. */
#define CHECKPOINT_TIMEOUT_US (10UL * 1000 * 1000)

static int checkpoints_wanted;
static L4_Word_t checkpoints_missed;

/* "report" among the arguments asks for checkpoints. */
static void checkpoints_from_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "report"))
            checkpoints_wanted = 1;
}

/*
 * Report a stage and wait until the root says go on. A lost message only
 * costs the timeout: the image then carries on without the root, and its
 * later checkpoints tell the root so.
 */
static void checkpoint(L4_Word_t stage, L4_Word_t a, L4_Word_t b)
{
    if (!checkpoints_wanted)
        return;
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, CHECKPOINT_LABEL);
    L4_MsgAppendWord(&msg, stage | checkpoints_missed << CHECKPOINT_MISSED_SHIFT);
    L4_MsgAppendWord(&msg, a);
    L4_MsgAppendWord(&msg, b);
    L4_MsgLoad(&msg);
    L4_ThreadId_t root = L4_GlobalId(l4srv_root_threadno(), 1);
    L4_Time_t t = L4_TimePeriod(CHECKPOINT_TIMEOUT_US);
    if (L4_IpcFailed(L4_Call_Timeouts(root, t, t)))
        checkpoints_missed++;
}

#endif /* L4RT_IMAGES_CHECKPOINT_H */

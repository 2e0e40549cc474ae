/*
 * Demo image: the server that `l4sim demo restart` keeps alive. Its main
 * thread answers ECHOD_ECHO (MR1 -> MR1 + 1, and its incarnation number in
 * MR2), and on request crashes (ECHOD_CRASH: a read of address 0) or stops
 * answering for good (ECHOD_HANG). `echod N` is incarnation N.
 */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4rt/l4rt.h>

#include "echod.h"

int main(int argc, char **argv)
{
    L4_Word_t incarnation = argc > 1 ? (L4_Word_t) atol(argv[1]) : 1;
    printf("echod %lu: serving\n", incarnation);
    L4_ThreadId_t client;
    L4_MsgTag_t tag = L4_Wait(&client);
    for (;;) {
        L4_Word_t label = L4_Label(tag), word = 0;
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&client);
            continue;
        }
        if (label == ECHOD_CRASH) {
            printf("echod %lu: a bug: reading address 0\n", incarnation);
            return *(volatile int *) (L4_Word_t) 0;
        }
        if (label == ECHOD_HANG) {
            printf("echod %lu: deadlocked in its own code\n", incarnation);
            for (;;)
                L4_Sleep(L4_Never);
        }
        L4_Msg_t msg;
        L4_MsgClear(&msg);
        if (label == ECHOD_ECHO && L4_UntypedWords(tag) >= 1) {
            L4_StoreMR(1, &word);
            L4_MsgAppendWord(&msg, word + 1);
            L4_MsgAppendWord(&msg, incarnation);
        } else {
            L4_Set_MsgLabel(&msg, 1); /* invalid_argument */
        }
        L4_MsgLoad(&msg);
        tag = L4_ReplyWait(client, &client);
    }
}

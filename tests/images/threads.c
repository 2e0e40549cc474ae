/*
 * Test image: main starts three threads; each prints a line, tells main by
 * IPC that it is done, and ends. main waits for all three messages, in
 * order, and exits 0 (1 if a thread could not be started or never came).
 */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4rt/l4rt.h>

#define THREADS    3
#define DONE_LABEL 0x7d01
#define WAIT_MS    10000

static L4_ThreadId_t main_thread;

static int worker(L4_Word_t n)
{
    printf("threads: worker %lu running\n", n);
    L4_LoadMR(0, (L4_Word_t) DONE_LABEL << 16 | 1);
    L4_LoadMR(1, n);
    L4_Send(main_thread);
    return 0;
}

int main(void)
{
    main_thread = L4_Myself();
    L4_ThreadId_t t[THREADS];
    for (L4_Word_t i = 0; i < THREADS; i++) {
        int err = l4rt_thread_start(worker, i, &t[i]);
        if (err) {
            printf("threads: starting worker %lu failed: %d\n", i, err);
            return 1;
        }
    }
    for (L4_Word_t i = 0; i < THREADS; i++) {
        L4_MsgTag_t tag = L4_Receive_Timeout(t[i], L4_TimePeriod(WAIT_MS * 1000UL));
        L4_Word_t n = ~0UL;
        L4_StoreMR(1, &n);
        if (L4_IpcFailed(tag) || L4_Label(tag) != DONE_LABEL || n != i) {
            printf("threads: worker %lu did not report\n", i);
            return 1;
        }
    }
    printf("threads: all %d workers done\n", THREADS);
    return 0;
}

/*
 * Demo image: something alive to watch in /stats/tasks. Every 100 ms of
 * (simulated) time it touches one more heap page, up to `ticker N` pages
 * (default 64), and says how far it got every 10 ticks. It never exits.
 */
#include <l4/ipc.h>
#include <l4rt/l4rt.h>

#define PAGE 4096UL

int main(int argc, char **argv)
{
    long pages = argc > 1 ? atol(argv[1]) : 64;
    char *heap = malloc((size_t) (pages > 0 ? pages : 1) * PAGE);
    if (!heap)
        return 1;
    for (long tick = 1;; tick++) {
        if (tick <= pages)
            heap[(tick - 1) * PAGE] = (char) tick;
        if (tick % 10 == 0)
            printf("ticker: tick %ld, %ld pages touched\n", tick, tick < pages ? tick : pages);
        L4_Sleep(L4_TimePeriod(100 * 1000));
    }
}

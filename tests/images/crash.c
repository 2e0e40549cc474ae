/*
 * Test image: dies the way argv[1] says. null: reads address 0; text:
 * writes into its own code; stack: recurses until its stack runs out;
 * exit3: exit(3); block: take messages and never answer them, touching
 * fresh heap pages for each (so a call to it makes it fault). Anything
 * else exits 2.
 */
#include <l4/ipc.h>
#include <l4rt/l4rt.h>

static volatile int bottom; /* never set: the recursion has no end the compiler can see */

static int deeper(volatile char *prev)
{
    if (bottom)
        return 0;
    volatile char frame[256];
    frame[0] = prev ? prev[0] + 1 : 0;
    return deeper(frame) + frame[1]; /* not a tail call: every frame stays */
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "";
    printf("crash: %s\n", how);
    if (!strcmp(how, "null"))
        return *(volatile int *) (L4_Word_t) 0;
    if (!strcmp(how, "text")) {
        *(volatile unsigned char *) (void *) main = 0xcc;
        return 1;
    }
    if (!strcmp(how, "stack"))
        return deeper(0);
    if (!strcmp(how, "exit3"))
        exit(3);
    if (!strcmp(how, "block")) {
        for (;;) {
            L4_ThreadId_t from;
            L4_Wait(&from);
            volatile char *fresh = malloc(4 * 4096);
            for (int i = 0; fresh && i < 4; i++)
                fresh[i * 4096] = 1;
        }
    }
    return 2;
}

/*
 * Image for the swap demo: `swapper N [report]` writes a pattern over
 * every word of N pages of heap, more than the demo's small RAM holds, so
 * the MM server must page some out; then it reads them all back, which
 * pages them in, and checks every word. With "report" it stops at each
 * stage for the demo (checkpoint.h). Exits 0 if every page came back
 * intact, 1 if the heap was refused, 2 if some page did not.
 */
#include <l4rt/l4rt.h>

#include "checkpoint.h"

#define PAGE  4096UL
#define WORDS (PAGE / sizeof(L4_Word_t))

enum swapper_stage {
    SWAP_ALLOCATED = 1, /* a = N pages of heap, not touched yet */
    SWAP_WRITTEN,       /* a = N pages written */
    SWAP_CHECKED,       /* a = pages intact, b = pages damaged */
};

static L4_Word_t pattern(unsigned long page, unsigned long word)
{
    return (page << 32 | word) * 0x9e3779b97f4a7c15UL;
}

int main(int argc, char **argv)
{
    checkpoints_from_args(argc, argv);
    long n = argc > 1 ? atol(argv[1]) : 256;
    if (n < 1 || n > 65536) {
        printf("swapper: want 1 to 65536 pages, not %ld\n", n);
        return 1;
    }
    /* One page more, to start at a page boundary: each page is then one page. */
    char *heap = malloc((size_t) (n + 1) * PAGE);
    if (!heap) {
        printf("swapper: malloc of %ld pages failed\n", n);
        return 1;
    }
    L4_Word_t *mem = (L4_Word_t *) (((L4_Word_t) heap + PAGE - 1) & ~(PAGE - 1));
    checkpoint(SWAP_ALLOCATED, (L4_Word_t) n, 0);

    for (unsigned long p = 0; p < (unsigned long) n; p++)
        for (unsigned long w = 0; w < WORDS; w++)
            mem[p * WORDS + w] = pattern(p, w);
    printf("swapper: wrote %ld pages (%ld KiB)\n", n, n * 4);
    checkpoint(SWAP_WRITTEN, (L4_Word_t) n, 0);

    long damaged = 0;
    for (unsigned long p = 0; p < (unsigned long) n; p++) {
        int ok = 1;
        for (unsigned long w = 0; w < WORDS; w++)
            ok &= mem[p * WORDS + w] == pattern(p, w);
        if (!ok && damaged++ < 3)
            printf("swapper: page %lu came back damaged\n", p);
    }
    printf("swapper: read back %ld pages: %ld intact, %ld damaged\n", n, n - damaged, damaged);
    checkpoint(SWAP_CHECKED, (L4_Word_t) (n - damaged), (L4_Word_t) damaged);
    free(heap);
    return damaged ? 2 : 0;
}

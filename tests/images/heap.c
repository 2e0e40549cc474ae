/*
 * Test image: `heap N` allocates N MiB (default 1) in one block, writes a
 * pattern on every page, reads it all back and prints a checksum; a few
 * thousand small blocks check that freeing gives the memory back. Exits 0,
 * or 1 on any mismatch or failed allocation.
 */
#include <l4rt/l4rt.h>

#define PAGE 4096UL

static unsigned long pattern(unsigned long i)
{
    return (i + 1) * 0x9e3779b97f4a7c15UL;
}

static int small_blocks(void)
{
    enum { COUNT = 2000 };
    static char *blocks[COUNT];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < COUNT; i++) {
            blocks[i] = malloc((size_t) (i % 97) + 1);
            if (!blocks[i])
                return 1;
            memset(blocks[i], i & 0xff, (size_t) (i % 97) + 1);
        }
        for (int i = 0; i < COUNT; i++) {
            for (int k = 0; k < i % 97 + 1; k++)
                if ((unsigned char) blocks[i][k] != (i & 0xff))
                    return 1;
            free(blocks[i]);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 1;
    if (mib <= 0)
        mib = 1;
    unsigned long size = (unsigned long) mib << 20;
    unsigned long *mem = malloc(size);
    if (!mem) {
        printf("heap: malloc(%lu MiB) failed\n", (unsigned long) mib);
        return 1;
    }
    unsigned long words = size / sizeof(*mem), per_page = PAGE / sizeof(*mem);
    for (unsigned long i = 0; i < words; i += per_page / 4)
        mem[i] = pattern(i);
    unsigned long sum = 0;
    for (unsigned long i = 0; i < words; i += per_page / 4) {
        if (mem[i] != pattern(i)) {
            printf("heap: word %lu is %lx, want %lx\n", i, mem[i], pattern(i));
            return 1;
        }
        sum += mem[i];
    }
    free(mem);
    if (small_blocks() != 0) {
        printf("heap: small blocks went wrong\n");
        return 1;
    }
    printf("heap: %ld MiB ok, checksum %lx\n", mib, sum);
    return 0;
}

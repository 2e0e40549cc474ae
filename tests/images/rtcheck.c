/*
 * Test image for test_elf's runtime check, which runs it without a task
 * server: rtcheck_thread is started as a THREAD (test_elf finds it in the
 * symbol table) and goes through the KIP for everything it does. It
 * leaves a bit per passed check in rtcheck_result and sets rtcheck_done.
 */
#include <l4/kdebug.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4rt/l4rt.h>

enum {
    CHECK_KIP = 1 << 0,    /* KernelInterface: the KIP and its magic */
    CHECK_UTCB = 1 << 1,   /* Myself, read from the UTCB found through KIP word 64 */
    CHECK_CLOCK = 1 << 2,  /* SystemClock */
    CHECK_FORMAT = 1 << 3, /* snprintf */
    CHECK_STRING = 1 << 4, /* the string functions */
    CHECK_FAULTS = 1 << 5, /* fault query (KIP word 66): no spec, no fault */
    CHECK_ALL = (1 << 6) - 1,
};

volatile unsigned long rtcheck_result;
volatile unsigned long rtcheck_malloc; /* 1 if malloc found a region mapper */
volatile int rtcheck_done;

static unsigned format_checks(void)
{
    char buf[160];
    int n = snprintf(buf, sizeof(buf),
                     "%d|%5d|%-5d|%05d|%u|%x|%X|%lx|%p|%s|%.3s|%c|%zu|%%|%ld|%8s|%-4s|", -42, 42,
                     42, -42, 4000000000U, 0xbeef, 0xbeef, 0x123456789abUL, (void *) 0x1000, "str",
                     "abcdef", 'Z', (size_t) 7, -9000000000L, "right", "l");
    const char *want =
        "-42|   42|42   |-0042|4000000000|beef|BEEF|123456789ab|0x1000|str|abc|Z|7|%|-9000000000|"
        "   right|l   |";
    if (strcmp(buf, want) != 0 || n != (int) strlen(want)) {
        printf("rtcheck: snprintf gave \"%s\"\n", buf);
        return 0;
    }
    char small[4];
    if (snprintf(small, sizeof(small), "hello") != 5 || strcmp(small, "hel") != 0)
        return 0;
    return CHECK_FORMAT;
}

static unsigned string_checks(void)
{
    char s[16] = "abcdef";
    memmove(s + 1, s, 6);
    if (strcmp(s, "aabcdef") != 0 || strlen(s) != 7 || strncmp(s, "aab", 3) != 0 ||
        strchr(s, 'd') != s + 4 || memcmp("ab", "ac", 2) >= 0 || atol("-1234") != -1234)
        return 0;
    return CHECK_STRING;
}

/* A table of functions: relocations in read-only data after relocation (RELRO). */
unsigned (*const rtcheck_tables[])(void) = {format_checks, string_checks};

int rtcheck_thread(L4_Word_t me)
{
    unsigned result = 0;
    L4_Word_t version;
    L4_KernelInterfacePage_t *kip = L4_KernelInterface(&version, NULL, NULL);
    if (kip && kip->magic == L4_KIP_MAGIC && (version >> 24) == L4_APIVERSION_X2)
        result |= CHECK_KIP;
    if (L4_Myself().raw == me)
        result |= CHECK_UTCB;
    if (L4_SystemClock().raw > 0)
        result |= CHECK_CLOCK;
    for (unsigned i = 0; i < sizeof(rtcheck_tables) / sizeof(rtcheck_tables[0]); i++)
        result |= rtcheck_tables[i]();
    if (l4sim_sys_fault_query("rtcheck/no-such-point", 0) == 0)
        result |= CHECK_FAULTS;
    L4_KDB_PrintString("rtcheck: kdb print through the KIP");
    void *p = malloc(100);
    rtcheck_malloc = p != NULL;
    free(p);
    printf("rtcheck: thread %lx passed %x of %x\n", me, result, (unsigned) CHECK_ALL);
    rtcheck_result = result;
    __atomic_store_n(&rtcheck_done, 1, __ATOMIC_RELEASE);
    return 0;
}

int main(void)
{
    rtcheck_thread(L4_Myself().raw);
    return rtcheck_result == CHECK_ALL ? 0 : 1;
}

/*
 * The clock seam: every reading of time in the kernel, in microseconds
 * since boot. Deterministic mode replaces it with virtual time.
 */
#include <time.h>

#include "kernel.h"

static uint64_t host_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

void clock_boot(void)
{
    kernel.boot_time_us = host_now_us();
}

/* Starts at 1 so that DEADLINE_ZERO (0) has always passed. */
uint64_t clock_now_us(void)
{
    if (sched_deterministic())
        return sched_virtual_now();
    return host_now_us() - kernel.boot_time_us + 1;
}

/*
 * X.2 time: a relative period m·2^e µs (bit 15 clear), or a point in time
 * (bit 15 set): the deadline is the next clock value whose low e+10 bits
 * are m<<e and whose bit e+10 is c. Never is 0; any period with m = 0 is
 * the zero timeout.
 */
uint64_t timeout_deadline(unsigned raw16)
{
    raw16 &= 0xffff;
    if (raw16 == 0)
        return DEADLINE_NEVER;
    unsigned m = raw16 & 0x3ff;
    if (!(raw16 & 0x8000)) {
        unsigned e = (raw16 >> 10) & 0x1f;
        if (m == 0)
            return DEADLINE_ZERO; /* the common cases never read the clock */
        return clock_now_us() + ((uint64_t) m << e);
    }
    uint64_t now = clock_now_us();
    unsigned e = (raw16 >> 11) & 0xf;
    unsigned c = (raw16 >> 10) & 1;
    uint64_t span = 1ull << (e + 10);
    uint64_t target = (now & ~(2 * span - 1)) | ((uint64_t) c * span) | ((uint64_t) m << e);
    if (target <= now)
        target += 2 * span;
    return target;
}

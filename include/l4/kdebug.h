/*
 * The X.2 kernel-debugger interface, as far as l4sim has one: a thread can
 * write a line into the kernel trace, where it appears as a note beside
 * the IPCs around it. Servers use it to narrate what they do.
 */
#ifndef L4_KDEBUG_H
#define L4_KDEBUG_H

#include <l4sim/abi.h>
#include <l4/types.h>

#define L4SIM_KDB_MAX 120 /* longer strings are cut */

/* Trace the string (up to L4SIM_KDB_MAX characters, controls shown as '?'). */
L4_INLINE void L4_KDB_PrintString(const char *s)
{
    /* Copied here, in user mode, so a bad pointer faults in the caller. */
    char line[L4SIM_KDB_MAX + 1];
    unsigned long n = 0;
    while (n < L4SIM_KDB_MAX && s[n]) {
        line[n] = s[n];
        n++;
    }
    line[n] = 0;
    l4sim_sys_kdb_print(line, n);
}

#endif /* L4_KDEBUG_H */

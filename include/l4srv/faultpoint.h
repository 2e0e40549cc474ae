/*
 * Fault points for servers: a server asks whether a named point (for
 * example "mm/frames/exhaust") fires now, and if so behaves as if that
 * fault had happened. The answer is always 0 unless the run was given a
 * fault spec (docs/faults.md); asking is not a kernel entry and costs
 * nothing in scheduling, so the same seed gives the same run either way.
 */
#ifndef L4SRV_FAULTPOINT_H
#define L4SRV_FAULTPOINT_H

#include <l4/types.h>
#include <l4sim/abi.h>

/* Non-zero when point fires now for the calling thread. */
static inline int l4srv_fault(const char *point)
{
    return l4sim_sys_fault_query(point, 0);
}

/* The same, on behalf of a client: rules with dst= match against partner. */
static inline int l4srv_fault_for(const char *point, L4_ThreadId_t partner)
{
    return l4sim_sys_fault_query(point, partner.raw);
}

#endif /* L4SRV_FAULTPOINT_H */

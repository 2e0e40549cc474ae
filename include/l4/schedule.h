/*
 * X.2 scheduling: the system clock, ThreadSwitch and Schedule, with the
 * derived calls that change one scheduling parameter at a time.
 */
#ifndef L4_SCHEDULE_H
#define L4_SCHEDULE_H

#include <l4sim/abi.h>
#include <l4/types.h>

L4_INLINE L4_Clock_t L4_SystemClock(void)
{
    L4_Clock_t c;
    c.raw = (L4_Word64_t) l4sim_sys_system_clock();
    return c;
}

/* Donates the rest of the time slice to dest; nilthread just yields. */
L4_INLINE void L4_ThreadSwitch(L4_ThreadId_t dest)
{
    l4sim_sys_thread_switch(dest.raw);
}

L4_INLINE void L4_Yield(void)
{
    L4_ThreadSwitch(L4_nilthread);
}

/* What Schedule returns: 0 on error, else the state dest was found in. */
#define L4_SCHEDRESULT_ERROR        (0)
#define L4_SCHEDRESULT_DEAD         (1)
#define L4_SCHEDRESULT_INACTIVE     (2)
#define L4_SCHEDRESULT_RUNNING      (3)
#define L4_SCHEDRESULT_PENDING_SEND (4)
#define L4_SCHEDRESULT_SENDING      (5)
#define L4_SCHEDRESULT_WAITING      (6)
#define L4_SCHEDRESULT_RECEIVING    (7)

/*
 * Schedule changes dest's parameters; a control word of ~0 leaves that
 * group unchanged. TimeControl is timeslice << 16 | total quantum (both
 * L4_Time_t), PrioControl the priority (0..255), ProcessorControl the
 * processor number, PreemptionControl sensitive priority << 16 | maximum
 * delay in microseconds.
 */
L4_INLINE L4_Word_t L4_Schedule(L4_ThreadId_t dest, L4_Word_t TimeControl,
                                L4_Word_t ProcessorControl, L4_Word_t PrioControl,
                                L4_Word_t PreemptionControl, L4_Word_t *old_TimeControl)
{
    L4_Word_t scratch;
    return l4sim_sys_schedule(dest.raw, TimeControl, ProcessorControl, PrioControl,
                              PreemptionControl, old_TimeControl ? old_TimeControl : &scratch);
}

L4_INLINE L4_Word_t L4_Set_Priority(L4_ThreadId_t tid, L4_Word_t prio)
{
    return L4_Schedule(tid, ~0UL, ~0UL, prio & 0xff, ~0UL, (L4_Word_t *) 0);
}

L4_INLINE L4_Word_t L4_Set_ProcessorNo(L4_ThreadId_t tid, L4_Word_t cpu_no)
{
    return L4_Schedule(tid, ~0UL, cpu_no & 0xffff, ~0UL, ~0UL, (L4_Word_t *) 0);
}

L4_INLINE L4_Word_t L4_Set_Timeslice(L4_ThreadId_t tid, L4_Time_t timeslice, L4_Time_t totalquantum)
{
    L4_Word_t control = ((L4_Word_t) timeslice.raw << 16) | totalquantum.raw;
    return L4_Schedule(tid, control, ~0UL, ~0UL, ~0UL, (L4_Word_t *) 0);
}

L4_INLINE L4_Word_t L4_Timeslice(L4_ThreadId_t tid, L4_Time_t *timeslice, L4_Time_t *totalquantum)
{
    L4_Word_t old = 0;
    L4_Word_t res = L4_Schedule(tid, ~0UL, ~0UL, ~0UL, ~0UL, &old);
    timeslice->raw = (L4_Word16_t) (old >> 16);
    totalquantum->raw = (L4_Word16_t) old;
    return res;
}

L4_INLINE L4_Word_t L4_Set_PreemptionDelay(L4_ThreadId_t tid, L4_Word_t sensitivePrio,
                                           L4_Word_t maxDelay)
{
    L4_Word_t control = ((sensitivePrio & 0xff) << 16) | (maxDelay & 0xffff);
    return L4_Schedule(tid, ~0UL, ~0UL, ~0UL, control, (L4_Word_t *) 0);
}

#endif /* L4_SCHEDULE_H */

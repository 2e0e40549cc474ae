/*
 * The system calls of an image: every l4sim_sys_* function of
 * <l4sim/abi.h>, as a call through the entry point the KIP links to. The
 * KIP's words hold each entry's address minus the KIP's own; nothing here
 * may cache an entry anywhere but on the stack.
 */
#include <l4/kip.h>
#include <l4sim/abi.h>

#include "rt.h"

/* The entry point linked from KIP word `word`. */
static void *entry(unsigned word)
{
    const L4_Word_t *k = rt_kip;
    return (char *) rt_kip + k[word];
}

struct l4sim_utcb *l4sim_image_utcb(void)
{
    struct l4sim_utcb *(*fn)(void) = entry(L4SIM_KIP_UTCB);
    return fn();
}

void *l4sim_sys_kernel_interface(unsigned long *api_version, unsigned long *api_flags,
                                 unsigned long *kernel_id)
{
    L4_KernelInterfacePage_t *kip = rt_kip;
    *api_version = kip->ApiVersion.raw;
    *api_flags = kip->ApiFlags.raw;
    *kernel_id = l4sim_api_kernel_desc(kip)->KernelId.raw;
    return kip;
}

unsigned long l4sim_sys_exchange_registers(unsigned long dest, unsigned long control,
                                           unsigned long sp, unsigned long ip, unsigned long flags,
                                           unsigned long user_handle, unsigned long pager,
                                           unsigned long *old_control, unsigned long *old_sp,
                                           unsigned long *old_ip, unsigned long *old_flags,
                                           unsigned long *old_user_handle, unsigned long *old_pager)
{
    unsigned long (*fn)(unsigned long, unsigned long, unsigned long, unsigned long, unsigned long,
                        unsigned long, unsigned long, unsigned long *, unsigned long *,
                        unsigned long *, unsigned long *, unsigned long *, unsigned long *) =
        entry(L4SIM_KIP_EXCHANGE_REGISTERS);
    return fn(dest, control, sp, ip, flags, user_handle, pager, old_control, old_sp, old_ip,
              old_flags, old_user_handle, old_pager);
}

unsigned long l4sim_sys_thread_control(unsigned long dest, unsigned long space_specifier,
                                       unsigned long scheduler, unsigned long pager,
                                       unsigned long utcb_location)
{
    unsigned long (*fn)(unsigned long, unsigned long, unsigned long, unsigned long, unsigned long) =
        entry(L4SIM_KIP_THREAD_CONTROL);
    return fn(dest, space_specifier, scheduler, pager, utcb_location);
}

unsigned long long l4sim_sys_system_clock(void)
{
    unsigned long long (*fn)(void) = entry(L4SIM_KIP_SYSTEM_CLOCK);
    return fn();
}

void l4sim_sys_thread_switch(unsigned long dest)
{
    void (*fn)(unsigned long) = entry(L4SIM_KIP_THREAD_SWITCH);
    fn(dest);
}

unsigned long l4sim_sys_schedule(unsigned long dest, unsigned long time_control,
                                 unsigned long processor_control, unsigned long prio_control,
                                 unsigned long preemption_control, unsigned long *old_time_control)
{
    unsigned long (*fn)(unsigned long, unsigned long, unsigned long, unsigned long, unsigned long,
                        unsigned long *) = entry(L4SIM_KIP_SCHEDULE);
    return fn(dest, time_control, processor_control, prio_control, preemption_control,
              old_time_control);
}

unsigned long l4sim_sys_ipc(unsigned long to, unsigned long from_specifier, unsigned long timeouts,
                            unsigned long *from)
{
    unsigned long (*fn)(unsigned long, unsigned long, unsigned long, unsigned long *) =
        entry(L4SIM_KIP_IPC);
    return fn(to, from_specifier, timeouts, from);
}

unsigned long l4sim_sys_lipc(unsigned long to, unsigned long from_specifier, unsigned long timeouts,
                             unsigned long *from)
{
    unsigned long (*fn)(unsigned long, unsigned long, unsigned long, unsigned long *) =
        entry(L4SIM_KIP_LIPC);
    return fn(to, from_specifier, timeouts, from);
}

void l4sim_sys_unmap(unsigned long control)
{
    void (*fn)(unsigned long) = entry(L4SIM_KIP_UNMAP);
    fn(control);
}

void l4sim_sys_kdb_print(const char *s, unsigned long len)
{
    void (*fn)(const char *, unsigned long) = entry(L4SIM_KIP_KDB_PRINT);
    fn(s, len);
}

unsigned long l4sim_sys_space_control(unsigned long space_specifier, unsigned long control,
                                      unsigned long kip_area, unsigned long utcb_area,
                                      unsigned long redirector, unsigned long *old_control)
{
    unsigned long (*fn)(unsigned long, unsigned long, unsigned long, unsigned long, unsigned long,
                        unsigned long *) = entry(L4SIM_KIP_SPACE_CONTROL);
    return fn(space_specifier, control, kip_area, utcb_area, redirector, old_control);
}

unsigned long l4sim_sys_processor_control(unsigned long processor_no,
                                          unsigned long internal_frequency,
                                          unsigned long external_frequency, unsigned long voltage)
{
    unsigned long (*fn)(unsigned long, unsigned long, unsigned long, unsigned long) =
        entry(L4SIM_KIP_PROCESSOR_CONTROL);
    return fn(processor_no, internal_frequency, external_frequency, voltage);
}

unsigned long l4sim_sys_memory_control(unsigned long control, const unsigned long attributes[4])
{
    unsigned long (*fn)(unsigned long, const unsigned long *) = entry(L4SIM_KIP_MEMORY_CONTROL);
    return fn(control, attributes);
}

int l4sim_sys_fault_query(const char *point, unsigned long partner)
{
    int (*fn)(const char *, unsigned long) = entry(L4SIM_KIP_FAULT_QUERY);
    return fn(point, partner);
}

unsigned long l4sim_sys_thread_stats(unsigned long thread,
                                     unsigned long out[L4SIM_THREAD_STATS_WORDS])
{
    unsigned long (*fn)(unsigned long, unsigned long *) = entry(L4SIM_KIP_THREAD_STATS);
    return fn(thread, out);
}

/*
 * X.2 MemoryControl (cache attributes of mapped pages) and
 * ProcessorControl (frequency and voltage), both privileged.
 */
#ifndef L4_MISC_H
#define L4_MISC_H

#include <l4sim/abi.h>
#include <l4/types.h>
#include <l4/message.h>

/* Memory attributes; 0 restores the kernel's default. The rest are x86's. */
#define L4_DefaultMemory        0
#define L4_WriteBackMemory      1
#define L4_WriteThroughMemory   2
#define L4_UncacheableMemory    4
#define L4_WriteCombiningMemory 5
#define L4_WriteProtectedMemory 8

/*
 * MemoryControl applies attributes to the fpages in MR0..MRk (k = low six
 * bits of control); each fpage's low bits select which of the four
 * attributes it gets. Returns 1 on success, 0 with L4_ErrorCode() set.
 */
L4_INLINE L4_Word_t L4_MemoryControl(L4_Word_t control, const L4_Word_t *attributes)
{
    return l4sim_sys_memory_control(control, attributes);
}

L4_INLINE L4_Word_t L4_Set_PageAttribute(L4_Fpage_t f, L4_Word_t attribute)
{
    L4_Word_t attributes[4] = {attribute, 0, 0, 0};
    L4_Set_Rights(&f, 0); /* selects attribute 0 */
    L4_LoadMR(0, f.raw);
    return L4_MemoryControl(0, attributes);
}

L4_INLINE L4_Word_t L4_Set_PageAttributes(L4_Word_t n, L4_Fpage_t *f, const L4_Word_t *attributes)
{
    L4_LoadMRs(0, (int) n, (const L4_Word_t *) f);
    return L4_MemoryControl(n - 1, attributes);
}

/* Frequencies are in kHz, like those in the KIP's processor descriptors. */
L4_INLINE L4_Word_t L4_ProcessorControl(L4_Word_t ProcessorNo, L4_Word_t InternalFrequency,
                                        L4_Word_t ExternalFrequency, L4_Word_t voltage)
{
    return l4sim_sys_processor_control(ProcessorNo, InternalFrequency, ExternalFrequency, voltage);
}

#endif /* L4_MISC_H */

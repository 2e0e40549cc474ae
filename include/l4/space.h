/*
 * X.2 address spaces: SpaceControl, and Unmap with its derived forms for
 * revoking mappings and reading the accessed/dirty status of fpages.
 */
#ifndef L4_SPACE_H
#define L4_SPACE_H

#include <l4sim/abi.h>
#include <l4/types.h>
#include <l4/message.h>

/*
 * SpaceControl (privileged) sets up the space of SpaceSpecifier: where the
 * KIP and UTCBs appear, and its redirector. Returns 1 on success, 0 with
 * the reason in L4_ErrorCode(). Nil fpages and a nil redirector change
 * nothing. The old control word is architecture-specific; on l4sim it is
 * the space's window as an fpage (see L4_SpaceWindow).
 */
L4_INLINE L4_Word_t L4_SpaceControl(L4_ThreadId_t SpaceSpecifier, L4_Word_t control,
                                    L4_Fpage_t KernelInterfacePageArea, L4_Fpage_t UtcbArea,
                                    L4_ThreadId_t redirector, L4_Word_t *old_control)
{
    L4_Word_t scratch;
    return l4sim_sys_space_control(SpaceSpecifier.raw, control, KernelInterfacePageArea.raw,
                                   UtcbArea.raw, redirector.raw,
                                   old_control ? old_control : &scratch);
}

/*
 * l4sim: the part of the host address space that holds the space's
 * mappings (its window; every address the space can use lies inside).
 * A real X.2 kernel gives each space the whole user range, so code that
 * uses this is l4sim-specific, as any architecture-specific call is.
 * Privileged; nil fpage if the thread does not exist.
 */
L4_INLINE L4_Fpage_t L4_SpaceWindow(L4_ThreadId_t any_thread_of_space)
{
    L4_Fpage_t window;
    if (!L4_SpaceControl(any_thread_of_space, 0, L4_Nilpage, L4_Nilpage, L4_nilthread, &window.raw))
        return L4_Nilpage;
    return window;
}

/*
 * Unmap works on the fpages in MR0..MRk, k being the low six bits of
 * control. Each fpage's rights say which rights to revoke from every
 * mapping derived from it; bit 6 (flush) revokes them in the caller's own
 * space too. The kernel writes each fpage back with the accessed bits it
 * collected in place of the rights.
 */
#define L4_UnmapFlushFlag (1UL << 6)

L4_INLINE void L4_Unmap(L4_Word_t control)
{
    l4sim_sys_unmap(control);
}

L4_INLINE L4_Fpage_t L4_UnmapFpage(L4_Fpage_t f)
{
    L4_LoadMR(0, f.raw);
    L4_Unmap(0);
    L4_StoreMR(0, &f.raw);
    return f;
}

L4_INLINE void L4_UnmapFpages(L4_Word_t n, L4_Fpage_t *fpages)
{
    L4_LoadMRs(0, (int) n, (const L4_Word_t *) fpages);
    L4_Unmap(n - 1);
    L4_StoreMRs(0, (int) n, (L4_Word_t *) fpages);
}

L4_INLINE L4_Fpage_t L4_Flush(L4_Fpage_t f)
{
    L4_LoadMR(0, f.raw);
    L4_Unmap(L4_UnmapFlushFlag);
    L4_StoreMR(0, &f.raw);
    return f;
}

L4_INLINE void L4_FlushFpages(L4_Word_t n, L4_Fpage_t *fpages)
{
    L4_LoadMRs(0, (int) n, (const L4_Word_t *) fpages);
    L4_Unmap(L4_UnmapFlushFlag | (n - 1));
    L4_StoreMRs(0, (int) n, (L4_Word_t *) fpages);
}

/* Revoking no rights changes nothing but still reports the status bits. */
L4_INLINE L4_Fpage_t L4_GetStatus(L4_Fpage_t f)
{
    L4_LoadMR(0, f.raw & ~0xfUL);
    L4_Unmap(0);
    L4_StoreMR(0, &f.raw);
    return f;
}

/* Status bits reuse the rights positions: R referenced, W written, X executed. */
L4_INLINE L4_Bool_t L4_WasReferenced(L4_Fpage_t f)
{
    return (f.raw & L4_Readable) != 0;
}

L4_INLINE L4_Bool_t L4_WasWritten(L4_Fpage_t f)
{
    return (f.raw & L4_Writable) != 0;
}

L4_INLINE L4_Bool_t L4_WaseXecuted(L4_Fpage_t f)
{
    return (f.raw & L4_eXecutable) != 0;
}

#ifdef __cplusplus
static inline L4_Fpage_t L4_Unmap(L4_Fpage_t f)
{
    return L4_UnmapFpage(f);
}

static inline void L4_Unmap(L4_Word_t n, L4_Fpage_t *fpages)
{
    L4_UnmapFpages(n, fpages);
}

static inline void L4_Flush(L4_Word_t n, L4_Fpage_t *fpages)
{
    L4_FlushFpages(n, fpages);
}
#endif /* __cplusplus */

#endif /* L4_SPACE_H */

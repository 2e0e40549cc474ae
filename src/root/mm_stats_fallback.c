/*
 * Stand-in for the MM client's mm_stats until the MM server's stubs land
 * (issue 5, being written on another branch): weak, so their real
 * definition replaces it. It must never pretend there are frames.
 * Delete this file when the real stub is merged.
 */
#include <l4srv/mm.h>

__attribute__((weak)) int mm_stats(struct mm_stats *out)
{
    (void) out;
    return L4SRV_ERR_NON_EXISTENT;
}

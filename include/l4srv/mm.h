/*
 * Client interface of the memory-management server (seed 002): one stub
 * per operation. Each returns 0 or an l4srv_error; results come back
 * through the pointers. The IPC encoding is in docs/protocols.md.
 *
 * Addresses ("locations") are addresses of the caller's own space. A
 * space's addresses lie in its window, so where a protocol names a place
 * in *another* space it is an offset from that space's window base.
 */
#ifndef L4SRV_MM_H
#define L4SRV_MM_H

#include <stdint.h>

#include <l4/types.h>
#include <l4srv/errors.h>
#include <l4srv/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Message labels of the MM protocol (MR0 label); replies carry an l4srv_error. */
enum mm_label {
    MM_MALLOC = 0x4d01,
    MM_MALLOC_PRIV,
    MM_FREE,
    MM_PIN_PRIV,
    MM_UNPIN_PRIV,
    MM_MAP,
    MM_UNMAP,
    MM_MALLOC_AT,
    MM_PAGE_FILL,
    MM_REGISTER_BACKINGSTORE = 0x4d10,
    MM_NEW_AS,
    MM_REGISTER_THREAD,
    MM_DEREGISTER_THREAD,
    MM_COPY_SPACE,
    MM_STATS = 0x4d20,
    MM_SPACE_STATS,
    MM_AUDIT,
};

/* mm_malloc_at flags. */
#define MM_ALLOC_FILLED 1UL /* pages come only from mm_page_fill, never zero-filled */

/* mm_register_thread flags; 0 and 1 keep the old meaning of "priv". */
#define MM_THREAD_PRIV     1UL /* privileged, like a task made with priv */
#define MM_THREAD_NO_STACK 2UL /* no stack region: sp is 0, the caller makes stacks */

/* mm_page_fill flags (MR3): replace a page filled before. */
#define MM_FILL_REPLACE 1UL

/* The most bytes one mm_page_fill carries; the rest of the page is zero. */
#define MM_PAGE_FILL_MAX 4096

/* Frames and swap of the whole system. frames_free + frames_used == frames_total always. */
struct mm_stats {
    uint64_t frames_total; /* conventional memory the MM server took from sigma0 */
    uint64_t frames_free;
    uint64_t frames_used;   /* zero-filled, paged in, device or in transit */
    uint64_t frames_pinned; /* used frames that may not be paged out */
    uint64_t frames_shared; /* used frames in more than one space */
    uint64_t swap_slots;    /* pages the backing store can hold (0: none registered) */
    uint64_t swap_used;     /* slots holding a page */
    uint64_t spaces;        /* address spaces the server manages */
    uint64_t threads;       /* threads registered with it */
    uint64_t faults;        /* page faults served */
    uint64_t zero_fills;    /* faults answered with a fresh zeroed frame */
    uint64_t page_outs;     /* pages written to the backing store */
    uint64_t page_ins;      /* pages read back from it */
    uint64_t refused;       /* faults refused (exception to the thread) */
};

/* One space's share, for /stats. */
struct mm_space_stats {
    uint64_t resident; /* pages with a frame */
    uint64_t swapped;  /* pages whose only copy is in the backing store */
    uint64_t faults;   /* page faults of the space's threads */
    uint64_t threads;  /* registered threads */
    uint64_t shared;   /* pages whose frame or slot another page also holds */
};

/* The MM server's thread (the protocol and the pager). */
L4SRV_API L4_ThreadId_t mm_server(void);

/* Allocating memory in the caller's space; pages are zero-filled on first touch. */
L4SRV_API int mm_malloc(L4_Word_t size, L4_Word_t *location);
/* Map physical memory [address, address + size) into the caller's space (privileged). */
L4SRV_API int mm_malloc_priv(L4_Word_t size, L4_Word_t address, L4_Word_t *location);
/*
 * mm_malloc with a choice: location 0 places the region anywhere, else
 * exactly there (page aligned, in the caller's window, not overlapping a
 * region). rights are any nonzero part of L4_FullyAccessible, so a region
 * may be executable. With MM_ALLOC_FILLED in flags the pages are never
 * zero-filled: a fault on a page not filled yet is answered with
 * non_existent and no mapping (a forwarding pager reads the label).
 */
L4SRV_API int mm_malloc_at(L4_Word_t size, L4_Word_t location, L4_Word_t rights, L4_Word_t flags,
                           L4_Word_t *location_out);
/*
 * Give the page at address (in an MM_ALLOC_FILLED region of the caller's
 * space) its contents: size bytes (at most MM_PAGE_FILL_MAX) from data, the
 * rest zero, with rights (part of the region's). Once per page. The reply
 * maps the page to the caller at address with those rights, so a region
 * mapper installs it for the thread that faulted with this one call.
 */
L4SRV_API int mm_page_fill(L4_Word_t address, L4_Word_t rights, const void *data, L4_Word_t size);
/*
 * The same for a page that may have been filled already: its contents and
 * rights are replaced (a copy-on-write frame it shares stays with the other
 * holders). A forked region mapper rebases relocated words this way.
 */
L4SRV_API int mm_page_refill(L4_Word_t address, L4_Word_t rights, const void *data, L4_Word_t size);
/* Return exactly what one mm_malloc, mm_malloc_at or mm_malloc_priv gave. */
L4SRV_API int mm_free(L4_Word_t size, L4_Word_t location);

/* Make pages resident and keep them so (privileged); pins nest. */
L4SRV_API int mm_pin_priv(L4_Word_t size, L4_Word_t address);
L4SRV_API int mm_unpin_priv(L4_Word_t size, L4_Word_t address);

/*
 * Shared memory: map the caller's pages in page into thread's space at
 * window offset offset, with the rights in priv (L4_Readable, ...; never
 * more than the caller has). unmap takes them out of thread's space again;
 * the caller's pages stay, and whoever still maps a frame keeps it.
 */
L4SRV_API int mm_map(L4_Fpage_t page, L4_Word_t offset, L4_Word_t priv, L4_ThreadId_t thread);
L4SRV_API int mm_unmap(L4_Fpage_t page, L4_Word_t offset, L4_ThreadId_t thread);

/* Server interface (privileged callers: the task server and the root task). */
L4SRV_API int mm_register_backingstore(L4_ThreadId_t store);
/*
 * Create a space whose first thread is thread (not running yet) with the
 * MM server as its pager. With file_handle 0 the space is empty but for a
 * stack; sp is its top, ip 0, and tcb_area the UTCB area the kernel uses.
 */
L4SRV_API int mm_new_as(L4_ThreadId_t thread, L4_Word_t priv, L4_Word_t file_handle,
                        L4_ThreadId_t file_server, L4_Word_t *sp, L4_Word_t *ip,
                        L4_Fpage_t *tcb_area);
/*
 * Create thread in the space of space, not running yet, with a stack of its
 * own unless flags has MM_THREAD_NO_STACK (then *sp is 0).
 */
L4SRV_API int mm_register_thread(L4_ThreadId_t thread, L4_ThreadId_t space, L4_Word_t flags,
                                 L4_Word_t *sp);
/* Delete the thread; the last one of a space takes every frame and slot with it. */
L4SRV_API int mm_deregister_thread(L4_ThreadId_t thread);
/*
 * Fork at the memory level: every region of src's space but its stacks
 * goes into dst's space (a fresh one) at the same window offsets, copy on
 * write. src and dst are any threads of the two spaces.
 */
L4SRV_API int mm_copy_space(L4_ThreadId_t src, L4_ThreadId_t dst);

L4SRV_API int mm_stats(struct mm_stats *out);
L4SRV_API int mm_space_stats(L4_ThreadId_t any_thread_of_space, struct mm_space_stats *out);
/*
 * Check every table of the server against the others (privileged; for
 * tests): *broken is the number of invariants found broken, 0 normally.
 */
L4SRV_API int mm_audit(L4_Word_t *broken);

#ifdef __cplusplus
}
#endif

#endif /* L4SRV_MM_H */

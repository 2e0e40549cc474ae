/*
 * Simulated memory inside the kernel: the memfd that is physical RAM, the
 * windows that are address spaces, and the mapping database that records
 * who got each page from whom. Used by ipc (map/grant items), unmap,
 * sigma0 and the page-fault path; nothing outside src/ipc sees it.
 */
#ifndef L4SIM_MEMORY_H
#define L4SIM_MEMORY_H

#include "kernel.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define NO_FRAME   (~0UL)

#define RIGHT_X    1u
#define RIGHT_W    2u
#define RIGHT_R    4u
#define RIGHTS_ALL 7u

/* Errors of the memory layer; the IPC and system-call code turn them into X.2 codes. */
enum mem_error {
    MEM_OK = 0,
    MEM_NO_NODES,   /* the mapping database is full */
    MEM_MAP_BUDGET, /* the host would run out of memory mappings (vm.max_map_count) */
    MEM_HOST,       /* mmap itself failed */
    MEM_OUTSIDE,    /* the target lies outside the receiver's window */
};

/*
 * One page of one space, mapped from a frame. The tree below a frame's root
 * (sigma0's idempotent mapping) records every map and grant. Guarded by
 * mem.lock.
 */
struct mapping {
    struct space *space;
    word_t vaddr;
    word_t frame;
    unsigned rights;
    unsigned accessed; /* rights of host mappings made, for L4_GetStatus */
    /* Left out of the host for lack of host mappings (or a host failure):
     * the space still has the page, but a touch faults to its pager,
     * whose map shows it again. */
    bool hidden;
    struct mapping *parent;
    struct mapping *first_child, *next_sibling;
};

/* Boot and teardown of the memory layer; l4sim_run calls these. */
int mem_boot(const struct l4sim_config *cfg);
void mem_shutdown(void);

/* Windows: every space owns one slice of the reservation. */
int window_attach(struct space *s, bool physical);
void window_detach(struct space *s); /* revokes everything mapped in it */
bool window_contains(const struct space *s, word_t addr, word_t size);
struct space *window_owner(word_t addr); /* NULL outside every window */
bool window_is_guard(struct space *s, word_t addr);

/* Physical memory as sigma0 sees it: frame f lives at phys_base + f·4 KiB. */
word_t phys_base(void);
word_t phys_size(void);

/*
 * Whether sigma0 may hand out the physical pages of fpage to space `to`:
 * pages it already gave to another space are refused.
 */
bool sigma0_available(word_t fpage, const struct space *to);
/* Any free physical page run of the given size; its base, or NO_FRAME. */
word_t sigma0_find_free(unsigned size_log2);

/*
 * Map or grant the pages of snd_fpage (in `from`) into the receive window
 * of `to`, following X.2 placement with snd_base. Pages `from` lacks are
 * skipped; rights are intersected. *mapped_any tells whether anything
 * changed in `to`. If the page at `watch` (0: none) is among those placed,
 * the rights the host then shows there are added to *watched. MEM_HOST:
 * the host refused a mapping; what it refused is hidden, not shown.
 */
enum mem_error mem_map_fpage(struct space *from, word_t snd_fpage, word_t snd_base,
                             struct space *to, word_t rcv_window, bool grant, word_t watch,
                             unsigned *watched, bool *mapped_any);

/* Revoke rights of an fpage of `s` from every space it reached; with own,
 * from `s` too. Returns the accessed rights of the affected mappings. */
unsigned mem_unmap_fpage(struct space *s, word_t fpage, bool own);

/* The rights `s` has at addr, 0 when nothing is mapped there. */
unsigned mem_rights_at(struct space *s, word_t addr);

/* Statistics for tests, bench and /stats. */
struct mem_stats {
    word_t mappings;   /* mapping nodes in use, sigma0's roots excluded */
    word_t host_vmas;  /* estimated host VMAs used by windows */
    word_t vma_budget; /* the most l4sim allows itself */
};
void mem_get_stats(struct mem_stats *out);

#endif /* L4SIM_MEMORY_H */

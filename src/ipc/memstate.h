/*
 * The memory layer's shared state and the helpers its two halves use:
 * window.c (reservation, windows, host mappings, VMA count) and mapdb.c
 * (the mapping database), and mapdot.c, which draws the database.
 */
#ifndef L4SIM_MEMSTATE_H
#define L4SIM_MEMSTATE_H

#include "memory.h"

struct node_chunk;

struct mem_state {
    struct klock lock; /* guards everything below and every space's pt */
    int memfd;
    word_t frames;
    word_t reservation, reservation_size;
    word_t phys_window_size, window_size;
    word_t phys_slot_size; /* the physical window's slot: a multiple of window_size */
    unsigned window_count;
    struct space **slots;  /* window index -> owner; 0 is the physical window */
    struct mapping *roots; /* sigma0's mapping of each frame */
    long vma_used;         /* boundaries summed over all windows */
    long vma_budget;
    unsigned long host_refusals; /* host_set failures: the host ran out of mappings */
    struct node_chunk *chunks;
    struct mapping *free_nodes;
    word_t nodes_in_use;
};

extern struct mem_state mem;

/* What the host shows at one page: the reservation, or a frame with rights. */
struct page_view {
    bool shown;
    word_t frame;
    unsigned rights;
};
struct page_view page_view_of(const struct mapping *m); /* NULL or hidden: not shown */

/* Boundaries between unlike pages at page indices first..last (each with the page before). */
long window_boundaries(const struct space *s, word_t first, word_t last);
/* How the boundary count of s would change if page i showed v. */
long window_delta(const struct space *s, word_t i, struct page_view v);
/* The pages around i one host mapping shows, or one stretch of reservation. */
void window_run(const struct space *s, word_t i, word_t *first, word_t *end);
bool vma_budget_allows(long extra);
int host_set(word_t vaddr, word_t n, word_t frame, unsigned rights);
/* Whether addr's page is a registered stack guard of s; mem.lock held. */
bool window_guard_at(const struct space *s, word_t addr);
/* PROT_NONE over the whole window: never needs a new host mapping. */
int host_close_window(const struct space *s);

/* Removes m and everything below it; the host catches up at mapping_sync_host. */
void mapping_remove_tree(struct mapping *m);
/* Bring stale host mappings in line with the page tables; before mem.lock is released. */
void mapping_sync_host(void);
void mapping_pool_free(void);

#endif /* L4SIM_MEMSTATE_H */

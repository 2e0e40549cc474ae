/*
 * Inside the MM server: frames, spaces with their page and swap tables,
 * regions, and the pager. One thread (the server's main thread) owns all
 * of it, so none of it is locked; the I/O workers only ever see jobs.
 */
#ifndef MMSERVER_H
#define MMSERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <l4/types.h>
#include <l4srv/ids.h>
#include <l4srv/mm.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define NO_FRAME   UINT32_MAX
#define NO_SLOT    UINT32_MAX
#define MAX_SPACES 256

/* ------------------------------------------------------------ frames */

enum frame_state { FRAME_FREE, FRAME_USED, FRAME_RESERVED };

/* Flags of a used frame. */
#define FRAME_REFERENCED 0x01 /* touched since the clock hand last passed */
#define FRAME_DIRTY      0x02 /* differs from its swap copy (or has none) */
#define FRAME_DEVICE     0x04 /* malloc_priv memory: never paged, freed as a run */
#define FRAME_TRANSIT    0x08 /* a page-in or page-out is using it */
#define FRAME_SHARED     0x10 /* has been in two spaces: stays resident (see docs) */
#define FRAME_COW        0x20 /* held copy on write by refs > 1 pages, all at owner_page */

struct space;

struct frame_info {
    uint32_t refs;       /* page-table entries naming the frame */
    uint32_t owner_page; /* the first entry's page index in its window */
    struct space *owner; /* and its space: who loses the page on page-out (NULL: nobody yet) */
    uint32_t io_slot;    /* FRAME_TRANSIT: the slot being read or written */
    uint16_t pins;       /* pin_priv count: never paged out while nonzero */
    uint8_t state;       /* enum frame_state */
    uint8_t flags;
};

bool frames_init(const bool *owned);
void frames_fini(void);
uint32_t frames_alloc(uint32_t size);
bool frames_alloc_at(uint32_t first, uint32_t size);
void frames_free(uint32_t first, uint32_t size);
void frame_drop(uint32_t f);
void frame_unshare(uint32_t f);

/* A page-table entry holding a frame, and its space. */
struct holder {
    struct space *space;
    struct pte *pte;
};

unsigned frame_holders(uint32_t f, struct holder *out);

/* ---------------------------------------------------- page and swap table */

/* Page classes (seed 002: the page table classifies pages). */
enum page_class {
    PAGE_NONE = 0, /* not allocated: a touch is refused */
    PAGE_ZERO,     /* allocated, never touched or only ever zero: no frame, no slot */
    PAGE_RESIDENT, /* in frame; slot may hold a clean copy */
    PAGE_SWAPPED,  /* only in slot */
    PAGE_IN,       /* being read from slot into frame */
    PAGE_OUT,      /* frame being written to slot */
};

/* One entry of the page table, and with slot the swap table too. */
struct pte {
    uint32_t frame;
    uint32_t slot;
    uint8_t class;    /* enum page_class */
    uint8_t rights;   /* shared or filled pages: their own rights; 0 means the region's */
    uint8_t io_error; /* the last page-in failed: refuse the next fault once */
};

#define PT_LEAF_SHIFT 9
#define PT_LEAF_PAGES (1UL << PT_LEAF_SHIFT)

/* --------------------------------------------------------- regions */

enum region_kind { REGION_ANON, REGION_DEVICE, REGION_STACK, REGION_SHARED };

/* Region flags. */
#define REGION_FILLED 0x01 /* pages come only from page_fill: never zero-filled */

struct region {
    L4_Word_t start, size; /* offsets in the window, page aligned */
    uint8_t kind;          /* enum region_kind */
    uint8_t rights;
    uint8_t flags;
    uint32_t first_frame; /* REGION_DEVICE: its run of frames */
    struct space *source; /* REGION_SHARED: the space that mapped it */
    struct region *next;  /* sorted by start */
};

/* ---------------------------------------------------------- spaces */

struct space {
    unsigned index;       /* in mm.spaces */
    L4_ThreadId_t first;  /* the thread new_as created it for */
    L4_Word_t base, size; /* its window */
    struct pte **dir;     /* page table: leaves of PT_LEAF_PAGES, made on demand */
    struct region *regions;
    unsigned threads;    /* registered threads */
    uint64_t utcb_slots; /* UTCB locations in use, one bit each */
    bool priv;
    uint64_t resident, swapped, faults;
};

/* A thread the MM server knows, indexed by thread number. */
struct thread_rec {
    struct space *space; /* NULL: not registered */
    L4_Word_t version;
    L4_Word_t stack; /* offset of its stack region, or NO_STACK */
    unsigned utcb_slot;
    bool priv;
};

#define NO_STACK (~0UL)

struct space *space_of(L4_ThreadId_t t);
struct thread_rec *thread_rec(L4_ThreadId_t t);
struct pte *pte_at(struct space *s, L4_Word_t page, bool create);
struct region *region_find(struct space *s, L4_Word_t offset);
struct region *region_add(struct space *s, L4_Word_t start, L4_Word_t size, unsigned kind,
                          unsigned rights);
L4_Word_t region_place(struct space *s, L4_Word_t size, bool from_top);
bool region_overlaps(struct space *s, L4_Word_t start, L4_Word_t size);
void region_release(struct space *s, struct region *r);
void page_release(struct space *s, L4_Word_t page);
int space_new(L4_ThreadId_t thread, L4_ThreadId_t caller, bool priv, L4_Word_t *sp,
              L4_Fpage_t *utcb_area);
int space_add_thread(L4_ThreadId_t thread, L4_ThreadId_t space, L4_ThreadId_t caller,
                     L4_Word_t flags, L4_Word_t *sp);
int space_remove_thread(L4_ThreadId_t thread);
void spaces_fini(void);

/* ---------------------------------------------------------- the pager */

enum outcome { DONE, PARKED };

#define MM_STATS_WORDS 16

struct reply {
    L4_Word_t label; /* 0 or an l4srv_error */
    unsigned words;  /* MR1.. */
    L4_Word_t mr[MM_STATS_WORDS];
    L4_Fpage_t map; /* map item, if not nil */
    L4_Word_t snd_base;
    bool silent; /* send nothing (a refused fault sends an empty reply instead) */
};

enum outcome pager_fault(struct space *s, L4_Word_t addr, unsigned access, struct reply *r);
enum outcome make_resident(struct space *s, L4_Word_t page, int *error);
enum outcome page_fill(struct space *s, L4_Word_t page, unsigned rights, const void *data,
                       L4_Word_t len, struct reply *r);
uint32_t frame_get(struct space *s, bool *wait);
void frame_own(uint32_t f, struct space *s, L4_Word_t page, uint8_t flags);
void frame_unmap(uint32_t f);
L4_Word_t frame_address(uint32_t f);
void slot_ref(uint32_t slot);
void slot_free(uint32_t slot);

/* ------------------------------------------------------ copy on write */

enum outcome cow_break(struct space *s, L4_Word_t page, int *error);
enum outcome space_copy(struct space *src, struct space *dst, int *error);
uint64_t space_shared_pages(struct space *s);

/* ------------------------------------------------------------ audit */

unsigned mm_audit_tables(void);

/* ------------------------------------------------------- swap I/O */

enum io_op { IO_READ = 1, IO_WRITE };

struct io_job {
    enum io_op op;
    uint32_t frame, slot;
    struct io_job *next;
};

/* Internal labels between the main thread and its workers. */
#define MM_IO_READY 0x4d30
#define MM_IO_DONE  0x4d31

bool io_start(enum io_op op, uint32_t frame, uint32_t slot);
void io_done(uint32_t frame, int error);
void io_dispatch(void);
void io_worker_main(void *kip);
void io_fini(void);

/* -------------------------------------------------------- the state */

struct mm_state {
    L4_Word_t ram_base;   /* address of frame 0 in the server's space */
    uint32_t frame_count; /* frames in [ram_base, ...), ours or not */
    struct frame_info *frames;
    uint64_t frames_total, frames_free;
    uint32_t clock_hand;

    struct space *spaces[MAX_SPACES];
    struct thread_rec *threads;
    L4_Word_t thread_cap;

    L4_ThreadId_t store; /* backing store, or nil */
    bool store_failed;   /* a page-out failed: no more page-outs (see docs) */
    uint32_t swap_slots;
    uint32_t swap_used;  /* slots with a nonzero count */
    uint32_t *slot_refs; /* per slot: page-table entries and I/O jobs holding it */
    unsigned io_timeout_ms;

    struct io_job *jobs, *jobs_tail; /* waiting for a worker */
    unsigned jobs_in_flight;
    L4_ThreadId_t idle_workers[L4SRV_MM_IO_COUNT];
    unsigned idle_count;
    bool completed; /* something finished: retry the parked requests */

    struct mm_stats stats; /* counters; the frame numbers are filled on request */
};

extern struct mm_state mm;

#endif /* MMSERVER_H */

/*
 * Physical frames: free memory kept as runs with boundary tags (seed 002),
 * and one record per frame of who uses it. Only the MM server's main
 * thread calls this; nothing here talks to anyone.
 */
#include <stdlib.h>
#include <string.h>

#include "mmserver.h"

/*
 * Every frame belongs to exactly one run, free or used, and the runs tile
 * [0, frame_count). A run's first and last frame carry its boundary tag, so
 * a freed run finds its neighbours in O(1): the frame just before it ends
 * the previous run, the frame just after starts the next.
 */
struct btag {
    uint32_t size; /* length of the run this frame starts or ends */
    uint32_t free; /* whether that run is free */
};

#define CLASSES 32 /* free lists by floor(log2(run length)) */

static struct {
    struct btag *tags;
    uint32_t *next, *prev; /* free-list links, valid at a free run's first frame */
    uint32_t heads[CLASSES];
} bt;

#define NONE UINT32_MAX

static unsigned size_class(uint32_t size)
{
    return 31u - (unsigned) __builtin_clz(size);
}

static void tag_run(uint32_t first, uint32_t size, bool free)
{
    bt.tags[first] = (struct btag){size, free};
    bt.tags[first + size - 1] = (struct btag){size, free};
}

static void list_insert(uint32_t first)
{
    unsigned c = size_class(bt.tags[first].size);
    bt.prev[first] = NONE;
    bt.next[first] = bt.heads[c];
    if (bt.heads[c] != NONE)
        bt.prev[bt.heads[c]] = first;
    bt.heads[c] = first;
}

static void list_remove(uint32_t first)
{
    unsigned c = size_class(bt.tags[first].size);
    if (bt.prev[first] != NONE)
        bt.next[bt.prev[first]] = bt.next[first];
    else
        bt.heads[c] = bt.next[first];
    if (bt.next[first] != NONE)
        bt.prev[bt.next[first]] = bt.prev[first];
}

static void add_free_run(uint32_t first, uint32_t size)
{
    tag_run(first, size, true);
    list_insert(first);
}

/* Take [first, first + size) out of the free run starting at run. */
static void carve(uint32_t run, uint32_t first, uint32_t size)
{
    uint32_t run_size = bt.tags[run].size;
    list_remove(run);
    if (first > run)
        add_free_run(run, first - run);
    if (first + size < run + run_size)
        add_free_run(first + size, run + run_size - (first + size));
    tag_run(first, size, false);
    for (uint32_t f = first; f < first + size; f++) {
        mm.frames[f] = (struct frame_info){.state = FRAME_USED};
    }
    mm.frames_free -= size;
}

bool frames_init(const bool *owned)
{
    uint32_t n = mm.frame_count;
    mm.frames = calloc(n, sizeof(*mm.frames));
    bt.tags = calloc(n, sizeof(*bt.tags));
    bt.next = calloc(n, sizeof(*bt.next));
    bt.prev = calloc(n, sizeof(*bt.prev));
    if (!mm.frames || !bt.tags || !bt.next || !bt.prev)
        return false;
    for (unsigned c = 0; c < CLASSES; c++)
        bt.heads[c] = NONE;
    mm.frames_free = mm.frames_total = 0;
    for (uint32_t f = 0; f < n;) {
        uint32_t end = f;
        while (end < n && owned[end] == owned[f])
            end++;
        if (owned[f]) {
            add_free_run(f, end - f);
            mm.frames_total += end - f;
            mm.frames_free += end - f;
        } else {
            tag_run(f, end - f, false); /* never ours: a used run nobody frees */
            for (uint32_t g = f; g < end; g++)
                mm.frames[g].state = FRAME_RESERVED;
        }
        f = end;
    }
    return true;
}

void frames_fini(void)
{
    free(mm.frames);
    free(bt.tags);
    free(bt.next);
    free(bt.prev);
    memset(&bt, 0, sizeof(bt));
    mm.frames = NULL;
}

/* First fit from the smallest class that can hold size; NO_FRAME if none. */
uint32_t frames_alloc(uint32_t size)
{
    if (size == 0 || size > mm.frames_free)
        return NO_FRAME;
    for (unsigned c = size_class(size); c < CLASSES; c++)
        for (uint32_t run = bt.heads[c]; run != NONE; run = bt.next[run])
            if (bt.tags[run].size >= size) {
                carve(run, run, size);
                return run;
            }
    return NO_FRAME;
}

/* Take exactly [first, first + size) if all of it is free. */
bool frames_alloc_at(uint32_t first, uint32_t size)
{
    if (size == 0 || first >= mm.frame_count || size > mm.frame_count - first)
        return false;
    for (unsigned c = 0; c < CLASSES; c++)
        for (uint32_t run = bt.heads[c]; run != NONE; run = bt.next[run])
            if (run <= first && first + size <= run + bt.tags[run].size) {
                carve(run, first, size);
                return true;
            }
    return false;
}

/* Give back a run that frames_alloc or frames_alloc_at returned. */
void frames_free(uint32_t first, uint32_t size)
{
    for (uint32_t f = first; f < first + size; f++)
        mm.frames[f] = (struct frame_info){.state = FRAME_FREE};
    mm.frames_free += size;
    if (first > 0 && bt.tags[first - 1].free) {
        uint32_t left = first - bt.tags[first - 1].size;
        list_remove(left);
        size += first - left;
        first = left;
    }
    uint32_t after = first + size;
    if (after < mm.frame_count && bt.tags[after].free) {
        list_remove(after);
        size += bt.tags[after].size;
    }
    add_free_run(first, size);
}

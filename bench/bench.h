/*
 * The interface between l4sim-bench's driver (main.c) and its entry
 * families (baseline.c, ipc.c, memory.c): parameters, entries, helpers.
 */
#ifndef L4SIM_BENCH_BENCH_H
#define L4SIM_BENCH_BENCH_H

#include <stddef.h>

#include "stats.h"

#include <l4/message.h>

enum bench_placement { BENCH_SAME, BENCH_SPLIT };

struct bench_params {
    enum bench_placement placement;
    /*
     * CPUs for the initiating side (cpu[0]) and the answering side (cpu[1])
     * of a round trip: equal for BENCH_SAME, distinct for BENCH_SPLIT.
     */
    int cpu[2];
    unsigned long iters;  /* timed operations, a multiple of batch */
    unsigned long batch;  /* operations per sample */
    unsigned long warmup; /* untimed operations run first */
};

/* Operations the answering side must serve: warm-up plus timed ones. */
static inline unsigned long bench_total_ops(const struct bench_params *p)
{
    return p->warmup + p->iters;
}

/*
 * A figure that is not a timing, printed as
 * {"name":"<entry>","value":V,"<key>":<value>,...} with the extras in order.
 */
#define BENCH_FIGURE_EXTRAS 4

struct bench_figure {
    unsigned long long value;
    unsigned nextra;
    struct {
        const char *key;
        unsigned long long value;
    } extra[BENCH_FIGURE_EXTRAS];
};

struct bench_entry {
    const char *name; /* as on the command line and in the JSON output */
    const char *what; /* one line for --list */
    /*
     * Measure: add one sample per batch to *s, each the cost of one
     * operation in ns. Returns 0, or -1 after saying why on stderr.
     */
    int (*run)(const struct bench_params *p, struct bench_samples *s);
    /* Instead of run, for an entry that counts: fill in *f; 0 or -1 as for run. */
    int (*figure)(const struct bench_params *p, struct bench_figure *f);
};

/* A family is one bench/<family>.c; main.c lists the families. */
struct bench_family {
    const struct bench_entry *entries;
    size_t count;
};

extern const struct bench_family bench_baseline;
extern const struct bench_family bench_ipc;
extern const struct bench_family bench_memory;
extern const struct bench_family bench_mm;
extern const struct bench_family bench_naming;
extern const struct bench_family bench_task;

/* Pin the calling thread to one CPU. Returns 0, or -1 after saying why. */
int bench_pin_self(int cpu);

/*
 * The timing loop for an entry's initiating side: p->warmup untimed calls of
 * op(ctx), then p->iters timed ones in batches of p->batch, each batch timed
 * with CLOCK_MONOTONIC so the clock's own cost is spread over the batch.
 * Stops at the first op that returns non-zero and returns -1.
 */
int bench_time_ops(const struct bench_params *p, struct bench_samples *s, int (*op)(void *ctx),
                   void *ctx);

/*
 * bench_time_ops for operations that use something up (fresh pages, say):
 * prepare(ctx, n) runs untimed before every n operations, before each batch
 * and each batch-sized piece of the warm-up, and may renew it. A non-zero
 * return stops the run as op's does.
 */
int bench_time_prepared_ops(const struct bench_params *p, struct bench_samples *s,
                            int (*op)(void *ctx), int (*prepare)(void *ctx, unsigned long n),
                            void *ctx);

/* A message tag, for the entries that talk to l4sim. */
static inline L4_MsgTag_t bench_tag(L4_Word_t label, int t, int u)
{
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.label = label;
    tag.X.t = (L4_Word_t) t;
    tag.X.u = (L4_Word_t) u;
    return tag;
}

#endif /* L4SIM_BENCH_BENCH_H */

/*
 * Sample collection for l4sim-bench: one sample is the mean cost of one
 * operation over a timed batch, in nanoseconds; summaries are median and p99.
 */
#ifndef L4SIM_BENCH_STATS_H
#define L4SIM_BENCH_STATS_H

#include <stddef.h>

struct bench_samples {
    double *ns; /* per-operation cost of each batch */
    size_t n, cap;
};

void stats_init(struct bench_samples *s);
void stats_free(struct bench_samples *s);
/* Returns 0, or -1 when out of memory. */
int stats_add(struct bench_samples *s, double ns);
/* Both return 0 for an empty set. */
double stats_median(const struct bench_samples *s);
double stats_p99(const struct bench_samples *s);

#endif /* L4SIM_BENCH_STATS_H */

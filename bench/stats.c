/*
 * Sample collection for l4sim-bench: a growable array of per-operation
 * costs and the two order statistics the bench reports.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

void stats_init(struct bench_samples *s)
{
    s->ns = NULL;
    s->n = s->cap = 0;
}

void stats_free(struct bench_samples *s)
{
    free(s->ns);
    stats_init(s);
}

int stats_add(struct bench_samples *s, double ns)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        double *p = realloc(s->ns, cap * sizeof(*p));
        if (!p)
            return -1;
        s->ns = p;
        s->cap = cap;
    }
    s->ns[s->n++] = ns;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/*
 * The q-quantile by the nearest-rank method on a sorted copy: always an
 * observed value, so a p99 never understates the worst batches by
 * interpolating towards better ones.
 */
static double quantile(const struct bench_samples *s, double q)
{
    if (s->n == 0)
        return 0;
    double *v = malloc(s->n * sizeof(*v));
    if (!v)
        return NAN;
    memcpy(v, s->ns, s->n * sizeof(*v));
    qsort(v, s->n, sizeof(*v), cmp_double);
    size_t rank = (size_t) ceil(q * (double) s->n);
    double r = v[rank ? rank - 1 : 0];
    /* The median of an even count is the mean of the two middle values. */
    if (q == 0.5 && s->n % 2 == 0)
        r = (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
    free(v);
    return r;
}

double stats_median(const struct bench_samples *s)
{
    return quantile(s, 0.5);
}

double stats_p99(const struct bench_samples *s)
{
    return quantile(s, 0.99);
}

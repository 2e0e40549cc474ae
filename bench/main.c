/*
 * l4sim-bench: runs the named benchmark entries (all by default) and prints
 * one JSON object per line, then the ratios between entries that both ran.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

/* Every family; a new bench/<family>.c adds its table here. */
static const struct bench_family *const families[] = {
    &bench_baseline, &bench_ipc, &bench_memory, &bench_mm, &bench_naming, &bench_task,
};

/*
 * ratio = median(num) / (median(den[0]) + median(den[1]) ...), printed when
 * all its entries ran: a denominator may add up the baselines whose sum
 * does the same work as num.
 */
#define RATIO_TERMS 3

static const struct {
    const char *name, *num, *den[RATIO_TERMS];
} ratios[] = {
    {"ipc_rt_ratio_vs_futex", "ipc_rt", {"futex_rt"}},
    {"ipc_rt_ratio_vs_futex_spin", "ipc_rt", {"futex_spin_rt"}},
    {"ipc_rt_ratio_vs_unix_socket", "ipc_rt", {"unix_socket_rt"}},
    {"pagefault_ratio", "pagefault", {"sigsegv_mmap", "futex_rt"}},
    {"mm_fault_ratio", "mm_fault", {"sigsegv_mmap", "futex_rt"}},
    {"mm_fault_vs_raw_pager", "mm_fault", {"pagefault"}},
    {"mm_swap_in_ratio", "mm_swap_in", {"pread_page", "sigsegv_mmap", "futex_rt"}},
    {"mm_malloc_free_ratio", "mm_malloc_free", {"mmap_munmap"}},
    {"task_new_kill_ratio", "task_new_kill", {"posix_spawn_hello"}},
};

#define DEFAULT_ITERS 20000UL
#define BATCH         100UL /* operations per sample at full size */
#define MIN_SAMPLES   10UL  /* batches shrink for small --iters, down to this many */

int bench_pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    if (err) {
        fprintf(stderr, "l4sim-bench: cannot pin a thread to CPU %d: %s\n", cpu, strerror(err));
        return -1;
    }
    return 0;
}

static unsigned long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long) ts.tv_sec * 1000000000ULL + (unsigned long long) ts.tv_nsec;
}

int bench_time_prepared_ops(const struct bench_params *p, struct bench_samples *s,
                            int (*op)(void *ctx), int (*prepare)(void *ctx, unsigned long n),
                            void *ctx)
{
    for (unsigned long done = 0; done < p->warmup;) {
        unsigned long n = prepare && p->warmup - done > p->batch ? p->batch : p->warmup - done;
        if (prepare && prepare(ctx, n))
            return -1;
        for (unsigned long i = 0; i < n; i++)
            if (op(ctx))
                return -1;
        done += n;
    }
    for (unsigned long done = 0; done < p->iters; done += p->batch) {
        if (prepare && prepare(ctx, p->batch))
            return -1;
        unsigned long long t0 = now_ns();
        for (unsigned long i = 0; i < p->batch; i++)
            if (op(ctx))
                return -1;
        unsigned long long t1 = now_ns();
        if (stats_add(s, (double) (t1 - t0) / (double) p->batch)) {
            fprintf(stderr, "l4sim-bench: out of memory\n");
            return -1;
        }
    }
    return 0;
}

int bench_time_ops(const struct bench_params *p, struct bench_samples *s, int (*op)(void *ctx),
                   void *ctx)
{
    return bench_time_prepared_ops(p, s, op, NULL, ctx);
}

static const struct bench_entry *find_entry(const char *name)
{
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
        for (size_t i = 0; i < families[f]->count; i++)
            if (!strcmp(families[f]->entries[i].name, name))
                return &families[f]->entries[i];
    return NULL;
}

/*
 * The CPUs for a placement, taken from the process's affinity mask rather
 * than fixed numbers, so a run restricted by taskset or a container's cpuset
 * still works: "same" uses the first allowed CPU, "split" the first two.
 */
static int choose_cpus(struct bench_params *p)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set)) {
        fprintf(stderr, "l4sim-bench: sched_getaffinity: %s\n", strerror(errno));
        return -1;
    }
    int found = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++)
        if (CPU_ISSET(cpu, &set))
            p->cpu[found++] = cpu;
    if (found == 0) {
        fprintf(stderr, "l4sim-bench: no CPU in the affinity mask\n");
        return -1;
    }
    if (p->placement == BENCH_SAME) {
        p->cpu[1] = p->cpu[0];
    } else if (found < 2) {
        fprintf(stderr,
                "l4sim-bench: --placement=split needs two CPUs, but this process may run on "
                "CPU %d only\n",
                p->cpu[0]);
        return -1;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: l4sim-bench [--placement=same|split] [--iters=N] [--list] [NAME...]\n"
            "Runs the named entries (all without NAME); prints one JSON object per line.\n"
            "  --placement=same   both threads of a round trip on one CPU (default)\n"
            "  --placement=split  the two threads on two different CPUs\n"
            "  --iters=N          timed operations per entry (default %lu)\n"
            "  --list             list the entries and exit\n",
            DEFAULT_ITERS);
}

static void list_entries(void)
{
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
        for (size_t i = 0; i < families[f]->count; i++)
            printf("%-16s %s\n", families[f]->entries[i].name, families[f]->entries[i].what);
}

struct result {
    const char *name;
    double median;
};

static const struct result *find_result(const struct result *r, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(r[i].name, name))
            return &r[i];
    return NULL;
}

/* The sum of ratio i's denominator medians, or 0 if one of its entries did not run. */
static double ratio_denominator(const struct result *r, size_t n, size_t i)
{
    double sum = 0;
    for (size_t k = 0; k < RATIO_TERMS && ratios[i].den[k]; k++) {
        const struct result *term = find_result(r, n, ratios[i].den[k]);
        if (!term)
            return 0;
        sum += term->median;
    }
    return sum;
}

/* An entry that counts rather than times: one line with its figure. */
static int run_figure(const struct bench_entry *e, const struct bench_params *p)
{
    struct bench_figure f = {0};
    if (e->figure(p, &f)) {
        fprintf(stderr, "l4sim-bench: %s failed\n", e->name);
        return -1;
    }
    printf("{\"name\":\"%s\",\"value\":%llu", e->name, f.value);
    for (unsigned k = 0; k < f.nextra && k < BENCH_FIGURE_EXTRAS; k++)
        printf(",\"%s\":%llu", f.extra[k].key, f.extra[k].value);
    printf("}\n");
    fflush(stdout);
    return 0;
}

/* The whole command; todo has room for every name given and for every entry. */
static int bench_main(int argc, char **argv, const struct bench_entry **todo)
{
    struct bench_params p = {.placement = BENCH_SAME};
    unsigned long iters = DEFAULT_ITERS;
    size_t ntodo = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--placement=same")) {
            p.placement = BENCH_SAME;
        } else if (!strcmp(a, "--placement=split")) {
            p.placement = BENCH_SPLIT;
        } else if (!strncmp(a, "--iters=", 8)) {
            char *end;
            errno = 0;
            iters = strtoul(a + 8, &end, 10);
            if (errno || end == a + 8 || *end || iters == 0 || a[8] == '-') {
                fprintf(stderr, "l4sim-bench: bad %s: want a positive integer\n", a);
                return 2;
            }
        } else if (!strcmp(a, "--list")) {
            list_entries();
            return 0;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-') {
            fprintf(stderr, "l4sim-bench: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else {
            const struct bench_entry *e = find_entry(a);
            if (!e) {
                fprintf(stderr, "l4sim-bench: no entry named %s (see --list)\n", a);
                return 2;
            }
            todo[ntodo++] = e;
        }
    }
    if (ntodo == 0) {
        for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
            for (size_t i = 0; i < families[f]->count; i++)
                todo[ntodo++] = &families[f]->entries[i];
    }
    if (choose_cpus(&p))
        return 1;

    /* Full batches when there are enough operations, else at least MIN_SAMPLES samples. */
    p.batch =
        iters >= BATCH * MIN_SAMPLES ? BATCH : (iters >= MIN_SAMPLES ? iters / MIN_SAMPLES : 1);
    p.iters = (iters + p.batch - 1) / p.batch * p.batch;
    /* A tenth of the run, bounded, warms caches, branch predictors and the CPU clock. */
    p.warmup = iters / 10 < 100 ? 100 : (iters / 10 > 20000 ? 20000 : iters / 10);

    const char *placement = p.placement == BENCH_SAME ? "same" : "split";
    struct result *results = calloc(ntodo, sizeof(*results));
    size_t nresults = 0;
    int status = 0;
    if (!results)
        return 1;
    for (size_t i = 0; i < ntodo; i++) {
        if (todo[i]->figure) {
            if (run_figure(todo[i], &p))
                status = 1;
            continue;
        }
        struct bench_samples s;
        stats_init(&s);
        if (todo[i]->run(&p, &s) || s.n == 0) {
            fprintf(stderr, "l4sim-bench: %s failed\n", todo[i]->name);
            status = 1;
        } else {
            double median = stats_median(&s), p99 = stats_p99(&s);
            printf("{\"name\":\"%s\",\"placement\":\"%s\",\"median_ns\":%.0f,\"p99_ns\":%.0f,"
                   "\"iters\":%lu}\n",
                   todo[i]->name, placement, median, p99, p.iters);
            fflush(stdout);
            results[nresults++] = (struct result){todo[i]->name, median};
        }
        stats_free(&s);
    }
    for (size_t i = 0; i < sizeof(ratios) / sizeof(ratios[0]); i++) {
        const struct result *num = find_result(results, nresults, ratios[i].num);
        double den = ratio_denominator(results, nresults, i);
        if (num && den > 0)
            printf("{\"name\":\"%s\",\"placement\":\"%s\",\"ratio\":%.2f}\n", ratios[i].name,
                   placement, num->median / den);
    }
    free(results);
    return status;
}

int main(int argc, char **argv)
{
    size_t nentries = 0;
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
        nentries += families[f]->count;
    const struct bench_entry **todo = calloc((size_t) argc + nentries, sizeof(*todo));
    if (!todo) {
        fprintf(stderr, "l4sim-bench: out of memory\n");
        return 1;
    }
    int status = bench_main(argc, argv, todo);
    free(todo);
    return status;
}

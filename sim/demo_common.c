/*
 * What every demo shares: its configuration, the classification of its
 * outcome, and the summary it prints. Uses only the public headers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <l4sim/faults.h>
#include <l4srv/mm.h>
#include <l4srv/system.h>

#include "demo.h"

const struct demo *const demo_table[] = {&demo_ipc, &demo_boot, &demo_kill, &demo_naming};
const unsigned demo_count = sizeof(demo_table) / sizeof(demo_table[0]);

const struct demo *demo_find(const char *name)
{
    for (unsigned i = 0; i < demo_count; i++)
        if (!strcmp(demo_table[i]->name, name))
            return demo_table[i];
    return NULL;
}

const char *demo_outcome_name(enum demo_outcome o)
{
    static const char *const names[] = {"ok", "recovered", "failed", "deadlock", "crash"};
    return (unsigned) o < sizeof(names) / sizeof(names[0]) ? names[o] : "crash";
}

void demo_config(const struct demo_options *opt, struct l4sim_config *cfg)
{
    l4sim_config_init(cfg);
    /* Demos replay exactly: deterministic unless L4SIM_DETERMINISTIC=0. */
    if (!getenv("L4SIM_DETERMINISTIC"))
        cfg->deterministic = 1;
    if (opt->seed_given) { /* a seed is for replaying: always deterministic */
        cfg->deterministic = 1;
        cfg->seed = opt->seed;
    } else if (cfg->deterministic && !getenv("L4SIM_SEED"))
        cfg->seed = 1;
    if (opt->faults)
        cfg->faults = opt->faults;
}

const char demo_options_help[] =
    "  --seed N             replay deterministic run N (default 1)\n"
    "  --faults SPEC        inject faults (l4sim faults; docs/faults.md)\n"
    "  --trace, --no-trace  show or hide the kernel trace\n";

/* A whole non-negative number, or -1. */
static int parse_seed(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (!*s || *s == '-' || *end || errno)
        return -1;
    *out = v;
    return 0;
}

int demo_parse_option(struct demo_options *opt, const char *cmd, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--trace")) {
        opt->trace = true;
        return 1;
    }
    if (!strcmp(a, "--no-trace")) {
        opt->trace = false;
        return 1;
    }
    if (strcmp(a, "--seed") && strcmp(a, "--faults"))
        return 0;
    if (*i + 1 == argc) {
        fprintf(stderr, "l4sim %s: %s needs a value\n", cmd, a);
        return -1;
    }
    const char *v = argv[++*i];
    if (a[2] == 'f') {
        opt->faults = v;
    } else if (parse_seed(v, &opt->seed) != 0) {
        fprintf(stderr, "l4sim %s: --seed wants a whole number, not '%s'\n", cmd, v);
        return -1;
    } else {
        opt->seed_given = true;
    }
    return 1;
}

static struct {
    struct timespec start;
    bool have_memory;
    struct mm_stats mm;
} run_state;

static void print_trace(const char *line, size_t len, void *ctx)
{
    const struct demo_options *opt = ctx;
    printf(opt->color ? "    \033[2m| %.*s\033[0m\n" : "    | %.*s\n", (int) len, line);
    fflush(stdout);
}

void demo_begin(const struct demo_options *opt, struct l4sim_config *cfg, const char *title)
{
    demo_config(opt, cfg);
    if (opt->trace) {
        cfg->trace_sink = print_trace;
        cfg->trace_ctx = (void *) opt;
    }
    run_state.have_memory = false;
    printf("%s\n", title);
    if (cfg->deterministic)
        printf("Deterministic run, seed %llu (replay: --seed %llu; L4SIM_DETERMINISTIC=0 for "
               "free-running threads).\n",
               (unsigned long long) cfg->seed, (unsigned long long) cfg->seed);
    if (opt->trace)
        printf("Kernel trace lines start with '|': t=<µs> event thread [-> partner] "
               "label u=<untyped words> t=<typed words>.\n");
    fflush(stdout);
    clock_gettime(CLOCK_MONOTONIC, &run_state.start);
}

struct system_app {
    int (*app)(void *arg);
    void *arg;
};

static int app_then_memory(void *arg)
{
    const struct system_app *sa = arg;
    int rc = sa->app(sa->arg);
    run_state.have_memory = mm_stats(&run_state.mm) == 0;
    return rc;
}

int demo_run_system(const struct l4sim_config *cfg, const struct l4srv_options *sys,
                    int (*app)(void *arg), void *arg)
{
    struct system_app sa = {app, arg};
    return l4srv_run(cfg, sys, app_then_memory, &sa);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return path && *path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *demo_images_dir(void)
{
    const char *env = getenv("L4SIM_IMAGES");
    if (env)
        return is_dir(env) ? env : NULL;
    if (is_dir(L4SIM_INSTALLED_IMAGES_DIR))
        return L4SIM_INSTALLED_IMAGES_DIR;
    return is_dir(L4SIM_BUILD_IMAGES_DIR) ? L4SIM_BUILD_IMAGES_DIR : NULL;
}

void demo_maps_snapshot(void) {}

static void print_fired(void)
{
    bool any = false;
    for (unsigned i = 0; i < l4sim_fault_point_count(); i++) {
        struct l4sim_fault_point p;
        if (l4sim_fault_point_get(i, &p) == 0 && p.fired) {
            printf("%s%s x%llu", any ? ", " : "    faults fired: ", p.name,
                   (unsigned long long) p.fired);
            any = true;
        }
    }
    if (any)
        printf("\n");
}

/* Close the trace views and take the run's figures into *res. */
static void collect(struct demo_result *res)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    res->wall_ms = (double) (now.tv_sec - run_state.start.tv_sec) * 1e3 +
                   (double) (now.tv_nsec - run_state.start.tv_nsec) / 1e6;
    res->have_memory = run_state.have_memory;
    res->page_ins = run_state.mm.page_ins;
    res->page_outs = run_state.mm.page_outs;
    res->zero_fills = run_state.mm.zero_fills;
    l4sim_get_stats(&res->stats);
}

void demo_summary(const struct l4sim_config *cfg, const struct demo_result *res)
{
    const struct l4sim_stats *s = &res->stats;
    printf("    summary: %llu threads created, %llu messages, %llu page faults",
           (unsigned long long) s->threads_created, (unsigned long long) s->ipc_count,
           (unsigned long long) s->page_faults);
    if (res->have_memory)
        printf(", %llu pages zero-filled, %llu paged out, %llu paged in",
               (unsigned long long) res->zero_fills, (unsigned long long) res->page_outs,
               (unsigned long long) res->page_ins);
    printf("\n");
    if (cfg->deterministic)
        printf("    virtual time %llu us, %llu scheduling decisions, %llu trace events, "
               "trace hash %016llx\n",
               (unsigned long long) s->virtual_time_us, (unsigned long long) s->sched_decisions,
               (unsigned long long) s->trace_events, (unsigned long long) s->trace_hash);
    printf("    wall time %.1f ms\n", res->wall_ms);
    if (cfg->faults && *cfg->faults)
        printf("    faults: %s (%llu fired, %llu messages dropped)\n", cfg->faults,
               (unsigned long long) s->faults_fired, (unsigned long long) s->ipc_dropped);
    print_fired();
    if (s->invariants_broken)
        printf("    invariants broken:\n%s\n", l4sim_invariant_report());
    fflush(stdout);
}

int demo_finish(const char *name, const struct l4sim_config *cfg, int rc, struct demo_result *res)
{
    collect(res);
    const struct l4sim_stats *s = &res->stats;
    if (rc == L4SIM_DEADLOCK)
        res->outcome = DEMO_DEADLOCK;
    else if (rc == DEMO_OK || rc == DEMO_RECOVERED)
        res->outcome = (enum demo_outcome) rc;
    else
        res->outcome = DEMO_FAILED; /* a wrong result, or the system did not boot */
    if (s->invariants_broken && res->outcome != DEMO_DEADLOCK)
        res->outcome = DEMO_FAILED;

    demo_summary(cfg, res);
    if (res->outcome == DEMO_OK)
        printf("\ndemo %s: ok\n", name);
    else if (res->outcome == DEMO_RECOVERED)
        printf("\ndemo %s: recovered (an error was reported and handled)\n", name);
    else
        printf("\ndemo %s: FAILED (%s, %d)\n", name, demo_outcome_name(res->outcome), rc);
    fflush(stdout);
    return res->outcome == DEMO_OK || res->outcome == DEMO_RECOVERED ? 0 : 1;
}

int demo_end_run(const struct l4sim_config *cfg, struct demo_result *res)
{
    collect(res);
    demo_summary(cfg, res);
    return 0;
}

/*
 * What every demo shares: its configuration, the classification of its
 * outcome, and the summary it prints. Uses only the public headers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <l4sim/faults.h>
#include <l4srv/ids.h>
#include <l4srv/mm.h>
#include <l4srv/system.h>

#include "demo.h"
#include "trace_filter.h"
#include "trace_msc.h"
#include "trace_view.h"

const struct demo *const demo_table[] = {&demo_boot, &demo_ipc,  &demo_pagefault, &demo_fork,
                                         &demo_swap, &demo_kill, &demo_naming,    &demo_restart};
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

void demo_recovered(enum demo_outcome *o)
{
    if (*o == DEMO_OK)
        *o = DEMO_RECOVERED;
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
    "  --trace[=FILTER]     show the kernel trace; FILTER is comma-separated thread=N[.V],\n"
    "                       space=N (named by its first thread), kind=K (an event name, e.g.\n"
    "                       send, pagefault, timeout, or a group: ipc, memory, thread, space,\n"
    "                       fault); same keys OR, different keys AND; every view uses it\n"
    "  --no-trace           hide the trace on the terminal (a FILTER still applies)\n"
    "  --color=WHEN         colour the trace: auto (a terminal and no NO_COLOR), always, never\n"
    "  --step               wait for Enter after each trace line shown (c Enter: run on);\n"
    "                       reads /dev/tty, else stdin, where end of input runs on\n"
    "  --trace-json FILE    the trace as Chrome trace-event JSON (ui.perfetto.dev)\n"
    "  --msc FILE           the trace as a message sequence chart for mscgen\n"
    "  --svg FILE           that chart drawn as SVG (needs mscgen)\n"
    "  --maps-dot FILE      the mapping tree for Graphviz dot\n";

bool demo_color_auto(void)
{
    const char *no_color = getenv("NO_COLOR"); /* no-color.org: set and not empty */
    return isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

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

/* Options that take a value, as "--name VALUE" or "--name=VALUE". */
static const char *const valued[] = {"--seed", "--faults", "--trace-json",
                                     "--msc",  "--svg",    "--maps-dot"};

static int set_value(struct demo_options *opt, const char *cmd, const char *name, const char *v)
{
    if (!strcmp(name, "--seed")) {
        if (parse_seed(v, &opt->seed) != 0) {
            fprintf(stderr, "l4sim %s: --seed wants a whole number, not '%s'\n", cmd, v);
            return -1;
        }
        opt->seed_given = true;
    } else if (!strcmp(name, "--faults")) {
        opt->faults = v;
    } else if (!*v) {
        fprintf(stderr, "l4sim %s: %s wants a file name\n", cmd, name);
        return -1;
    } else if (!strcmp(name, "--trace-json")) {
        opt->json_path = v;
    } else if (!strcmp(name, "--msc")) {
        opt->msc_path = v;
    } else if (!strcmp(name, "--maps-dot")) {
        opt->maps_dot_path = v;
    } else {
        if (!trace_msc_have_mscgen()) {
            fprintf(stderr,
                    "l4sim %s: --svg needs mscgen, which is not on PATH (install it, e.g. "
                    "apt install mscgen, or write the chart with --msc FILE)\n",
                    cmd);
            return -1;
        }
        opt->svg_path = v;
    }
    return 1;
}

static int set_filter(struct demo_options *opt, const char *cmd, const char *spec)
{
    struct trace_filter f;
    char err[1024];
    if (trace_filter_parse(spec, &f, err, sizeof(err)) != 0) {
        fprintf(stderr, "l4sim %s: bad trace filter '%s': %s\n", cmd, spec, err);
        return -1;
    }
    opt->trace = true;
    opt->filter = spec;
    return 1;
}

int demo_parse_option(struct demo_options *opt, const char *cmd, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--trace")) {
        opt->trace = true;
        return 1;
    }
    if (!strncmp(a, "--trace=", 8))
        return set_filter(opt, cmd, a + 8);
    if (!strcmp(a, "--no-trace")) {
        opt->trace = false;
        return 1;
    }
    if (!strcmp(a, "--step")) {
        opt->step = opt->trace = true;
        return 1;
    }
    if (!strncmp(a, "--color=", 8) || !strncmp(a, "--colour=", 9)) {
        const char *when = strchr(a, '=') + 1;
        if (strcmp(when, "always") && strcmp(when, "never") && strcmp(when, "auto")) {
            fprintf(stderr, "l4sim %s: --color wants always, never or auto, not '%s'\n", cmd, when);
            return -1;
        }
        opt->color = !strcmp(when, "always") || (!strcmp(when, "auto") && demo_color_auto());
        return 1;
    }
    for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
        size_t n = strlen(valued[k]);
        if (strncmp(a, valued[k], n))
            continue;
        if (a[n] == '=')
            return set_value(opt, cmd, valued[k], a + n + 1);
        if (a[n])
            continue;
        if (*i + 1 == argc) {
            fprintf(stderr, "l4sim %s: %s needs a value\n", cmd, a);
            return -1;
        }
        return set_value(opt, cmd, valued[k], argv[++*i]);
    }
    return 0;
}

static struct {
    struct timespec start;
    bool have_memory;
    struct mm_stats mm;
    const char *maps_dot_path;
    bool maps_written;
    bool servers; /* the standard servers run: their threads have names */
} run_state;

void demo_begin(const struct demo_options *opt, struct l4sim_config *cfg, const char *title)
{
    demo_config(opt, cfg);
    bool failed;
    char err[512];
    cfg->trace_sink = trace_view_open(opt, cfg->deterministic, &failed, err, sizeof(err));
    cfg->trace_ctx = NULL;
    if (failed) {
        fprintf(stderr, "l4sim: %s\n", err);
        exit(2);
    }
    run_state.have_memory = false;
    run_state.maps_dot_path = opt->maps_dot_path;
    run_state.maps_written = false;
    printf("%s\n", title);
    if (cfg->deterministic)
        printf("Deterministic run, seed %llu (replay: --seed %llu; L4SIM_DETERMINISTIC=0 for "
               "free-running threads).\n",
               (unsigned long long) cfg->seed, (unsigned long long) cfg->seed);
    if (opt->trace)
        printf("Kernel trace lines start with '|': t=<µs> event thread [-> partner] "
               "label u=<untyped words> t=<typed words>.\n");
    if (opt->filter)
        printf("Trace filter: %s\n", opt->filter);
    if (opt->step)
        printf("Stepping: Enter shows the next event; c and Enter runs on.\n");
    fflush(stdout);
    clock_gettime(CLOCK_MONOTONIC, &run_state.start);
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

const char *demo_image_dir_with(const char *demo, const char *image)
{
    const char *dir = demo_images_dir();
    if (!dir) {
        fprintf(stderr,
                "l4sim demo %s: the l4sim images are not installed or built; set L4SIM_IMAGES "
                "to the directory that holds '%s'\n",
                demo, image);
        return NULL;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, image);
    if (access(path, R_OK) != 0) {
        fprintf(stderr,
                "l4sim demo %s: the images directory %s has no '%s'; set L4SIM_IMAGES to one "
                "that has\n",
                demo, dir, image);
        return NULL;
    }
    return dir;
}

/* The system servers by name, for pictures of the running system. */
const char *demo_thread_name(L4_ThreadId_t tid, void *ctx)
{
    bool servers = ctx && *(const bool *) ctx;
    static const char *const names[] = {
        [0] = "root",
        [L4SRV_MM] = "mm",
        [L4SRV_MM_IO] = "mm-io",
        [L4SRV_MM_IO + 1] = "mm-io",
        [L4SRV_SWAP] = "swap",
        [L4SRV_TASK] = "task",
        [L4SRV_NAMING] = "naming",
        [L4SRV_LOG] = "log",
    };
    L4_Word_t root = l4srv_root_threadno(), no = L4_ThreadNo(tid);
    if (no == root - 2)
        return "sigma0";
    if (no < root || no - root >= sizeof(names) / sizeof(names[0]) || (no > root && !servers))
        return NULL;
    return names[no - root];
}

void demo_maps_snapshot(void)
{
    if (!run_state.maps_dot_path)
        return;
    int fd = open(run_state.maps_dot_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || l4sim_maps_dot(fd, demo_thread_name, &run_state.servers) != 0)
        fprintf(stderr, "l4sim: cannot write the mapping tree to %s\n", run_state.maps_dot_path);
    else
        run_state.maps_written = true;
    if (fd >= 0)
        close(fd);
}

/* Every root function is wrapped: the mapping tree is drawn at its end
 * unless the demo drew it at a better moment. */
static void maps_at_end(void)
{
    if (!run_state.maps_written)
        demo_maps_snapshot();
}

struct kernel_root {
    int (*root)(void *arg);
    void *arg;
};

static int root_then_maps(void *arg)
{
    const struct kernel_root *kr = arg;
    int rc = kr->root(kr->arg);
    maps_at_end();
    return rc;
}

int demo_run_kernel(const struct l4sim_config *cfg, int (*root)(void *arg), void *arg)
{
    struct kernel_root kr = {root, arg};
    return l4sim_run(cfg, root_then_maps, &kr);
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
    maps_at_end();
    return rc;
}

int demo_run_system(const struct l4sim_config *cfg, const struct l4srv_options *sys,
                    int (*app)(void *arg), void *arg)
{
    struct system_app sa = {app, arg};
    run_state.servers = true;
    trace_view_set_standard_system(true);
    int rc = l4srv_run(cfg, sys, app_then_memory, &sa);
    trace_view_set_standard_system(false);
    run_state.servers = false;
    return rc;
}

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
    trace_view_close();
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

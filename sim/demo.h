/*
 * The teaching demos of the l4sim command: each one boots a system, runs a
 * scripted scenario and narrates it next to the kernel trace. The same
 * table is the list of campaign scenarios, so every new demo is one.
 */
#ifndef L4SIM_SIM_DEMO_H
#define L4SIM_SIM_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include <l4sim/l4sim.h>

struct demo_options {
    bool trace;         /* show kernel trace lines between the narration */
    bool color;         /* colour the trace (a terminal is attached) */
    const char *faults; /* fault spec (--faults), or NULL for L4SIM_FAULTS */
    bool seed_given;    /* --seed: overrides L4SIM_SEED and L4SIM_DETERMINISTIC=0 */
    uint64_t seed;
    /* Trace views (sim/trace_view.h); NULL or false: not wanted. */
    const char *filter;        /* --trace=FILTER: which lines the terminal shows */
    const char *json_path;     /* --trace-json FILE: Chrome trace-event format */
    const char *msc_path;      /* --msc FILE: message sequence chart for mscgen */
    const char *svg_path;      /* --svg FILE: that chart rendered by mscgen */
    const char *maps_dot_path; /* --maps-dot FILE: the mapping tree for Graphviz */
    bool step;                 /* --step: wait for Enter at each kernel event */
};

/*
 * How a run ended, as campaigns classify it. A demo's root function
 * returns DEMO_OK, DEMO_RECOVERED (an error was reported and handled) or
 * DEMO_FAILED (a wrong result); demo_finish() adds what the kernel saw.
 * A crash is what the campaign sees when the process dies.
 */
enum demo_outcome { DEMO_OK = 0, DEMO_RECOVERED, DEMO_FAILED, DEMO_DEADLOCK, DEMO_CRASH };

struct demo_result {
    enum demo_outcome outcome;
    struct l4sim_stats stats;
    bool have_memory; /* the run had an MM server: its figures follow */
    uint64_t page_ins, page_outs, zero_fills;
    double wall_ms;
};

struct demo {
    const char *name;
    const char *summary;
    /* Run once; fills *res and returns the process exit status. */
    int (*run)(const struct demo_options *opt, struct demo_result *res);
};

extern const struct demo demo_ipc;
extern const struct demo demo_boot;      /* sim/demo_boot.c */
extern const struct demo demo_pagefault; /* sim/demo_pagefault.c */
extern const struct demo demo_fork;      /* sim/demo_fork.c */
extern const struct demo demo_swap;      /* sim/demo_swap.c */
extern const struct demo demo_kill;      /* sim/demo_kill.c */
extern const struct demo demo_naming;    /* sim/demo_naming.c */
extern const struct demo demo_restart;   /* sim/demo_restart.c */

/* Every demo, in the order `l4sim demo --list` shows them. */
extern const struct demo *const demo_table[];
extern const unsigned demo_count;
const struct demo *demo_find(const char *name);
const char *demo_outcome_name(enum demo_outcome o);
/* An error the demo reported and got over: ok becomes recovered; worse stays. */
void demo_recovered(enum demo_outcome *o);

/*
 * One option shared by every command that runs a system (--seed, --faults,
 * --trace[=FILTER], --no-trace, --trace-json, --msc, --svg, --maps-dot,
 * --step) at argv[*i]. Returns 1 if it was one (*i moved past its value),
 * 0 if not, or -1 after printing what is wrong with it, prefixed by cmd.
 */
int demo_parse_option(struct demo_options *opt, const char *cmd, int argc, char **argv, int *i);
/* The lines --help prints for those options. */
extern const char demo_options_help[];
/* --color=auto: stdout is a terminal and NO_COLOR is not set. */
bool demo_color_auto(void);

/*
 * The configuration every demo starts from: deterministic unless
 * L4SIM_DETERMINISTIC=0, seed 1 unless L4SIM_SEED or --seed, and the
 * fault spec of --faults or L4SIM_FAULTS.
 */
void demo_config(const struct demo_options *opt, struct l4sim_config *cfg);

/*
 * Start of every demo: demo_config, the trace views opt asks for, and the
 * header (title, then the seed to replay with). Starts the wall clock.
 */
void demo_begin(const struct demo_options *opt, struct l4sim_config *cfg, const char *title);

/*
 * l4srv_run, then the MM server's paging figures for the summary, read
 * just before the servers go away. Demos that boot the standard servers
 * use this instead of l4srv_run.
 */
struct l4srv_options;
int demo_run_system(const struct l4sim_config *cfg, const struct l4srv_options *sys,
                    int (*app)(void *arg), void *arg);

/* l4sim_run, with the mapping tree drawn at the root's end (see below). */
int demo_run_kernel(const struct l4sim_config *cfg, int (*root)(void *arg), void *arg);

/* "sigma0", "root", and with ctx pointing to true (the standard servers
 * run) "mm", "task", ... for the well-known threads; else NULL. */
const char *demo_thread_name(L4_ThreadId_t tid, void *ctx);

/*
 * Where the l4sim ELF images (hello, fork, ticker, ...) are: $L4SIM_IMAGES,
 * else the installed images, else the build tree's. NULL if none exists;
 * a demo that needs them says so and fails.
 */
const char *demo_images_dir(void);

/*
 * The images directory if it holds image, else NULL after saying on
 * stderr what demo misses and how to point l4sim at the images.
 */
const char *demo_image_dir_with(const char *demo, const char *image);

/*
 * From inside a run: write the mapping tree to --maps-dot's file now, at
 * the demo's most telling moment (otherwise demo_run_kernel and
 * demo_run_system write it when the root function returns). No-op
 * without --maps-dot.
 */
void demo_maps_snapshot(void);

/*
 * After l4sim_run (or demo_run_system) returned rc (the root's outcome, or L4SIM_DEADLOCK or
 * L4SIM_BOOT_FAILED): classify the run (a broken invariant makes it
 * failed), close the trace views, print the summary (threads, messages, page
 * faults, pages in and out, virtual and wall time, faults that fired) and
 * return the exit status (0 for ok and recovered).
 */
int demo_finish(const char *name, const struct l4sim_config *cfg, int rc, struct demo_result *res);

/* The summary lines alone, for commands that judge the outcome themselves. */
void demo_summary(const struct l4sim_config *cfg, const struct demo_result *res);
/* Close the trace views, take the figures into *res and print the summary. */
int demo_end_run(const struct l4sim_config *cfg, struct demo_result *res);

/* Narration: one numbered step, printed and flushed so it interleaves
 * correctly with trace lines written by other threads. */
void narrate(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void narrate_reset(void);

#endif /* L4SIM_SIM_DEMO_H */

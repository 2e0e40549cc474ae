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
};

struct demo {
    const char *name;
    const char *summary;
    /* Run once; fills *res and returns the process exit status. */
    int (*run)(const struct demo_options *opt, struct demo_result *res);
};

extern const struct demo demo_ipc;

/* Every demo, in the order `l4sim demo --list` shows them. */
extern const struct demo *const demo_table[];
extern const unsigned demo_count;
const struct demo *demo_find(const char *name);
const char *demo_outcome_name(enum demo_outcome o);

/*
 * The configuration every demo starts from: deterministic unless
 * L4SIM_DETERMINISTIC=0, seed 1 unless L4SIM_SEED or --seed, and the
 * fault spec of --faults or L4SIM_FAULTS.
 */
void demo_config(const struct demo_options *opt, struct l4sim_config *cfg);

/*
 * After l4sim_run returned rc (the root's outcome, or L4SIM_DEADLOCK or
 * L4SIM_BOOT_FAILED): classify the run (a broken invariant makes it
 * failed), print the summary with the faults that fired, and return the
 * exit status (0 for ok and recovered).
 */
int demo_finish(const char *name, const struct l4sim_config *cfg, int rc, struct demo_result *res);

/* Narration: one numbered step, printed and flushed so it interleaves
 * correctly with trace lines written by other threads. */
void narrate(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void narrate_reset(void);

#endif /* L4SIM_SIM_DEMO_H */

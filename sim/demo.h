/*
 * The teaching demos of the l4sim command: each one boots a system, runs a
 * scripted scenario and narrates it next to the kernel trace.
 */
#ifndef L4SIM_SIM_DEMO_H
#define L4SIM_SIM_DEMO_H

#include <stdbool.h>

struct demo_options {
    bool trace; /* show kernel trace lines between the narration */
    bool color; /* colour the trace (a terminal is attached) */
};

struct demo {
    const char *name;
    const char *summary;
    int (*run)(const struct demo_options *opt);
};

extern const struct demo demo_ipc;

/* Narration: one numbered step, printed and flushed so it interleaves
 * correctly with trace lines written by other threads. */
void narrate(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void narrate_reset(void);

#endif /* L4SIM_SIM_DEMO_H */

/*
 * The terminal side of the trace views: the timeline ("    | line",
 * coloured by event kind), --step, and the progress line on stderr for
 * runs whose trace is not on the terminal.
 */
#ifndef L4SIM_SIM_TRACE_TERM_H
#define L4SIM_SIM_TRACE_TERM_H

#include <stdbool.h>

#include "trace_line.h"

struct trace_term_options {
    bool show;         /* print the lines that pass the filter on stdout */
    bool color;        /* with ANSI colours */
    bool step;         /* wait for Enter after each line shown */
    bool progress;     /* keep a progress line on stderr */
    bool virtual_time; /* the run is deterministic: times are virtual */
};

void trace_term_open(const struct trace_term_options *o);
/* Every line, for the progress count. */
void trace_term_count(const struct trace_line *l);
/* A line that passed the filter: print it (and step) if shown. */
void trace_term_line(const struct trace_line *l);
/* Erase the progress line before other output goes to the terminal. */
void trace_term_quiet(void);
void trace_term_close(void);

#endif /* L4SIM_SIM_TRACE_TERM_H */

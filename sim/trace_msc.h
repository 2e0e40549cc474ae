/*
 * --msc FILE and --svg FILE: the trace as a message sequence chart for
 * mscgen, one column per thread, and that chart rendered to SVG by
 * `mscgen -T svg`.
 */
#ifndef L4SIM_SIM_TRACE_MSC_H
#define L4SIM_SIM_TRACE_MSC_H

#include <stdbool.h>
#include <stddef.h>

#include "trace_line.h"

/* Arcs a chart holds; later events are counted and left out, with a note. */
#define TRACE_MSC_MAX_ARCS 1000

/* Is mscgen on PATH? */
bool trace_msc_have_mscgen(void);

/* Prepare the chart (msc_path and/or svg_path may be NULL); -1 and err if not. */
int trace_msc_open(const char *msc_path, const char *svg_path, char *err, size_t errlen);
/* One line that passed the filter. */
void trace_msc_event(const struct trace_line *l);
/* Write the chart and render the SVG; says on stdout what it wrote and on
 * stderr what failed. -1 if anything failed; 0 (also when not open). */
int trace_msc_close(void);

#endif /* L4SIM_SIM_TRACE_MSC_H */

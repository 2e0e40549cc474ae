/*
 * The trace views of the l4sim command, behind one kernel trace sink: the
 * terminal timeline (--trace[=FILTER], --step, progress), Chrome JSON
 * (--trace-json), an mscgen chart (--msc, --svg). demo_begin opens them
 * and demo_finish / demo_end_run close them.
 */
#ifndef L4SIM_SIM_TRACE_VIEW_H
#define L4SIM_SIM_TRACE_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "demo.h"
#include "trace_line.h"

/* Called for every trace line; shown: the terminal printed it. */
typedef void (*trace_view_hook)(const struct trace_line *l, bool shown, void *ctx);

/* Set before demo_begin: a command's own use of the lines (l4sim run). */
void trace_view_set_hook(trace_view_hook hook, void *ctx);

/* The run boots the standard servers: their threads get their names. */
void trace_view_set_standard_system(bool standard);

/*
 * Start the views opt asks for; deterministic: times are virtual. Returns
 * the sink to install (NULL if nothing wants the lines), or sets *failed
 * and writes a message to err when a file cannot be written.
 */
l4sim_trace_fn trace_view_open(const struct demo_options *opt, bool deterministic, bool *failed,
                               char *err, size_t errlen);

/* Erase the progress line: call before printing to the terminal mid-run. */
void trace_view_quiet(void);

/* Finish the files (and the SVG); say what was written. -1 if any failed. */
int trace_view_close(void);

#endif /* L4SIM_SIM_TRACE_VIEW_H */

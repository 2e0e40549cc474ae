/*
 * --trace-json FILE: the trace as Chrome trace-event JSON, for Perfetto
 * (ui.perfetto.dev) or chrome://tracing. One process per address space,
 * one track per thread; messages are slices joined by flow arrows.
 */
#ifndef L4SIM_SIM_TRACE_JSON_H
#define L4SIM_SIM_TRACE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "trace_line.h"

/* Create path and write the header; -1 with a message in err if it cannot. */
int trace_json_open(const char *path, char *err, size_t errlen);
/* One line that passed the filter, at ns (its place on the time axis). */
void trace_json_event(const struct trace_line *l, uint64_t ns);
/* Close what is still open, write the trailer and the file; no-op if not open. */
void trace_json_close(uint64_t lines_seen);

#endif /* L4SIM_SIM_TRACE_JSON_H */

/*
 * --trace=FILTER: which trace lines the views show. A filter is
 * comma-separated terms thread=N[.V], space=N and kind=K (an event name or
 * a group: ipc, memory, thread, space, fault); terms with the same key
 * OR, different keys AND.
 */
#ifndef L4SIM_SIM_TRACE_FILTER_H
#define L4SIM_SIM_TRACE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_line.h"

#define TRACE_FILTER_TERMS 16 /* per key */

struct trace_filter_thread {
    unsigned long no, version;
    bool any_version; /* thread=N: every version of N */
};

struct trace_filter {
    unsigned threads, spaces;
    struct trace_filter_thread thread[TRACE_FILTER_TERMS];
    unsigned long space[TRACE_FILTER_TERMS];
    uint32_t kinds; /* bit per enum trace_kind; 0: any kind */
};

/* Parse spec (NULL: everything passes). -1 and a message in err if it is bad. */
int trace_filter_parse(const char *spec, struct trace_filter *f, char *err, size_t errlen);

/* Does line l pass? Spaces come from trace_spaces.h, so observe l first. */
bool trace_filter_match(const struct trace_filter *f, const struct trace_line *l);

#endif /* L4SIM_SIM_TRACE_FILTER_H */

/*
 * Which address space each thread of a trace lives in, and the names of
 * the well-known threads, worked out from the trace lines alone. A space
 * is named by the number of its first thread.
 */
#ifndef L4SIM_SIM_TRACE_SPACES_H
#define L4SIM_SIM_TRACE_SPACES_H

#include <stdbool.h>

#include "trace_line.h"

/*
 * Thread numbers the views follow. The default configuration has 1056
 * (UserBase 32 + 1024 user threads). A thread beyond counts as a space of
 * its own and gets no flows, fault slices or chart column.
 */
#define TRACE_MAX_THREADS 2048

/* Forget every thread; standard: the servers of include/l4srv/ids.h run. */
void trace_spaces_reset(bool standard);
void trace_spaces_set_standard(bool standard);

/* Take in one line, before any view looks at it. */
void trace_spaces_observe(const struct trace_line *l);

/* The space of thread number no (no itself while nothing is known). */
unsigned long trace_space_of(unsigned long no);

/* For the line just observed: the space a space.delete removed, or -1. */
long trace_space_deleted(void);

/* "sigma0", "root", "mm", ...: the role of a thread number, or NULL. */
const char *trace_thread_role(unsigned long no);

static inline bool trace_thread_tracked(unsigned long no)
{
    return no < TRACE_MAX_THREADS;
}

#endif /* L4SIM_SIM_TRACE_SPACES_H */

/*
 * Starting and cleaning up the MM server and the backing store: the root
 * task and the task service call these; the servers themselves do not.
 */
#ifndef MMSERVER_START_H
#define MMSERVER_START_H

#include <stdbool.h>

#include <l4/types.h>

#define MM_DEFAULT_IO_TIMEOUT_MS 5000

/* Start the MM server's threads; returns once it serves requests. */
bool mm_start(unsigned io_timeout_ms);
/* Release what the MM server held, after the run. */
void mm_fini(void);

/* Start the backing store with room for slots pages; its thread ID, or nil. */
L4_ThreadId_t swap_start(L4_Word_t slots);
void swap_fini(void);

#endif /* MMSERVER_START_H */

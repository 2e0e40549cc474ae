/*
 * Starting the task service from the root task, and its clean-up.
 */
#ifndef TASKSERVER_START_H
#define TASKSERVER_START_H

#include <stdbool.h>

#include <l4srv/system.h>

/* Start the task service; it starts the backing store. Returns once both run. */
bool task_start(const struct l4srv_options *opt);
/* Once the name service runs: the task service makes /tasks and /stats/tasks there. */
int task_mount(void);
/* Ended tasks whose space the MM server still has (an invariant: none), and the first's rm. */
int task_audit(L4_Word_t *leaked, L4_ThreadId_t *first);
void task_fini(void);

#endif /* TASKSERVER_START_H */

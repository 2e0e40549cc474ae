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
void task_fini(void);

#endif /* TASKSERVER_START_H */

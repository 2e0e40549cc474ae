/*
 * Inside the root task: what its parts share. Nothing outside src/root
 * includes this.
 */
#ifndef ROOT_ROOT_H
#define ROOT_ROOT_H

#include <l4srv/system.h>

/* Free the stacks of l4srv_spawn_local once the run is over. */
void root_free_stacks(void);

#endif /* ROOT_ROOT_H */

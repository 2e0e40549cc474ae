/*
 * Inside the root task: what its parts share. Nothing outside src/root
 * includes this.
 */
#ifndef ROOT_ROOT_H
#define ROOT_ROOT_H

#include <stdint.h>

#include <l4srv/system.h>

/* Free the stacks of l4srv_spawn_local once the run is over. */
void root_free_stacks(void);

/* The name service: build the root namespace and start its thread; 1 if it runs. */
int naming_start(const struct l4srv_options *opt);
/* Free everything the name service held (after the run: its thread is gone). */
void naming_cleanup(void);

/* Start the log service and the random device, each registered by the time this returns. */
int services_start(uint64_t seed);

/* For a service thread: make name (of type) in directory dir_path and bind it to the caller. */
int service_register(const char *dir_path, L4_Word_t type, const char *name,
                     L4_Word_t target_handle);
/* For a service thread: tell the root it is up (ok) or gave up. */
void service_ready(int ok);

/* The services' threads. */
void log_service(void *kip);
void random_device(void *kip);
void random_device_seed(uint64_t seed);

#endif /* ROOT_ROOT_H */

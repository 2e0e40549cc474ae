/*
 * Booting a whole system: the kernel, sigma0, the root task and the
 * standard servers, then one application function. For tests, demos and
 * programs that want servers without writing their own root task.
 */
#ifndef L4SRV_SYSTEM_H
#define L4SRV_SYSTEM_H

#include <l4/types.h>
#include <l4sim/l4sim.h>
#include <l4srv/export.h>
#include <l4srv/ids.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Options for l4srv_run; zero means the default. */
struct l4srv_options {
    unsigned swap_slots;      /* pages the backing store may hold (default 4 x RAM) */
    int no_swap;              /* start no backing store: the MM server cannot page out */
    unsigned swap_timeout_ms; /* how long the MM server waits for the store (default 5 s) */
    const char *modules_dir;  /* host directory whose regular files are /modules (none: empty) */
};

/*
 * Boot l4sim with cfg, start the standard servers from the root task in
 * the order of the seed (MM server, task service, backing store, name
 * service), then run app(arg) on the root task's first thread and return
 * its result. Everything the servers held is released before returning.
 */
L4SRV_API int l4srv_run(const struct l4sim_config *cfg, const struct l4srv_options *opt,
                        int (*app)(void *arg), void *arg);

/* A stack size that suits the system servers' threads. */
#define L4SRV_STACK_SIZE (128 * 1024)

/*
 * Start fn as a new thread of the caller's own space with the given pager,
 * on a stack of stack_size bytes from the host heap (the "boot image" part
 * of every space). Returns 1, or 0 with the reason on stderr if the
 * thread could not be created. Only the root task's space
 * may call it (ThreadControl is privileged); the stack is freed after the
 * run.
 */
L4SRV_API int l4srv_spawn_local(L4_ThreadId_t tid, void (*fn)(void *kip), L4_ThreadId_t pager,
                                size_t stack_size);

#ifdef __cplusplus
}
#endif

#endif /* L4SRV_SYSTEM_H */

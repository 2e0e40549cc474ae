/*
 * What the demos of the standard system share: a watchdog that bounds
 * every server call of the root task, so a lost message becomes a
 * reported error instead of a hang, and whole-file reads through the
 * namespace.
 */
#ifndef L4SIM_SIM_DEMO_SYS_H
#define L4SIM_SIM_DEMO_SYS_H

#include <stdbool.h>
#include <stddef.h>

#include <l4srv/ids.h>

/* The watchdog's thread, root + this; the demos' own threads stay below it. */
#define DEMO_WATCHDOG_OFFSET (L4SRV_FIRST_FREE + 15)

/*
 * From the root task's first thread: start the watchdog. A call between
 * demo_guard_enter and demo_guard_leave that is still waiting after one to
 * two seconds (virtual time in deterministic runs) is canceled with
 * ExchangeRegisters, so the stub returns ipc_error. Returns false (and
 * says why) if the thread could not be made.
 */
bool demo_watchdog_start(void);
void demo_guard_enter(void);
/* Returns err; says so when the watchdog had to cancel the call. */
int demo_guard_leave(int err);
#define GUARDED(call) (demo_guard_enter(), demo_guard_leave(call))
/*
 * The last thing a demo's application does: guard whatever the root task
 * still calls before the run ends (demo_run_system's MM_STATS for the
 * summary), which would otherwise wait for ever on a lost message while
 * the watchdog keeps the kernel from calling it a deadlock.
 */
void demo_guard_rest(void);

/*
 * Resolve path, open it for reading and read all of it into buf (cap
 * bytes, NUL-terminated; *len bytes without the NUL). Each call is
 * guarded. Returns 0 or the first l4srv_error.
 */
int demo_read_path(const char *path, char *buf, size_t cap, size_t *len);

#endif /* L4SIM_SIM_DEMO_SYS_H */

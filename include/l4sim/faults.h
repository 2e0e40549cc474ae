/*
 * Fault injection, simulator-control side: the fault points the kernel
 * knows, checking a spec before a run, what fired in the last run, and the
 * invariants checked in every run. Servers never include this; they ask
 * "does this point fire now?" through <l4srv/faultpoint.h>.
 */
#ifndef L4SIM_FAULTS_H
#define L4SIM_FAULTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A spec (docs/faults.md has the grammar) is a list of rules separated by
 * ';', each a point and its trigger: "ipc/send/drop:p=0.01,dst=mm;thread/crash:nth=3".
 * It is given as struct l4sim_config's faults field, L4SIM_FAULTS, or the
 * l4sim command's --faults; "@FILE" reads the rules from a file.
 */

/* One fault point and what it did in the last (or current) run. */
struct l4sim_fault_point {
    const char *name;   /* e.g. "ipc/send/drop" */
    const char *effect; /* one line: what firing does */
    int server_level;   /* 1: fired by servers through l4srv_fault(), not by the kernel */
    uint64_t hits;      /* times the point was reached, whatever the rules said */
    uint64_t fired;     /* times it fired */
};

/* The number of fault points; their names never change during a process. */
unsigned l4sim_fault_point_count(void);

/* Point i (0 <= i < count) with the last run's counters; -1 if i is out of range. */
int l4sim_fault_point_get(unsigned i, struct l4sim_fault_point *out);

/*
 * Parse a spec without running anything: 0 if it is valid, else -1 with a
 * message (naming the rule and what is wrong) in err. l4sim_run refuses a
 * bad spec the same way, printing the message and returning
 * L4SIM_BOOT_FAILED.
 */
int l4sim_faults_check(const char *spec, char *err, size_t err_size);

/*
 * Invariants checked in every run: no thread blocked on a dead partner when
 * the root returns (or the run deadlocks), no message lost without an error
 * to its sender or an injected drop that accounts for it, every thread and
 * mapping reclaimed at teardown. A report of what broke in the last run, ""
 * when everything held; l4sim_stats.invariants_broken counts them.
 */
const char *l4sim_invariant_report(void);

/*
 * A hook for invariants of the servers (frame accounting, per-task
 * reclamation): called when the root function returns, on the root thread,
 * with the system otherwise at rest in deterministic mode. It returns 0 when
 * the invariant holds, or non-zero after writing why into why. Hooks belong
 * to the current run and are forgotten at teardown; at most 8. Returns 0,
 * or -1 if no system runs or there is no room.
 */
typedef int (*l4sim_invariant_fn)(void *ctx, char *why, size_t why_size);
int l4sim_invariant_add(const char *name, l4sim_invariant_fn check, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* L4SIM_FAULTS_H */

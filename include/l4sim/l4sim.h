/*
 * Simulator control: configure, boot and tear down one simulated L4 system.
 * Servers never include this; only the code that starts a system does.
 */
#ifndef L4SIM_L4SIM_H
#define L4SIM_L4SIM_H

#include <stddef.h>
#include <stdint.h>

#include <l4/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returned by l4sim_run when the system could not boot (the reason goes to stderr). */
#define L4SIM_BOOT_FAILED (-0x4c34) /* "L4" */
/* Returned by l4sim_run when, in deterministic mode, every thread blocked
 * forever before the root function returned (the threads go to stderr). */
#define L4SIM_DEADLOCK (-0x4c35)

/* How deterministic mode picks the next thread at each kernel entry. */
enum l4sim_policy {
    L4SIM_POLICY_RANDOM = 0, /* any runnable thread of the highest priority, by the seeded PRNG */
    L4SIM_POLICY_RR,         /* priority round-robin with timeslices in virtual time */
};

/* One trace line, without the newline. May be called from a signal handler. */
typedef void (*l4sim_trace_fn)(const char *line, size_t len, void *ctx);

struct l4sim_config {
    unsigned max_threads;      /* thread numbers available to user threads */
    size_t phys_mem_size;      /* simulated RAM in bytes */
    size_t window_size;        /* bytes of host address space per L4 space */
    unsigned max_spaces;       /* windows reserved besides the physical one */
    size_t user_stack_size;    /* stack l4sim_run gives the root thread */
    int trace_fd;              /* trace lines are written here; -1 for none */
    const char *trace_path;    /* or appended to this file, opened for the run */
    l4sim_trace_fn trace_sink; /* and/or handed to this function */
    void *trace_ctx;

    /* Deterministic mode: one simulated CPU handed from thread to thread
     * at kernel entries, chosen by policy and a PRNG seeded with seed;
     * time is virtual. Same seed and program, same run. */
    int deterministic;
    uint64_t seed;
    enum l4sim_policy policy;
    unsigned kernel_entry_cost_us; /* virtual time one kernel entry takes */

    /* Fault injection (<l4sim/faults.h>, docs/faults.md): a spec such as
     * "ipc/send/drop:p=0.01,dst=mm", or "@FILE". NULL or "": none. Its
     * randomness comes from seed, in a stream of its own. */
    const char *faults;
    /* The root boots servers first (l4srv_run sets it): fault rules not
     * marked `boot` wait until it calls l4sim_system_up(). */
    int boot_phase;
};

/*
 * Fill in defaults, then apply the environment: L4SIM_TRACE=1 writes the
 * trace to stderr, any other value names a file to append it to;
 * L4SIM_DETERMINISTIC=1 (or 0), L4SIM_SEED=N and L4SIM_POLICY=random|rr
 * set deterministic mode; L4SIM_FAULTS=SPEC (or @FILE) sets faults. A
 * seed that is not a whole number, or another policy, is ignored with a
 * warning on stderr (once per process).
 */
void l4sim_config_init(struct l4sim_config *cfg);

/*
 * Boot the kernel and sigma0, run root(arg) as the root server's first
 * thread, and return its result once it returns. Every thread, mapping,
 * descriptor and allocation of the system is released before returning, so
 * l4sim_run may be called again. Only one system runs at a time per process.
 */
int l4sim_run(const struct l4sim_config *cfg, int (*root)(void *arg), void *arg);

/*
 * Where a space's window lies in the host address space: every address the
 * space can use is in [*base, *base + *size). The root task's window is the
 * physical window, where physical address p is host address p. Returns 0,
 * or -1 if the thread does not exist (or no system runs).
 */
int l4sim_space_window(L4_ThreadId_t any_thread_of_space, L4_Word_t *base, L4_Word_t *size);

/* Summary of the last (or current) run. */
struct l4sim_stats {
    uint64_t ipc_count;         /* completed message transfers */
    uint64_t trace_events;      /* events emitted through the trace seam */
    uint64_t trace_hash;        /* FNV-1a over every trace line, in order */
    uint64_t threads_created;   /* L4 threads created, sigma0 and root included */
    uint64_t mappings;          /* pages mapped into spaces now (sigma0's own excluded) */
    uint64_t host_vmas;         /* host memory mappings the windows use now */
    uint64_t vma_budget;        /* the most host mappings l4sim allows itself */
    uint64_t page_faults;       /* faults turned into page-fault IPC */
    uint64_t exceptions;        /* exception IPCs raised, or halts for want of a handler */
    uint64_t sched_decisions;   /* deterministic mode: kernel entries where the CPU was assigned */
    uint64_t virtual_time_us;   /* the clock at the end of the run */
    uint64_t seed;              /* the seed the run used (deterministic mode) */
    int deadlocked;             /* the run ended in a deadlock */
    uint64_t faults_fired;      /* fault injections that fired (<l4sim/faults.h> per point) */
    uint64_t ipc_dropped;       /* sends dropped by ipc/send/drop: the sender saw success */
    unsigned invariants_broken; /* kernel invariants broken (l4sim_invariant_report) */
};
void l4sim_get_stats(struct l4sim_stats *out);

/*
 * A thread stack inside a space's window, [lo, hi), with the page below lo
 * kept as a guard: a touch of it is reported as a stack overflow naming the
 * thread (an exception IPC, or a halt with a message), never a page fault
 * to the pager. The guard page is never mapped: what is mapped there goes,
 * and map items skip it. The stack's own pages come from the pager like
 * any other memory. Returns the initial stack pointer (hi, 16-byte aligned), or 0
 * if the range is not page aligned, not in the window, or the space has
 * 64 guards already. A thread may call it for its own space; the root task
 * for any space.
 */
L4_Word_t l4sim_window_stack(L4_ThreadId_t any_thread_of_space, L4_Word_t lo, L4_Word_t hi);

/* The system has booted: fault rules without `boot` are live from now on. */
void l4sim_system_up(void);

/* Names a thread in pictures ("mm", "root"), or NULL for its number alone. */
typedef const char *(*l4sim_thread_namer)(L4_ThreadId_t tid, void *ctx);

/*
 * Write the mapping database, as it is now, to fd as a Graphviz digraph:
 * every page mapped outside sigma0 with the page it came from, or, when
 * there are more than a few dozen, one edge per pair of spaces with the
 * page count, the rights and the first runs of addresses. Addresses are
 * window offsets as in the trace. Called from a thread of the running
 * system; namer may be NULL. Returns 0, or -1 (no system, bad fd, no
 * memory).
 */
int l4sim_maps_dot(int fd, l4sim_thread_namer namer, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* L4SIM_L4SIM_H */

/*
 * Invariants checked in every run: nobody is left blocked on a dead
 * partner, no message vanishes without an error to its sender (or an
 * injected drop that accounts for it), and teardown reclaims every thread
 * and mapping. Checks only read kernel state; they never repair it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <l4sim/faults.h>

#include "faults.h"
#include "kernel.h"

#define MAX_HOOKS   8
#define REPORT_SIZE 2048

static struct {
    const char *name;
    l4sim_invariant_fn check;
    void *ctx;
} hooks[MAX_HOOKS];
static unsigned hook_count; /* hooks: added by the root's threads, read at rest */
static unsigned broken;     /* guarded by the run's single checker (see callers) */
static char report[REPORT_SIZE];

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void violation(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    broken++;
    size_t len = strlen(report);
    snprintf(report + len, sizeof(report) - len, "%s%s", len ? "\n" : "", line);
    trace_event(TR_NOTE, ID_NIL, ID_NIL, 0, "invariant broken");
}

void invariants_boot(void)
{
    broken = 0;
    report[0] = 0;
    hook_count = 0;
}

unsigned invariants_broken(void)
{
    return broken;
}

KERNEL_API const char *l4sim_invariant_report(void)
{
    return report;
}

KERNEL_API int l4sim_invariant_add(const char *name, l4sim_invariant_fn check, void *ctx)
{
    if (!kernel.booted || !check || hook_count == MAX_HOOKS)
        return -1;
    hooks[hook_count].name = name ? name : "server invariant";
    hooks[hook_count].check = check;
    hooks[hook_count].ctx = ctx;
    hook_count++;
    return 0;
}

/* The slot no longer holds the thread we knew as id. */
static bool dead(struct tcb *t, word_t id)
{
    return atomic_load_explicit(&t->life, memory_order_seq_cst) == LIFE_FREE ||
           __atomic_load_n(&t->id, __ATOMIC_ACQUIRE) != id;
}

static void check_blocked(void)
{
    for (word_t no = THREADNO_USER_BASE; no < kernel.tcb_count; no++) {
        struct tcb *t = &kernel.tcbs[no];
        if (atomic_load_explicit(&t->life, memory_order_acquire) != LIFE_ACTIVE)
            continue;
        /* A dying partner frees its slot only after it failed every IPC
         * waiting on it, with SEND_DONE or DONE stored before: reading the
         * state again after the partner's life makes a stale first read
         * harmless. */
        struct tcb *dest = t->send_dest;
        if (atomic_load(&t->send_state) == SEND_QUEUED && dest && dead(dest, dest->id) &&
            atomic_load(&t->send_state) == SEND_QUEUED)
            violation("thread %lu.%lu waits to send to a dead thread (slot %lu)",
                      id_threadno(t->id), id_version(t->id), id_threadno(dest->id));
        if (!sched_deterministic() || !ipc_is_receiving(t))
            continue; /* free-running: a receiver may be about to see its partner gone */
        word_t from = __atomic_load_n(&t->recv_from, __ATOMIC_RELAXED);
        if (!id_is_global(from) || from == ID_ANY)
            continue;
        struct tcb *p = tcb_by_threadno(id_threadno(from));
        if (p && dead(p, from))
            violation("thread %lu.%lu waits to receive from dead thread %lu.%lu",
                      id_threadno(t->id), id_version(t->id), id_threadno(from), id_version(from));
    }
}

/*
 * Called on the root thread when its function returns (in deterministic
 * mode nothing else runs then), or on the host thread after a deadlock
 * (nothing runs at all). Hooks run only in the first case.
 */
void invariants_check_at_rest(bool run_hooks)
{
    check_blocked();
    if (!run_hooks)
        return;
    for (unsigned i = 0; i < hook_count; i++) {
        char why[200] = "";
        if (hooks[i].check(hooks[i].ctx, why, sizeof(why)) != 0)
            violation("%s: %s", hooks[i].name, why[0] ? why : "broken");
    }
}

/* After teardown: every slot released (so its send counts were added up). */
void invariants_check_teardown(uint64_t mappings_left)
{
    uint64_t created = atomic_load(&kernel.threads_created);
    uint64_t released = atomic_load(&kernel.threads_released);
    if (created != released)
        violation("%llu threads created but %llu reclaimed", (unsigned long long) created,
                  (unsigned long long) released);
    if (mappings_left)
        violation("%llu mappings left after teardown", (unsigned long long) mappings_left);
    uint64_t started = atomic_load(&kernel.sends_started), ok = atomic_load(&kernel.sends_ok),
             failed = atomic_load(&kernel.sends_failed),
             dropped = atomic_load(&kernel.sends_dropped),
             abandoned = atomic_load(&kernel.sends_abandoned);
    if (started != ok + failed + dropped + abandoned)
        violation("messages lost: %llu sends started, %llu delivered, %llu failed with an error, "
                  "%llu dropped by injection, %llu abandoned by killed senders",
                  (unsigned long long) started, (unsigned long long) ok,
                  (unsigned long long) failed, (unsigned long long) dropped,
                  (unsigned long long) abandoned);
    hook_count = 0;
}

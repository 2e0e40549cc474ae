/*
 * Kernel side of fault injection: the registry of fault points, the rules
 * parsed from a spec, and the question each injection site asks. Sites test
 * faults_armed first, so a run without a spec pays one predictable branch.
 * Nothing here may block or allocate: the page-fault path asks too.
 */
#ifndef L4SIM_IPC_FAULTS_H
#define L4SIM_IPC_FAULTS_H

#include "kernel.h"

enum fault_point {
    FP_IPC_SEND_DROP,
    FP_IPC_SEND_DELAY,
    FP_IPC_MR_CORRUPT,
    FP_IPC_STRING_TRUNCATE,
    FP_PAGEFAULT_PAGER_REFUSE,
    FP_THREAD_CRASH,
    FP_SERVER_HANG,
    FP_FIRST_SERVER_POINT, /* the rest are asked by servers (l4srv_fault) */
    FP_MM_FRAMES_EXHAUST = FP_FIRST_SERVER_POINT,
    FP_MM_SWAP_IO_ERROR,
    FP_ELF_READ_IO_ERROR,
    FP_TASK_CRASH,
    FP_COUNT
};

/* True from boot to teardown when the run has at least one rule; read-only meanwhile. */
extern bool faults_armed;

/* Where a point was reached: the thread it happens to, its partner, the message label. */
struct fault_site {
    struct tcb *self; /* the sending, faulting or crashing thread */
    word_t partner;   /* the receiver, pager, or client: a global ID, or ID_NIL */
    word_t label;     /* the message's label, when has_label */
    bool has_label;
};

/* What a firing hands to the site: the rule's arg= (0 if none) and a random word. */
struct fault_shot {
    word_t arg;
    uint64_t random;
};

/*
 * Does point p fire at this site? Counts the hit, applies the rules in
 * order (the first that fires wins), and traces a firing as
 * "fault <point> <thread> [-> <partner>] [label=..] [detail]". Call only
 * when faults_armed.
 */
bool fault_fires(enum fault_point p, const struct fault_site *site, const char *detail,
                 struct fault_shot *shot);

/* As detail: the site traces the firing itself, with fault_trace, once it knows more. */
#define FAULT_TRACE_LATER ((const char *) 1)

/* A firing whose detail is known only after the decision (corrupt: which bit). */
void fault_trace(enum fault_point p, const struct fault_site *site, const char *detail);

static inline bool fault_check(enum fault_point p, struct tcb *self, word_t partner, word_t label,
                               bool has_label, struct fault_shot *shot)
{
    if (__builtin_expect(!faults_armed, 1))
        return false;
    struct fault_site site = {self, partner, label, has_label};
    return fault_fires(p, &site, NULL, shot);
}

/* "k1=v1 k2=v2" (v2 in hex when hex2) into buf, without stdio (the page-fault path formats too). */
void fault_detail(char *buf, size_t size, const char *k1, uint64_t v1, const char *k2, uint64_t v2,
                  bool hex2);

/* Parse cfg->faults into the run's rules; -1 (message on stderr) if it is bad. */
int faults_boot(const struct l4sim_config *cfg);
void faults_shutdown(void);
uint64_t faults_fired_total(void);

/* Invariants (invariant.c). */
void invariants_boot(void);
/* The system is at rest (the root returned, or every thread deadlocked). */
void invariants_check_at_rest(bool run_hooks);
/* After every thread and space is gone. */
void invariants_check_teardown(uint64_t mappings_left);
unsigned invariants_broken(void);

#endif /* L4SIM_IPC_FAULTS_H */

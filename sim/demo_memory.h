/*
 * What the memory demos (pagefault, fork, swap) share: result lines that
 * reach the terminal in order with the trace, the programs' own output
 * when the trace is off, and the checkpoints through which a demo's root
 * conducts an image stage by stage.
 */
#ifndef L4SIM_SIM_DEMO_MEMORY_H
#define L4SIM_SIM_DEMO_MEMORY_H

#include <stdbool.h>

#include <l4/types.h>

#include "demo.h"

/* A result line ("    -> ..."), flushed at once: trace lines may follow from any thread. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * After demo_begin: with the trace off, still show the lines the tasks
 * print (they reach the log service, which notes each in the trace).
 */
void demo_echo_task_lines(const struct demo_options *opt, struct l4sim_config *cfg);

/*
 * Checkpoints (tests/images/checkpoint.h has the image's side): the image
 * Calls the root with label DEMO_CHECKPOINT_LABEL, MR1 its stage and MR2,
 * MR3 what the stage reports, and waits until the root answers.
 */
#define DEMO_CHECKPOINT_LABEL 0x4443
/* MR1's upper half: how many of its checkpoints the image gave up waiting on. */
#define DEMO_CHECKPOINT_MISSED_SHIFT 32

struct checkpoint {
    L4_ThreadId_t from; /* the image's thread, waiting for the answer */
    L4_Word_t stage, a, b;
};

#define CONDUCTOR_MAX_HELD 8

struct conductor {
    struct checkpoint held[CONDUCTOR_MAX_HELD]; /* arrived before the root asked for them */
    unsigned n_held;
    enum demo_outcome *outcome; /* becomes DEMO_RECOVERED when a wait fails */
    /* An image carried on without the root's answer (a message was lost):
     * what the root measures between stages may now mix two of them. */
    bool overlapped;
};

/*
 * Wait (never for ever) for the checkpoint of stage; checkpoints of other
 * stages that arrive first are kept for later. false after saying why not.
 */
bool conductor_await(struct conductor *c, L4_Word_t stage, struct checkpoint *cp);
/* Answer a checkpoint, so its image carries on; false after saying why not. */
bool conductor_release(struct conductor *c, const struct checkpoint *cp);

/*
 * After a stage that never came: what the task server knows of the task
 * (crashed, killed, exited, or still running), said as a result line.
 */
void say_task_state(const char *name, L4_ThreadId_t task);

#endif /* L4SIM_SIM_DEMO_MEMORY_H */

/*
 * Helpers shared by the MM server's suites: the accounting checker every
 * test ends with, and agents, client tasks that do MM calls and memory
 * accesses in their own space on the root's command.
 */
#ifndef L4SIM_TESTS_MM_UTIL_H
#define L4SIM_TESTS_MM_UTIL_H

#include <l4srv/mm.h>

#include "harness.h"

#define KIB 1024UL
#define MIB (1024UL * 1024UL)

#define SMALL_RAM  (2 * MIB)   /* a RAM size that makes swapping easy */
#define MAIN_STACK (256 * KIB) /* the top of a task's window holds its main stack */

struct mm_stats stats(void);

/*
 * Frames are conserved (free + used = total) and the server's tables agree
 * with one another (mm_audit: every used frame held, slot counts, counters).
 */
void check_accounting(void);

/* h_run_system(_config) that ends with check_accounting, whatever the body did. */
int run_checked(const struct l4sim_config *cfg, const struct l4srv_options *opt,
                int (*body)(void *arg), void *arg);

/* A deterministic configuration with SMALL_RAM. */
struct l4sim_config small_ram_config(void);

/*
 * What an agent does. Each takes up to four words and answers four; MM
 * calls answer their result in r[0] and an output in r[1].
 */
enum agent_op {
    A_MALLOC = 0x6b01,
    A_MALLOC_PRIV,
    A_FREE,
    A_PIN,
    A_UNPIN,
    A_MAP,
    A_UNMAP,
    A_READ,
    A_WRITE,
    A_FILL,  /* w0 address, w1 bytes, w2 seed, w3 base: write pattern(a - base, seed) */
    A_CHECK, /* the same: count the words that differ */
    A_STATS,
    A_ZERO,      /* count the nonzero words */
    A_MALLOC_AT, /* w0 size, w1 location, w2 rights, w3 flags */
    A_PAGE_FILL, /* w0 address, w1 rights, w2 host buffer, w3 bytes */
    A_PF_IPC,    /* w0 address, w1 access: a page fault sent as a region mapper does */
    A_EXEC,      /* call the code at w0; r[0] its result */
    A_COPY,      /* mm_copy_space(w0, w1) */
    A_PREFIX,    /* as A_CHECK: r[0] bytes matching from the start, r[1] nonzero words after */
    A_RAW_FILL,  /* w0 address, w1 rights, w2 what goes wrong (enum raw_fill) */
};

/* A_RAW_FILL's malformed page fills. */
enum raw_fill {
    RAW_NO_STRING = 1, /* words only */
    RAW_TOO_LONG,      /* a string longer than the server's buffer */
    RAW_NO_WORDS,      /* the string, but one word */
};

/* A_PF_IPC's answer: r[0] the reply's label (~0 if the IPC failed), r[1] typed, r[2] untyped
 * words, r[3] the fpage of its map item (0 if none). */

L4_Word_t pattern(L4_Word_t addr, L4_Word_t seed);

/* Thread body: an agent, whose exception handler is the root. */
void agent(void *kip);

/* Ask agent a to do op; the reply's words go to r. Returns the reply's tag. */
L4_MsgTag_t ask(L4_ThreadId_t a, L4_Word_t op, L4_Word_t w0, L4_Word_t w1, L4_Word_t w2,
                L4_Word_t w3, L4_Word_t *r);

/* The agent's MM call result (r[0]), and its second word in *out. */
L4_Word_t ask_mm(L4_ThreadId_t a, L4_Word_t op, L4_Word_t w0, L4_Word_t w1, L4_Word_t w2,
                 L4_Word_t w3, L4_Word_t *out);

/*
 * Let agents come to rest, so that frame counts hold still: an agent that
 * has answered may still be faulting in the stack its next receive runs on
 * (the kernel probes below SP), and after one more round trip it touches
 * nothing new. Free-running mode needs it; deterministic mode does no harm.
 */
void settle(const L4_ThreadId_t *agents, unsigned n);

/* Memory in the agent's space; a failure ends the test. */
L4_Word_t agent_malloc(L4_ThreadId_t a, L4_Word_t size);

/* The access must be refused: an exception reaches the root, and the agent stays halted. */
void expect_refused(L4_ThreadId_t a, L4_Word_t op, L4_Word_t addr, L4_Word_t value);

/* Deregister the tasks: the MM server must then hold no frame, slot, space or thread. */
void end_tasks(const L4_ThreadId_t *tasks, unsigned n);

/* The lowest address of t's main stack. */
L4_Word_t main_stack(L4_ThreadId_t t);

/*
 * A privileged agent whose main stack is pinned. A task that waits in an
 * IPC while another one makes the MM server page out must be one: the
 * kernel runs on its caller's stack, and a stack page taken away while a
 * thread is inside the kernel is a fault the kernel cannot serve.
 */
L4_ThreadId_t pinned_agent(unsigned n);

#endif /* L4SIM_TESTS_MM_UTIL_H */

/*
 * What the memory demos share (see demo_memory.h): result lines, echoing
 * the tasks' output, finding the images, and conducting an image through
 * its checkpoints.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/thread.h>
#include <l4srv/system.h>
#include <l4srv/task.h>

#include "demo_memory.h"

/* Every wait of a root on an image; in deterministic runs the time is virtual. */
#define CHECKPOINT_WAIT L4_TimePeriod(10UL * 1000 * 1000)
#define RELEASE_WAIT    L4_TimePeriod(1000 * 1000)

void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("    -> ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

/* ------------------------------------------------------ the tasks' lines */

static struct {
    l4sim_trace_fn inner; /* what demo_begin installed: the trace display, or nothing */
    void *inner_ctx;
    bool trace_shown;
} echo;

/* Runs where the kernel emits the line, under its trace lock: no stdio, no malloc. */
static void echo_sink(const char *line, size_t len, void *ctx)
{
    (void) ctx;
    if (echo.inner)
        echo.inner(line, len, echo.inner_ctx);
    if (echo.trace_shown)
        return;
    const char *text = memmem(line, len, " log: ", 6);
    if (!text)
        return;
    text += 6;
    char out[512];
    static const char prefix[] = "    log: ";
    size_t n = (size_t) (line + len - text);
    if (n > sizeof(out) - sizeof(prefix))
        n = sizeof(out) - sizeof(prefix);
    memcpy(out, prefix, sizeof(prefix) - 1);
    memcpy(out + sizeof(prefix) - 1, text, n);
    out[sizeof(prefix) - 1 + n] = '\n';
    ssize_t ignored = write(STDOUT_FILENO, out, sizeof(prefix) + n);
    (void) ignored;
}

void demo_echo_task_lines(const struct demo_options *opt, struct l4sim_config *cfg)
{
    echo.inner = cfg->trace_sink;
    echo.inner_ctx = cfg->trace_ctx;
    echo.trace_shown = opt->trace;
    cfg->trace_sink = echo_sink;
    cfg->trace_ctx = NULL;
}

/* ------------------------------------------------------------ checkpoints */

static void recovered(struct conductor *c)
{
    demo_recovered(c->outcome);
}

static bool take_held(struct conductor *c, L4_Word_t stage, struct checkpoint *cp)
{
    for (unsigned i = 0; i < c->n_held; i++)
        if (c->held[i].stage == stage) {
            *cp = c->held[i];
            c->held[i] = c->held[--c->n_held];
            return true;
        }
    return false;
}

bool conductor_await(struct conductor *c, L4_Word_t stage, struct checkpoint *cp)
{
    while (!take_held(c, stage, cp)) {
        L4_ThreadId_t from;
        L4_Accept(L4_UntypedWordsAcceptor);
        L4_MsgTag_t tag = L4_Wait_Timeout(CHECKPOINT_WAIT, &from);
        if (L4_IpcFailed(tag)) {
            say("waiting for the task's stage %lu failed: %s; the root gives up on the task", stage,
                L4_IpcErrorCode_String(L4_ErrorCode()));
            recovered(c);
            return false;
        }
        L4_Word_t w[3];
        if (L4_Label(tag) != DEMO_CHECKPOINT_LABEL || L4_UntypedWords(tag) != 3) {
            say("a message the root did not expect (label 0x%lx from %lu.%lu); ignored",
                (unsigned long) L4_Label(tag), L4_ThreadNo(from), L4_Version(from));
            continue;
        }
        L4_StoreMRs(1, 3, w);
        if (w[0] >> DEMO_CHECKPOINT_MISSED_SHIFT && !c->overlapped) {
            say("thread %lu.%lu carried on without the root's answer (a message was lost):\n"
                "       from here its stages may overlap with what the root measures",
                L4_ThreadNo(from), L4_Version(from));
            c->overlapped = true;
            recovered(c);
        }
        w[0] &= (1UL << DEMO_CHECKPOINT_MISSED_SHIFT) - 1;
        if (c->n_held == CONDUCTOR_MAX_HELD) {
            say("too many checkpoints out of order; the root gives up on the task");
            recovered(c);
            return false;
        }
        c->held[c->n_held++] = (struct checkpoint){from, w[0], w[1], w[2]};
    }
    return true;
}

bool conductor_release(struct conductor *c, const struct checkpoint *cp)
{
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Send_Timeout(cp->from, RELEASE_WAIT);
    if (!L4_IpcFailed(tag))
        return true;
    say("answering the task's stage %lu failed: %s; the root gives up on the task", cp->stage,
        L4_IpcErrorCode_String(L4_ErrorCode()));
    recovered(c);
    return false;
}

void say_task_state(const char *name, L4_ThreadId_t task)
{
    struct task_info info;
    int err = task_info(task, &info);
    if (err) {
        say("the task server cannot say what became of the %s: %s", name, l4srv_strerror(err));
        return;
    }
    static const char *const states[] = {"not started", "still running", "exited", "killed",
                                         "crashed"};
    const char *state = info.state < 5 ? states[info.state] : "in an unknown state";
    if (info.state == TASK_CRASHED)
        say("the task server says the %s (task %lu.%lu) crashed", name, L4_ThreadNo(task),
            L4_Version(task));
    else if (info.state == TASK_EXITED)
        say("the task server says the %s (task %lu.%lu) exited with status %lu", name,
            L4_ThreadNo(task), L4_Version(task), info.status);
    else
        say("the task server says the %s (task %lu.%lu) is %s", name, L4_ThreadNo(task),
            L4_Version(task), state);
}

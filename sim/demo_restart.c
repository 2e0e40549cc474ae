/*
 * Demo "restart": a supervisor keeps a server alive, MINIX-style. It
 * starts the echod image as a task, notices when it crashes (the task
 * server reports how it ended) or hangs (a call with a timeout goes
 * unanswered, while Ping still finds its region mapper alive), kills what
 * is left and starts a new incarnation; the client retries and carries on.
 */
#include <stdio.h>
#include <string.h>

#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/thread.h>
#include <l4srv/errors.h>
#include <l4srv/system.h>
#include <l4srv/task.h>

#include "demo.h"
#include "echod.h"

#define MAX_RESTARTS   3
#define CALL_TIMEOUT   L4_TimePeriod(50 * 1000)
#define PING_MS        20
#define STATE_POLLS    20 /* 10 ms apart: how long a crash may take to be noticed */
#define INCARNATIONS   3
#define ECHOD_CMD_SIZE 32

struct service {
    L4_ThreadId_t task, server; /* the current incarnation */
    unsigned incarnation, restarts;
    enum demo_outcome outcome;
};

static void wrong(struct service *s, const char *what)
{
    printf("    -> WRONG: %s\n", what);
    s->outcome = DEMO_FAILED;
}

/* An error that the demo gets over: the run counts as recovered. */
static void recovered(struct service *s)
{
    demo_recovered(&s->outcome);
}

static void setback(struct service *s, const char *what, int err)
{
    printf("    -> %s: %s; the supervisor handles it\n", what, l4srv_strerror(err));
    recovered(s);
}

static int start(struct service *s)
{
    char cmdline[ECHOD_CMD_SIZE];
    snprintf(cmdline, sizeof(cmdline), "echod %u", s->incarnation + 1);
    int err = task_new("/modules/echod", cmdline, 0, &s->task, &s->server);
    if (err)
        return err;
    s->incarnation++;
    printf("    -> incarnation %u: task %lu.%lu, its server thread %lu.%lu\n", s->incarnation,
           L4_ThreadNo(s->task), L4_Version(s->task), L4_ThreadNo(s->server),
           L4_Version(s->server));
    return 0;
}

/* One request with a timeout both ways; the reply's words in out. */
static L4_MsgTag_t call(const struct service *s, L4_Word_t label, L4_Word_t word, L4_Word_t *out)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, label);
    L4_MsgAppendWord(&msg, word);
    L4_MsgLoad(&msg);
    L4_MsgTag_t tag = L4_Call_Timeouts(s->server, CALL_TIMEOUT, CALL_TIMEOUT);
    if (L4_IpcSucceeded(tag) && L4_UntypedWords(tag) >= 2)
        L4_StoreMRs(1, 2, out);
    return tag;
}

/* The client's one question; returns whether the server answered it right. */
static bool echo(struct service *s, L4_Word_t n)
{
    L4_Word_t out[2] = {0, 0};
    L4_MsgTag_t tag = call(s, ECHOD_ECHO, n, out);
    if (L4_IpcFailed(tag)) {
        printf("    -> echo %lu: %s\n", n, L4_IpcErrorCode_String(L4_ErrorCode()));
        return false;
    }
    if (L4_Label(tag) || out[0] != n + 1 || out[1] != s->incarnation) {
        wrong(s, "echod answered, but wrongly");
        return false;
    }
    printf("    -> echo %lu: %lu, from incarnation %lu\n", n, out[0], out[1]);
    return true;
}

/* How the current incarnation ended, once the task server knows; 0 if it still runs. */
static L4_Word_t ended(struct service *s, L4_Word_t *status)
{
    for (unsigned i = 0; i < STATE_POLLS; i++) {
        struct task_info info;
        int err = task_info(s->task, &info);
        if (err) {
            setback(s, "Info", err);
            return 0;
        }
        if (info.state != TASK_STARTED) {
            *status = info.status;
            return info.state;
        }
        L4_Sleep(L4_TimePeriod(10 * 1000));
    }
    return 0;
}

/* The policy: a dead or hung incarnation is replaced, at most MAX_RESTARTS times. */
static bool restart(struct service *s, const char *why)
{
    if (s->restarts == MAX_RESTARTS) {
        printf("    -> %s, but %u restarts is the limit: the service stays down\n", why,
               MAX_RESTARTS);
        return false;
    }
    s->restarts++;
    printf("    -> %s: restart %u of at most %u\n", why, s->restarts, MAX_RESTARTS);
    int err = task_kill(s->task); /* whatever is left of it; a dead task is non_existent */
    if (err && err != L4SRV_ERR_NON_EXISTENT)
        setback(s, "Kill", err);
    err = start(s);
    if (err) {
        setback(s, "New", err);
        return false;
    }
    return true;
}

/* The client asks again after a restart: the supervisor tells it the new thread. */
static void client_retries(struct service *s, L4_Word_t n)
{
    for (unsigned tries = 0; tries < 2; tries++) {
        if (echo(s, n))
            return;
        recovered(s); /* echo reported the failed call; one more restart handles it */
        if (!restart(s, "the retry failed too"))
            return;
    }
}

static void crash_and_reincarnate(struct service *s)
{
    narrate("A bug: the client's next request makes echod read address 0. Its region\n"
            "    mapper finds no region there and tells the task server, which ends the\n"
            "    task as crashed. The client, blocked in its call, gets an IPC error.");
    L4_Word_t out[2];
    L4_MsgTag_t tag = call(s, ECHOD_CRASH, 0, out);
    if (L4_IpcFailed(tag))
        printf("    -> the call failed: %s\n", L4_IpcErrorCode_String(L4_ErrorCode()));
    else
        wrong(s, "a crashing server answered");

    narrate("The supervisor asks the task server how echod is (Info): it has ended.\n"
            "    Its policy restarts the service: a new incarnation, a new thread ID.");
    L4_Word_t status = 0, state = ended(s, &status);
    if (state == TASK_CRASHED)
        printf("    -> echod crashed at address 0x%lx\n", status);
    else if (state)
        printf("    -> echod ended in state %lu\n", state);
    else
        setback(s, "echod did not crash (its request was lost?)", L4SRV_ERR_UNRESPONSIVE);
    if (!restart(s, "echod is down"))
        return;
    narrate("The client asks again, now of the new thread, and is answered.");
    client_retries(s, 2);
}

static void hang_and_reincarnate(struct service *s)
{
    narrate("Another bug: echod stops answering anyone. The client's call times out\n"
            "    after 50 ms instead of waiting for ever.");
    L4_Word_t out[2];
    L4_MsgTag_t tag = call(s, ECHOD_HANG, 0, out);
    printf("    -> %s\n", L4_IpcFailed(tag) ? L4_IpcErrorCode_String(L4_ErrorCode())
                                            : "answered (it should not have)");
    if (L4_IpcSucceeded(tag))
        wrong(s, "a hung server answered");

    narrate("The supervisor's health checks: the task server's Ping asks the task's\n"
            "    region mapper, which still answers, so the task as such is alive; the\n"
            "    supervisor's own request to the service goes unanswered: it is hung.");
    int err = task_ping(s->task, PING_MS);
    printf("    -> Ping: %s\n", err ? l4srv_strerror(err) : "the region mapper answers");
    if (echo(s, 3)) {
        /* Only a lost request explains it; a fault-free run never gets here. */
        printf("    -> echod answers after all: the request to hang was lost\n");
        recovered(s);
        return;
    }
    if (!restart(s, "echod hangs"))
        return;
    narrate("The hung incarnation was killed; the new one answers.");
    client_retries(s, 4);
}

static int demo_root(void *arg)
{
    struct service *s = arg;
    narrate("The supervisor (the root task here; MINIX calls it the reincarnation server)\n"
            "    starts the echod server from /modules as a task.");
    int err = start(s);
    if (err) {
        printf("    -> New failed: %s\n", l4srv_strerror(err));
        return err == L4SRV_ERR_INVALID_PATH ? DEMO_FAILED : DEMO_RECOVERED;
    }
    narrate("A client calls it: echo 1.");
    if (!echo(s, 1))
        setback(s, "the first call", L4SRV_ERR_UNRESPONSIVE);

    crash_and_reincarnate(s);
    hang_and_reincarnate(s);

    narrate("Shutdown: the supervisor kills the last incarnation.");
    err = task_kill(s->task);
    if (err)
        setback(s, "Kill", err);
    printf("    -> %u incarnations, %u restarts\n", s->incarnation, s->restarts);
    if (s->outcome == DEMO_OK && s->incarnation != INCARNATIONS)
        wrong(s, "a fault-free run should need exactly three incarnations");
    return (int) s->outcome;
}

static int run(const struct demo_options *opt, struct demo_result *res)
{
    const char *images = demo_image_dir_with("restart", "echod");
    if (!images) { /* nothing to run: no summary either */
        *res = (struct demo_result){.outcome = DEMO_FAILED};
        return 1;
    }
    struct l4sim_config cfg;
    demo_begin(opt, &cfg,
               "l4sim demo restart: a supervisor restarts a server that crashes or hangs.");
    struct l4srv_options sys = {.modules_dir = images};
    struct service s = {.outcome = DEMO_OK};
    int rc = demo_run_system(&cfg, &sys, demo_root, &s);
    return demo_finish("restart", &cfg, rc, res);
}

const struct demo demo_restart = {
    .name = "restart",
    .summary = "a supervisor reincarnates a server that crashes, then one that hangs",
    .run = run,
};

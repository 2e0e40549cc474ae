/*
 * Client stubs of the task server's protocol: one small function per
 * operation over the root servers' shared calling code.
 */
#include <string.h>

#include <l4srv/ids.h>
#include <l4srv/task.h>

#include "../root/client.h"

L4_ThreadId_t task_server(void)
{
    return l4srv_id(L4SRV_TASK);
}

/* Send rq to server; the reply's first n words go to out. */
static int send(L4_ThreadId_t server, const struct client_msg *rq, L4_Word_t *out, unsigned n)
{
    struct client_msg rp;
    int err = client_call(server, rq, &rp, NULL, 0);
    if (err)
        return err;
    if (rp.u < n)
        return L4SRV_ERR_GENERIC;
    if (n)
        memcpy(out, rp.w, n * sizeof(L4_Word_t));
    return L4SRV_OK;
}

/* A request of words only, to server. */
static int call_at(L4_ThreadId_t server, L4_Word_t label, unsigned u, const L4_Word_t *w,
                   L4_Word_t *out, unsigned n)
{
    struct client_msg rq = {.label = label, .u = u};
    memcpy(rq.w, w, u * sizeof(L4_Word_t));
    return send(server, &rq, out, n);
}

static int call(L4_Word_t label, unsigned u, const L4_Word_t *w, L4_Word_t *out, unsigned n)
{
    return call_at(task_server(), label, u, w, out, n);
}

/* Requests that name a program: "path\0cmdline" as one string. */
static int call_path(L4_ThreadId_t server, L4_Word_t label, L4_Word_t word, const char *path,
                     const char *cmdline, L4_Word_t *out, unsigned n)
{
    char buf[TASK_PATH_MAX + TASK_CMDLINE_MAX + 2];
    size_t plen = client_strlen(path, TASK_PATH_MAX);
    size_t clen = client_strlen(cmdline ? cmdline : "", TASK_CMDLINE_MAX);
    if (!plen || plen > TASK_PATH_MAX)
        return L4SRV_ERR_INVALID_PATH;
    if (clen > TASK_CMDLINE_MAX)
        return L4SRV_ERR_INVALID_ARG;
    memcpy(buf, path, plen);
    buf[plen] = 0;
    memcpy(buf + plen + 1, cmdline ? cmdline : "", clen);
    struct client_msg rq = {
        .label = label, .u = 1, .w = {word}, .str = buf, .len = plen + 1 + clen};
    return send(server, &rq, out, n);
}

int task_new(const char *path, const char *cmdline, L4_Word_t flags, L4_ThreadId_t *task,
             L4_ThreadId_t *main_thread)
{
    L4_Word_t out[2];
    int err = call_path(task_server(), TASK_NEW, flags, path, cmdline, out, 2);
    if (!err) {
        task->raw = out[0];
        if (main_thread)
            main_thread->raw = out[1];
    }
    return err;
}

int task_fork(L4_Word_t ip, L4_Word_t arg0, L4_Word_t arg1, L4_ThreadId_t *child,
              L4_ThreadId_t *child_thread)
{
    L4_Word_t w[3] = {ip, arg0, arg1}, out[2];
    int err = call(TASK_FORK, 3, w, out, 2);
    if (!err) {
        child->raw = out[0];
        if (child_thread)
            child_thread->raw = out[1];
    }
    return err;
}

int task_exec(L4_ThreadId_t task, const char *path, const char *cmdline)
{
    return call_path(task_server(), TASK_EXEC, task.raw, path, cmdline, NULL, 0);
}

int task_kill(L4_ThreadId_t thread_or_task)
{
    return call(TASK_KILL, 1, &thread_or_task.raw, NULL, 0);
}

int task_start_thread(L4_ThreadId_t task, L4_Word_t ip, L4_Word_t sp, L4_Word_t arg0,
                      L4_Word_t arg1, L4_ThreadId_t *thread)
{
    L4_Word_t w[5] = {task.raw, ip, sp, arg0, arg1};
    return call(TASK_START_THREAD, 5, w, &thread->raw, 1);
}

int task_set_stat_interval(L4_Word_t ms)
{
    return call(TASK_SET_STAT_INTERVAL, 1, &ms, NULL, 0);
}

static int call_thread_value(L4_Word_t label, L4_ThreadId_t thread, L4_Word_t value)
{
    L4_Word_t w[2] = {thread.raw, value};
    return call(label, 2, w, NULL, 0);
}

int task_set_timeslice(L4_ThreadId_t thread, L4_Word_t us)
{
    return call_thread_value(TASK_SET_TIMESLICE, thread, us);
}

int task_set_priority(L4_ThreadId_t thread, L4_Word_t priority)
{
    return call_thread_value(TASK_SET_PRIORITY, thread, priority);
}

int task_set_preemption_delay(L4_ThreadId_t thread, L4_Word_t us)
{
    return call_thread_value(TASK_SET_PREEMPTION_DELAY, thread, us);
}

int task_ping(L4_ThreadId_t task, L4_Word_t timeout_ms)
{
    return call_thread_value(TASK_PING, task, timeout_ms);
}

int task_wait(L4_ThreadId_t task, L4_Word_t *state, L4_Word_t *status)
{
    /* The reply comes when the task ends: only the request is timed. */
    struct client_msg rq = {.label = TASK_WAIT, .u = 1, .w = {task.raw}, .reply_may_wait = true};
    L4_Word_t out[2];
    int err = send(task_server(), &rq, out, 2);
    if (!err) {
        *state = out[0];
        if (status)
            *status = out[1];
    }
    return err;
}

int task_info(L4_ThreadId_t task, struct task_info *out)
{
    L4_Word_t words[sizeof(*out) / sizeof(L4_Word_t)];
    _Static_assert(sizeof(words) / sizeof(L4_Word_t) <= CLIENT_MAX_WORDS, "a reply holds it");
    int err = call(TASK_INFO, 1, &task.raw, words, sizeof(words) / sizeof(L4_Word_t));
    if (!err)
        memcpy(out, words, sizeof(*out));
    return err;
}

/* ------------------------------------------------- seed 001's task objects */

int task_obj_start(L4_ThreadId_t server, L4_Word_t handle, const char *path, const char *cmdline)
{
    return call_path(server, TASK_OBJ_START, handle, path, cmdline, NULL, 0);
}

int task_obj_getcmdline(L4_ThreadId_t server, char *buf, size_t cap)
{
    if (!cap)
        return L4SRV_ERR_INVALID_ARG;
    struct client_msg rq = {.label = TASK_OBJ_GETCMDLINE}, rp;
    int err = client_call(server, &rq, &rp, buf, cap - 1);
    if (!err && !rp.str)
        err = L4SRV_ERR_GENERIC;
    buf[err ? 0 : rp.len] = 0;
    return err;
}

int task_obj_state(L4_ThreadId_t server, L4_Word_t handle, L4_Word_t *state)
{
    return call_at(server, TASK_OBJ_STATE, 1, &handle, state, 1);
}

int task_obj_exists(L4_ThreadId_t server, L4_Word_t handle, L4_Word_t *exists)
{
    return call_at(server, TASK_OBJ_EXISTS, 1, &handle, exists, 1);
}

int task_obj_tid_to_handle(L4_ThreadId_t server, L4_ThreadId_t tid, L4_Word_t *handle)
{
    return call_at(server, TASK_OBJ_TID_TO_HANDLE, 1, &tid.raw, handle, 1);
}

int task_obj_handle_to_tid(L4_ThreadId_t server, L4_Word_t handle, L4_ThreadId_t *tid)
{
    return call_at(server, TASK_OBJ_HANDLE_TO_TID, 1, &handle, &tid->raw, 1);
}

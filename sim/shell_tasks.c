/*
 * The shell's task commands: ps, start, kill, ping and wait, through the
 * task server's stubs and its /tasks directory in the namespace.
 */
#include <stdio.h>
#include <string.h>

#include <l4/ipc.h>
#include <l4/message.h>
#include <l4srv/naming.h>
#include <l4srv/task.h>

#include "shell.h"

#define MAX_TASKS          64 /* the task server's records */
#define PING_DEFAULT_MS    1000
#define WAIT_DEFAULT_MS    10000
#define COMMAND_TIMEOUT_MS 600000 /* ten minutes: the longest ping or wait */

struct task_entry {
    char name[NAMING_NAME_MAX + 1];
    L4_Word_t state;
    L4_ThreadId_t id; /* nil until it started */
    struct task_info info;
    bool have_info;
};

static const char *state_name(L4_Word_t state)
{
    static const char *const names[] = {"not started", "running", "exited", "killed", "crashed"};
    return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

/* "exited 3", "crashed at 0x0": a state with what its status means. */
static void describe_end(char *buf, size_t cap, L4_Word_t state, L4_Word_t status)
{
    if (state == TASK_EXITED)
        snprintf(buf, cap, "exited %ld", (long) status);
    else if (state == TASK_CRASHED)
        snprintf(buf, cap, "crashed at 0x%lx", status);
    else
        snprintf(buf, cap, "%s", state_name(state));
}

/* Every record of /tasks, in the listing's order; 0 or an error. */
static int list_tasks(struct task_entry *out, unsigned *count)
{
    static char text[8192];
    struct naming_result dir;
    size_t len;
    bool truncated;
    *count = 0;
    int err = naming_lookup("/tasks", &dir);
    if (!err)
        err = shell_read_object(dir.server, dir.handle, text, sizeof(text), &len, &truncated);
    if (err)
        return err;
    for (char *line = text, *end; *line && *count < MAX_TASKS; line = end + 1) {
        end = strchr(line, '\n');
        if (!end)
            break;
        *end = 0;
        char *space = strchr(line, ' ');
        if (space)
            *space = 0;
        struct task_entry *t = &out[*count];
        memset(t, 0, sizeof(*t));
        snprintf(t->name, sizeof(t->name), "%.*s", NAMING_NAME_MAX, line);
        struct naming_result r;
        if (naming_resolve(dir.server, t->name, dir.handle, &r) ||
            task_obj_state(r.server, r.handle, &t->state))
            continue; /* gone since the listing */
        if (t->state != TASK_NOT_STARTED && task_obj_handle_to_tid(r.server, r.handle, &t->id) == 0)
            t->have_info = task_info(t->id, &t->info) == 0;
        ++*count;
    }
    return 0;
}

void shell_ps(int argc, char **argv)
{
    (void) argc;
    static struct task_entry tasks[MAX_TASKS];
    unsigned n;
    int err = list_tasks(tasks, &n);
    if (err) {
        complain("%s: cannot list /tasks: %s\n", argv[0], l4srv_strerror(err));
        return;
    }
    if (!n) {
        shell_say("no tasks (the servers are threads of the root task, not tasks)\n");
        return;
    }
    shell_say("%-10s %-16s %-20s %s\n", "ID", "NAME", "STATE", "THREADS");
    for (unsigned i = 0; i < n; i++) {
        const struct task_entry *t = &tasks[i];
        char id[32] = "-", state[40], threads[24] = "-";
        if (!L4_IsNilThread(t->id))
            snprintf(id, sizeof(id), "%lu.%lu", L4_ThreadNo(t->id), L4_Version(t->id));
        describe_end(state, sizeof(state), t->have_info ? t->info.state : t->state,
                     t->have_info ? t->info.status : 0);
        if (t->have_info)
            snprintf(threads, sizeof(threads), "%lu", t->info.threads);
        shell_say("%-10s %-16s %-20s %s\n", id, t->name, state, threads);
    }
}

/* "N.V", "N" (the number of a task ps shows) or a name in /tasks; false after complaining. */
static bool find_task(const char *cmd, const char *arg, L4_ThreadId_t *id)
{
    char number[24];
    const char *dot = strchr(arg, '.');
    unsigned long no, version;
    if (dot && (size_t) (dot - arg) < sizeof(number)) {
        memcpy(number, arg, (size_t) (dot - arg));
        number[dot - arg] = 0;
        if (shell_number(number, 0, 0xffffffffUL, &no) &&
            shell_number(dot + 1, 1, 0xffffffffUL, &version)) {
            *id = L4_GlobalId(no, version);
            return true;
        }
    }
    static struct task_entry tasks[MAX_TASKS];
    unsigned n;
    if (shell_number(arg, 0, 0xffffffffUL, &no)) {
        int err = list_tasks(tasks, &n);
        if (err) {
            complain("%s: cannot list /tasks: %s\n", cmd, l4srv_strerror(err));
            return false;
        }
        bool found = false; /* the running one if there is one, else the last */
        for (unsigned i = 0; i < n; i++) {
            if (L4_IsNilThread(tasks[i].id) || L4_ThreadNo(tasks[i].id) != no)
                continue;
            if (!found || tasks[i].state == TASK_STARTED)
                *id = tasks[i].id;
            found = true;
        }
        if (!found)
            complain("%s: no task has thread number %s\n", cmd, arg);
        return found;
    }
    char path[NAMING_PATH_MAX + 1];
    struct naming_result r;
    int err = L4SRV_ERR_INVALID_PATH;
    L4_Word_t state;
    if (!strchr(arg, '/') && snprintf(path, sizeof(path), "/tasks/%s", arg) < (int) sizeof(path))
        err = naming_lookup(path, &r);
    if (!err && r.type != NAMING_TASK)
        err = L4SRV_ERR_NON_EXISTENT;
    if (!err)
        err = task_obj_state(r.server, r.handle, &state);
    if (err == L4SRV_ERR_NON_EXISTENT || err == L4SRV_ERR_INVALID_PATH) {
        complain("%s: no task called '%s' (ps lists them)\n", cmd, arg);
        return false;
    }
    if (!err && state == TASK_NOT_STARTED) {
        complain("%s: task '%s' has not started\n", cmd, arg);
        return false;
    }
    if (!err)
        err = task_obj_handle_to_tid(r.server, r.handle, id);
    if (err)
        complain("%s: %s: %s\n", cmd, arg, l4srv_strerror(err));
    return !err;
}

/* The name /tasks gives the task id, or "?" if it is not listed. */
static void task_name(L4_ThreadId_t id, char *buf, size_t cap)
{
    static struct task_entry tasks[MAX_TASKS];
    unsigned n;
    snprintf(buf, cap, "?");
    if (list_tasks(tasks, &n))
        return;
    for (unsigned i = 0; i < n; i++)
        if (L4_IsThreadEqual(tasks[i].id, id)) {
            size_t len = strnlen(tasks[i].name, cap - 1); /* a long name is cut */
            memcpy(buf, tasks[i].name, len);
            buf[len] = 0;
        }
}

void shell_start(int argc, char **argv)
{
    char path[TASK_PATH_MAX + 1], cmdline[TASK_CMDLINE_MAX + 1];
    const char *program = argv[1];
    int n = program[0] == '/' ? snprintf(path, sizeof(path), "%s", program)
                              : snprintf(path, sizeof(path), "/modules/%s", program);
    if (n >= (int) sizeof(path)) {
        complain("%s: the path is over %d bytes\n", argv[0], TASK_PATH_MAX);
        return;
    }
    const char *base = strrchr(path, '/') + 1;
    size_t used = (size_t) snprintf(cmdline, sizeof(cmdline), "%s", base);
    for (int i = 2; i < argc && used < sizeof(cmdline); i++)
        used += (size_t) snprintf(cmdline + used, sizeof(cmdline) - used, " %s", argv[i]);
    if (used >= sizeof(cmdline)) {
        complain("%s: the command line is over %d bytes\n", argv[0], TASK_CMDLINE_MAX);
        return;
    }
    L4_ThreadId_t task;
    int err = task_new(path, cmdline, 0, &task, NULL);
    if (err) {
        const char *why = err == L4SRV_ERR_INVALID_PATH ? "no such program: "
                          : err == L4SRV_ERR_BAD_IMAGE  ? "not an l4sim image: "
                                                        : "";
        complain("%s: %s: %s%s\n", argv[0], path, why, l4srv_strerror(err));
        return;
    }
    char name[NAMING_NAME_MAX + 1];
    task_name(task, name, sizeof(name));
    shell_say("started %s as task %lu.%lu (%s)\n", path, L4_ThreadNo(task), L4_Version(task), name);
}

void shell_kill(int argc, char **argv)
{
    (void) argc;
    L4_ThreadId_t task;
    if (!find_task(argv[0], argv[1], &task))
        return;
    int err = task_kill(task);
    if (err)
        complain("%s: %s: %s\n", argv[0], argv[1], l4srv_strerror(err));
    else
        shell_say("killed task %lu.%lu\n", L4_ThreadNo(task), L4_Version(task));
}

/* The optional [MS] of ping and wait, or -1 after complaining. */
static long timeout_arg(int argc, char **argv, unsigned long fallback)
{
    unsigned long ms = fallback;
    if (argc > 2 && !shell_number(argv[2], 1, COMMAND_TIMEOUT_MS, &ms)) {
        complain("%s: MS must be a whole number of milliseconds from 1 to %d, not '%s'\n", argv[0],
                 COMMAND_TIMEOUT_MS, argv[2]);
        return -1;
    }
    return (long) ms;
}

void shell_ping(int argc, char **argv)
{
    long ms = timeout_arg(argc, argv, PING_DEFAULT_MS);
    L4_ThreadId_t task;
    if (ms < 0 || !find_task(argv[0], argv[1], &task))
        return;
    int err = task_ping(task, (L4_Word_t) ms);
    if (err)
        complain("%s: task %lu.%lu: %s\n", argv[0], L4_ThreadNo(task), L4_Version(task),
                 l4srv_strerror(err));
    else
        shell_say("task %lu.%lu answers\n", L4_ThreadNo(task), L4_Version(task));
}

/*
 * TASK_WAIT with a time limit (unresponsive: the receive timed out), which task_wait() does not
 * have: a task that never ends must not hold the shell for ever. A wait that timed out stays parked
 * at the task server until the task ends; its late answer goes nowhere, since the server replies
 * with a zero timeout.
 */
static int wait_for(L4_ThreadId_t task, unsigned long ms, L4_Word_t *state, L4_Word_t *status)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, TASK_WAIT);
    L4_MsgAppendWord(&msg, task.raw);
    L4_MsgLoad(&msg);
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_Time_t limit = L4_TimePeriod((L4_Word64_t) ms * 1000);
    L4_MsgTag_t tag = L4_Call_Timeouts(task_server(), limit, limit);
    if (L4_IpcFailed(tag))
        return (L4_ErrorCode() & 0xf) == 3 ? L4SRV_ERR_UNRESPONSIVE : L4SRV_ERR_IPC;
    if (L4_Label(tag) != 0)
        return L4_Label(tag) < L4SRV_ERR_COUNT ? (int) L4_Label(tag) : L4SRV_ERR_GENERIC;
    if (L4_UntypedWords(tag) < 2 || L4_TypedWords(tag) != 0)
        return L4SRV_ERR_GENERIC;
    L4_StoreMR(1, state);
    L4_StoreMR(2, status);
    return 0;
}

void shell_wait(int argc, char **argv)
{
    long ms = timeout_arg(argc, argv, WAIT_DEFAULT_MS);
    L4_ThreadId_t task;
    if (ms < 0 || !find_task(argv[0], argv[1], &task))
        return;
    L4_Word_t state, status;
    int err = wait_for(task, (unsigned long) ms, &state, &status);
    if (err == L4SRV_ERR_UNRESPONSIVE) {
        complain("%s: task %lu.%lu has not ended after %ld ms\n", argv[0], L4_ThreadNo(task),
                 L4_Version(task), ms);
    } else if (err) {
        complain("%s: task %lu.%lu: %s\n", argv[0], L4_ThreadNo(task), L4_Version(task),
                 l4srv_strerror(err));
    } else {
        char how[48];
        describe_end(how, sizeof(how), state, status);
        shell_say("task %lu.%lu %s\n", L4_ThreadNo(task), L4_Version(task), how);
    }
}

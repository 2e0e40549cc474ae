/*
 * Demo "naming": how a path is resolved across servers. The root task
 * walks paths hop by hop (the root name service hands /tasks and
 * /stats/tasks on to the task server, /services/log to the log service),
 * opens and reads generated /stats files, lists a directory, and has bad
 * paths refused, each by the server that owns the part that is wrong.
 */
#include <stdio.h>
#include <string.h>

#include <l4/thread.h>
#include <l4srv/file.h>
#include <l4srv/ids.h>
#include <l4srv/naming.h>
#include <l4srv/system.h>
#include <l4srv/task.h>

#include "demo.h"
#include "demo_sys.h"

#define MAX_HOPS    8
#define OBJECT_NAME "demo"

static enum demo_outcome outcome;

static void report_error(const char *what, int err)
{
    printf("    -> %s failed: %s; the demo reports it and carries on\n", what, l4srv_strerror(err));
    demo_recovered(&outcome);
}

static void wrong(const char *what)
{
    printf("    -> WRONG RESULT: %s\n", what);
    outcome = DEMO_FAILED;
}

static const char *server_name(L4_ThreadId_t t)
{
    static const struct {
        enum l4srv_thread offset;
        const char *name;
    } known[] = {
        {L4SRV_MM, "MM server"},        {L4SRV_TASK, "task server"},
        {L4SRV_NAMING, "name service"}, {L4SRV_NAMING_AUX, "random device"},
        {L4SRV_LOG, "log service"},
    };
    for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (L4_IsThreadEqual(t, l4srv_id(known[i].offset)))
            return known[i].name;
    return "?";
}

static const char *type_name(L4_Word_t type)
{
    static const char *const names[] = {"?",    "directory", "file",  "service",
                                        "task", "module",    "device"};
    return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

/* The path after its first parts components; a leading "/" is one of them. */
static const char *skip_parts(const char *path, L4_Word_t parts)
{
    if (*path == '/' && parts) {
        path++;
        parts--;
    }
    for (; parts && *path; parts--) {
        path += strcspn(path, "/");
        path += *path == '/';
    }
    return path;
}

/*
 * What naming_lookup does, one resolve per server, printed as it goes.
 * *hops counts the resolves made; *last is the server that answered last.
 */
static int walk(const char *path, struct naming_result *out, int *hops, L4_ThreadId_t *last)
{
    L4_ThreadId_t server = naming_server();
    L4_Word_t dir = NAMING_ROOT;
    const char *rest = path;
    for (*hops = 1; *hops <= MAX_HOPS; ++*hops) {
        *last = server;
        if (dir == NAMING_ROOT)
            printf("    hop %d: thread %lu (%s) resolves \"%s\" from its root\n", *hops,
                   L4_ThreadNo(server), server_name(server), rest);
        else
            printf("    hop %d: thread %lu (%s) resolves \"%s\" from directory 0x%lx\n", *hops,
                   L4_ThreadNo(server), server_name(server), rest, dir);
        int err = GUARDED(naming_resolve(server, rest, dir, out));
        if (err) {
            printf("           -> refused: %s\n", l4srv_strerror(err));
            return err;
        }
        const char *next = skip_parts(rest, out->parts);
        printf("           -> thread %lu (%s), handle 0x%lx, %lu parts, a %s\n",
               L4_ThreadNo(out->server), server_name(out->server), out->handle, out->parts,
               type_name(out->type));
        if (*next)
            printf("           the rest, \"%s\", is for thread %lu to resolve\n", next,
                   L4_ThreadNo(out->server));
        else if (!L4_IsThreadEqual(out->server, server))
            printf("           bound to thread %lu: it implements the object\n",
                   L4_ThreadNo(out->server));
        if (!*next)
            return 0;
        if (out->type != NAMING_DIRECTORY || out->parts == 0)
            return L4SRV_ERR_INVALID_PATH;
        server = out->server;
        dir = out->handle;
        rest = next;
    }
    return L4SRV_ERR_INVALID_PATH;
}

/* Walk path and check who answers it, after how many hops; the result in *out. */
static bool resolve_shown(const char *path, enum l4srv_thread answers, int want_hops,
                          struct naming_result *out)
{
    int hops;
    L4_ThreadId_t last;
    int err = walk(path, out, &hops, &last);
    if (err == L4SRV_ERR_IPC) {
        report_error(path, err);
        return false;
    }
    if (err) {
        wrong("a good path was refused");
        return false;
    }
    if (hops != want_hops || !L4_IsThreadEqual(out->server, l4srv_id(answers)))
        wrong("the path was not answered by the server that owns it");
    struct naming_result direct;
    err = GUARDED(naming_lookup(path, &direct));
    if (err)
        report_error("naming_lookup", err);
    else if (!L4_IsThreadEqual(direct.server, out->server) || direct.handle != out->handle)
        wrong("naming_lookup found something else");
    return true;
}

static void show_text(const char *text)
{
    for (const char *line = text; *line;) {
        size_t n = strcspn(line, "\n"), shown = n;
        while (shown && line[shown - 1] == ' ')
            shown--; /* an empty value ("path ") */
        printf("      %.*s\n", (int) shown, line);
        line += n + (line[n] == '\n');
    }
}

/* The value of "key value" in a generated file, or NULL. */
static const char *value_of(const char *text, const char *key, char *buf, size_t cap)
{
    size_t k = strlen(key);
    for (const char *line = text; *line;) {
        size_t n = strcspn(line, "\n");
        if (n > k && !strncmp(line, key, k) && line[k] == ' ') {
            snprintf(buf, cap, "%.*s", (int) (n - k - 1), line + k + 1);
            return buf;
        }
        line += n + (line[n] == '\n');
    }
    return NULL;
}

static void read_stats_system(void)
{
    narrate("Opening and reading /stats/system: the file protocol goes to the server the walk "
            "named.\n"
            "    The name service makes the file when it is opened, so one open reads one "
            "snapshot.");
    struct naming_result r;
    if (!resolve_shown("/stats/system", L4SRV_NAMING, 1, &r))
        return;
    L4_Word_t file, size = 0;
    int err = GUARDED(file_open(r.server, r.handle, FILE_OPEN_READ, &file));
    if (err) {
        report_error("file_open", err);
        return;
    }
    err = GUARDED(file_size(r.server, file, &size));
    printf("    file_open (0x%x) -> file handle 0x%lx; file_size (0x%x) -> %lu bytes\n", FILE_OPEN,
           file, FILE_SIZE, err ? 0 : size);
    char text[FILE_IO_MAX + 1];
    size_t got = 0;
    if (!err)
        err = GUARDED(file_read(r.server, file, text, sizeof(text) - 1, &got));
    text[got] = 0;
    int closed = GUARDED(file_close(r.server, file));
    if (err || closed) {
        report_error("reading /stats/system", err ? err : closed);
        return;
    }
    printf("    file_read (0x%x) -> %zu bytes:\n", FILE_READ, got);
    show_text(text);
    char value[64];
    if (got != size || !value_of(text, "frames_total", value, sizeof(value)))
        wrong("/stats/system is not the whole file, or has no frames_total");
}

static bool make_task_object(L4_Word_t *handle, L4_ThreadId_t *server)
{
    narrate("A task object to look at: the root task makes /tasks/" OBJECT_NAME
            " (mk_object, label 0x%x)\n"
            "    at the server /tasks leads to. Nobody has started it yet.",
            NAMING_MK_OBJECT);
    struct naming_result dir;
    if (!resolve_shown("/tasks", L4SRV_TASK, 1, &dir))
        return false;
    int err = GUARDED(naming_mk_object(dir.server, dir.handle, NAMING_TASK, OBJECT_NAME, handle));
    if (err) {
        report_error("mk_object", err);
        return false;
    }
    *server = dir.server;
    printf("    -> thread %lu (%s) made it: handle 0x%lx\n", L4_ThreadNo(dir.server),
           server_name(dir.server), *handle);
    return true;
}

static void read_task_file(void)
{
    narrate("/stats/tasks/" OBJECT_NAME "/task: the name service resolves /stats/tasks, which "
            "the task server\n"
            "    mounted at boot, and hands the rest of the path over to it.");
    struct naming_result r;
    if (!resolve_shown("/stats/tasks/" OBJECT_NAME "/task", L4SRV_TASK, 2, &r))
        return;
    char text[1024], value[64];
    size_t len;
    int err = demo_read_path("/stats/tasks/" OBJECT_NAME "/task", text, sizeof(text), &len);
    if (err) {
        report_error("reading the task file", err);
        return;
    }
    printf("    the task server's file (%zu bytes):\n", len);
    show_text(text);
    if (!value_of(text, "state", value, sizeof(value)) || strcmp(value, "not_started") ||
        !value_of(text, "name", value, sizeof(value)) || strcmp(value, OBJECT_NAME))
        wrong("the task file does not describe the unstarted object");
}

static void list_root(void)
{
    narrate("Listing a directory: a directory opened for reading gives one 'name type' line "
            "per entry\n"
            "    (types: 1 directory, 2 file, 3 service, 4 task, 5 module, 6 device).");
    char text[2048];
    size_t len;
    int err = demo_read_path("/", text, sizeof(text), &len);
    if (err) {
        report_error("listing /", err);
        return;
    }
    printf("    / lists:\n");
    show_text(text);
    static const char *const expected[] = {"modules", "services", "tasks", "logs", "dev", "stats"};
    char value[16];
    for (unsigned i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        if (!value_of(text, expected[i], value, sizeof(value)) || strcmp(value, "1"))
            wrong("/ does not list every directory of the root namespace");
}

static void other_servers(void)
{
    narrate("Two more hand-overs: /services/log is bound to the log service, /dev/random to the "
            "random\n"
            "    device. The walk ends at the thread that implements the object, with its own "
            "handle.");
    struct naming_result r;
    resolve_shown("/services/log", L4SRV_LOG, 1, &r);
    resolve_shown("/dev/random", L4SRV_NAMING_AUX, 1, &r);
    if (!demo_images_dir())
        return;
    printf("    Boot modules are the name service's own files:\n");
    if (resolve_shown("/modules/hello", L4SRV_NAMING, 1, &r) && r.type != NAMING_MODULE)
        wrong("/modules/hello is not a module");
}

static void bad_paths(void)
{
    static const struct {
        const char *path;
        int error;
        enum l4srv_thread refuser;
        const char *why;
    } bad[] = {
        {"/stats/nosuch", L4SRV_ERR_NON_EXISTENT, L4SRV_NAMING, "no such name in /stats"},
        {"/tasks/nosuch", L4SRV_ERR_NON_EXISTENT, L4SRV_TASK, "the task server has no such task"},
        {"/stats/system/deeper", L4SRV_ERR_INVALID_PATH, L4SRV_NAMING,
         "a file has no components below it"},
        {"/logs/../tasks", L4SRV_ERR_INVALID_PATH, L4SRV_NAMING, "'..' is never allowed"},
    };
    narrate("Bad paths are refused with a clear error, by the server that owns the part that "
            "is wrong.");
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct naming_result r;
        int hops;
        L4_ThreadId_t last;
        printf("    - %s (%s):\n", bad[i].path, bad[i].why);
        int err = walk(bad[i].path, &r, &hops, &last);
        if (err == L4SRV_ERR_IPC)
            report_error(bad[i].path, err);
        else if (err != bad[i].error || !L4_IsThreadEqual(last, l4srv_id(bad[i].refuser)))
            wrong("a bad path was not refused as it should be");
    }
}

static void delete_task_object(L4_Word_t handle, L4_ThreadId_t server)
{
    narrate("The root task deletes its object (delete, label 0x%x); the name is gone at once.",
            NAMING_DELETE);
    int err = GUARDED(naming_delete(server, handle));
    if (err) {
        report_error("delete", err);
        return;
    }
    struct naming_result r;
    err = GUARDED(naming_lookup("/tasks/" OBJECT_NAME, &r));
    printf("    -> naming_lookup(\"/tasks/" OBJECT_NAME "\"): %s\n",
           err ? l4srv_strerror(err) : "still found");
    if (err == L4SRV_ERR_IPC)
        report_error("naming_lookup", err);
    else if (err != L4SRV_ERR_NON_EXISTENT)
        wrong("the deleted object can still be found");
}

static int naming_app(void *arg)
{
    (void) arg;
    narrate("The root task starts a watchdog, thread %lu: a call of the root task that gets no "
            "answer\n"
            "    for a second (a lost message) is canceled with ExchangeRegisters and reported.",
            l4srv_root_threadno() + DEMO_WATCHDOG_OFFSET);
    if (!demo_watchdog_start())
        return DEMO_FAILED;
    narrate("A path is resolved server by server. The root name service (thread %lu) holds "
            "'/'; a resolve\n"
            "    (label 0x%x) answers (server, handle, parts consumed, type). When parts fall "
            "short of the\n"
            "    path, the walk goes on at that server with the rest, as naming_lookup does.",
            L4_ThreadNo(naming_server()), NAMING_RESOLVE);
    read_stats_system();
    L4_Word_t object;
    L4_ThreadId_t object_server;
    bool made = make_task_object(&object, &object_server);
    if (made)
        read_task_file();
    list_root();
    other_servers();
    bad_paths();
    if (made)
        delete_task_object(object, object_server);
    demo_guard_rest();
    return (int) outcome;
}

static int run(const struct demo_options *opt, struct demo_result *res)
{
    struct l4sim_config cfg;
    demo_begin(opt, &cfg, "l4sim demo naming: one namespace, answered by several servers.");
    outcome = DEMO_OK;
    struct l4srv_options sys = {.modules_dir = demo_images_dir()};
    int rc = demo_run_system(&cfg, &sys, naming_app, NULL);
    narrate("Shutdown: the servers and their namespace go with the run.");
    return demo_finish("naming", &cfg, rc, res);
}

const struct demo demo_naming = {
    .name = "naming",
    .summary = "resolve paths across servers, read /stats files, list, refuse bad paths",
    .run = run,
};

/*
 * Seed 001's task objects and the task server's part of the namespace:
 * /tasks (mk_object, start, state, exists_handle, tid_to_handle,
 * handle_to_tid, getcmdline, delete) and the generated files of
 * /stats/tasks, with every refusal and malformed request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4srv/mm.h>
#include <l4srv/task.h>

#include "harness.h"
#include "naming_util.h"

static struct l4srv_options images = {.modules_dir = L4SIM_IMAGES_DIR};

static char text[64 * 1024];

static bool logged(const char *needle)
{
    size_t len;
    return u_read_path("/logs/system", text, sizeof(text), &len) == 0 &&
           strstr(text, needle) != NULL;
}

/* /tasks, as the name service finds it: the task server's directory. */
static struct naming_result tasks_dir(void)
{
    struct naming_result dir = {.parts = 0};
    H_EQ(naming_lookup("/tasks", &dir), L4SRV_OK);
    return dir;
}

static L4_Word_t make_task(const char *name)
{
    struct naming_result dir = tasks_dir();
    L4_Word_t handle = 0;
    H_EQ(naming_mk_object(dir.server, dir.handle, NAMING_TASK, name, &handle), L4SRV_OK);
    return handle;
}

/* The value of "key value" line key in text, or ~0. */
static unsigned long value_of(const char *file, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = file; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (!strncmp(line, key, klen) && line[klen] == ' ')
            return strtoul(line + klen + 1, NULL, 0);
    return ~0UL;
}

static bool has_line(const char *file, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = file; (p = strstr(p, line)); p += n)
        if ((p == file || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

static void frames_balanced(const struct mm_stats *before)
{
    struct mm_stats now;
    H_EQ(mm_stats(&now), L4SRV_OK);
    H_EQ(now.frames_free, before->frames_free);
    H_EQ(now.spaces, before->spaces);
    H_EQ(now.threads, before->threads);
}

/* ------------------------------------------------------------ lifecycle */

static int body_lifecycle(void *arg)
{
    (void) arg;
    struct mm_stats before;
    H_EQ(mm_stats(&before), L4SRV_OK);
    /* Seed 001's slides 19-21: resolve /tasks, make foobar, start it. */
    struct naming_result dir = tasks_dir();
    H_EQ(dir.server.raw, task_server().raw);
    H_EQ(dir.type, NAMING_DIRECTORY);
    H_EQ(dir.parts, 2); /* "/" and "tasks": the root name service got to the end */
    struct naming_result step;
    H_EQ(naming_resolve(naming_server(), "/tasks", NAMING_ROOT, &step), L4SRV_OK);
    H_EQ(step.parts, 2);
    H_EQ(step.server.raw, task_server().raw);

    L4_Word_t h = make_task("foobar"), state = 99, exists = 99;
    L4_ThreadId_t tid;
    H_EQ(task_obj_state(dir.server, h, &state), L4SRV_OK);
    H_EQ(state, TASK_NOT_STARTED);
    H_EQ(task_obj_exists(dir.server, h, &exists), L4SRV_OK);
    H_EQ(exists, TASK_EXISTS);
    H_EQ(task_obj_handle_to_tid(dir.server, h, &tid), L4SRV_ERR_NON_EXISTENT);
    H_CHECK(u_listed("/tasks", "foobar"));
    H_CHECK(u_listed("/stats/tasks", "foobar"));

    struct naming_result found;
    H_EQ(naming_lookup("/tasks/foobar", &found), L4SRV_OK);
    H_EQ(found.handle, h);
    H_EQ(found.type, NAMING_TASK);
    H_EQ(found.parts, 1);
    H_EQ(naming_resolve(dir.server, "foobar", dir.handle, &found), L4SRV_OK);
    H_EQ(found.handle, h);

    H_EQ(task_obj_start(dir.server, h, "/modules/hello", "hello from-an-object"), L4SRV_OK);
    H_EQ(task_obj_handle_to_tid(dir.server, h, &tid), L4SRV_OK);
    L4_Word_t back = 0, status = 99;
    H_EQ(task_obj_tid_to_handle(dir.server, tid, &back), L4SRV_OK);
    H_EQ(back, h);
    H_EQ(task_wait(tid, &state, &status), L4SRV_OK);
    H_EQ(state, TASK_EXITED);
    H_EQ(status, 0);
    H_CHECK(logged("from-an-object"));
    /* Ended, the object stays until its maker deletes it; so does its ID. */
    H_EQ(task_obj_state(dir.server, h, &state), L4SRV_OK);
    H_EQ(state, TASK_EXITED);
    H_EQ(task_obj_tid_to_handle(dir.server, tid, &back), L4SRV_OK);
    H_EQ(back, h);
    H_EQ(task_obj_start(dir.server, h, "/modules/hello", ""), L4SRV_ERR_GENERIC);

    H_EQ(naming_delete(dir.server, h), L4SRV_OK);
    H_EQ(task_obj_exists(dir.server, h, &exists), L4SRV_OK);
    H_EQ(exists, TASK_NONEXISTANT);
    H_EQ(task_obj_state(dir.server, h, &state), L4SRV_ERR_NON_EXISTENT);
    H_EQ(task_obj_tid_to_handle(dir.server, tid, &back), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_delete(dir.server, h), L4SRV_ERR_NON_EXISTENT);
    H_CHECK(!u_listed("/tasks", "foobar"));
    /* The name is free again, and the new object never answers to the old handle. */
    L4_Word_t again = make_task("foobar");
    H_CHECK(again != h);
    H_EQ(naming_delete(dir.server, again), L4SRV_OK);
    frames_balanced(&before);
    return 0;
}

static void lifecycle(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_lifecycle, NULL), 0);
}

/* Deleting a running task's object kills it; its frames come back. */
static int body_delete_kills(void *arg)
{
    (void) arg;
    struct mm_stats before;
    H_EQ(mm_stats(&before), L4SRV_OK);
    struct naming_result dir = tasks_dir();
    L4_Word_t h = make_task("blocker"), state = 0;
    L4_ThreadId_t tid;
    H_EQ(task_obj_start(dir.server, h, "/modules/crash", "crash block"), L4SRV_OK);
    H_EQ(task_obj_handle_to_tid(dir.server, h, &tid), L4SRV_OK);
    H_EQ(task_ping(tid, 1000), L4SRV_OK);
    H_EQ(task_obj_state(dir.server, h, &state), L4SRV_OK);
    H_EQ(state, TASK_STARTED);
    H_EQ(naming_delete(dir.server, h), L4SRV_OK);
    H_EQ(task_ping(tid, 100), L4SRV_ERR_NON_EXISTENT);
    frames_balanced(&before);
    return 0;
}

static void delete_kills(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_delete_kills, NULL), 0);
}

/* Tasks made by New appear in /tasks too, named after their program. */
static int body_new_is_listed(void *arg)
{
    (void) arg;
    L4_ThreadId_t task;
    L4_Word_t h = 0, state = 0;
    H_EQ(task_new("/modules/crash", "crash block", 0, &task, NULL), L4SRV_OK);
    H_EQ(task_obj_tid_to_handle(task_server(), task, &h), L4SRV_OK);
    H_EQ(task_obj_state(task_server(), h, &state), L4SRV_OK);
    H_EQ(state, TASK_STARTED);
    size_t len;
    H_EQ(u_read_path("/tasks", text, sizeof(text), &len), 0);
    char *entry = strstr(text, "crash-");
    H_CHECK(entry != NULL);
    if (!entry)
        return 0;
    char path[NAMING_PATH_MAX + 1];
    snprintf(path, sizeof(path), "/tasks/%.*s", (int) strcspn(entry, " "), entry);
    struct naming_result found;
    H_EQ(naming_lookup(path, &found), L4SRV_OK);
    H_EQ(found.handle, h);
    /* Its maker may delete it like any object it made. */
    H_EQ(naming_delete(task_server(), h), L4SRV_OK);
    H_EQ(task_ping(task, 100), L4SRV_ERR_NON_EXISTENT);
    return 0;
}

static void new_is_listed(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_new_is_listed, NULL), 0);
}

/* The task asks about itself: getcmdline, tid_to_handle and state from inside. */
static int body_whoami(void *arg)
{
    (void) arg;
    L4_ThreadId_t task;
    L4_Word_t h = 0, state = 0, status = 99;
    H_EQ(task_new("/modules/whoami", "whoami one two", 0, &task, NULL), L4SRV_OK);
    H_EQ(task_obj_tid_to_handle(task_server(), task, &h), L4SRV_OK);
    H_EQ(task_wait(task, &state, &status), L4SRV_OK);
    H_EQ(state, TASK_EXITED);
    H_EQ(status, 0);
    H_CHECK(logged("whoami: cmdline \"whoami one two\""));
    char line[64];
    snprintf(line, sizeof(line), "whoami: handle %lx state %d", h, TASK_STARTED);
    H_CHECK(logged(line));
    H_CHECK(logged("whoami: tiny buffer refused"));
    /* Asked by a thread of no task, getcmdline has nothing to answer. */
    char buf[8];
    H_EQ(task_obj_getcmdline(task_server(), buf, sizeof(buf)), L4SRV_ERR_NON_EXISTENT);
    H_EQ(buf[0], 0);
    return 0;
}

static void whoami(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_whoami, NULL), 0);
}

/* ------------------------------------------------------------- refusals */

static int start_as_other(void *arg)
{
    return task_obj_start(task_server(), *(L4_Word_t *) arg, "/modules/hello", "");
}

static int delete_as_other(void *arg)
{
    return naming_delete(task_server(), *(L4_Word_t *) arg);
}

static int body_start_refusals(void *arg)
{
    (void) arg;
    struct naming_result dir = tasks_dir();
    L4_Word_t h = make_task("picky"), state = 99;
    L4_ThreadId_t ts = dir.server;
    H_EQ(task_obj_start(ts, h, "/modules/missing", ""), L4SRV_ERR_INVALID_PATH);
    H_EQ(task_obj_start(ts, h, "/modules", ""), L4SRV_ERR_INVALID_PATH);
    H_EQ(task_obj_start(ts, h, "relative", ""), L4SRV_ERR_INVALID_PATH);
    H_EQ(task_obj_start(ts, h, "", ""), L4SRV_ERR_INVALID_PATH);
    H_EQ(task_obj_start(ts, h, "/modules/not-an-image.txt", ""), L4SRV_ERR_BAD_IMAGE);
    /* Paths into the task server's own objects: none is a program. */
    H_EQ(task_obj_start(ts, h, "/tasks/picky", ""), L4SRV_ERR_INVALID_PATH);
    H_EQ(task_obj_start(ts, h, "/tasks", ""), L4SRV_ERR_INVALID_PATH);
    H_EQ(task_obj_start(ts, h, "/stats/tasks/picky/task", ""), L4SRV_ERR_INVALID_PATH);
    char longline[TASK_CMDLINE_MAX + 2];
    memset(longline, 'x', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = 0;
    H_EQ(task_obj_start(ts, h, "/modules/hello", longline), L4SRV_ERR_INVALID_ARG);
    /* Only the maker may start or delete it. */
    H_EQ(u_as_other_thread(start_as_other, &h), L4SRV_ERR_NO_PRIVILEGE);
    H_EQ(u_as_other_thread(delete_as_other, &h), L4SRV_ERR_NO_PRIVILEGE);
    /* After every refusal it has still not started, and a good start works. */
    H_EQ(task_obj_state(ts, h, &state), L4SRV_OK);
    H_EQ(state, TASK_NOT_STARTED);
    H_EQ(task_obj_start(ts, h, "/modules/hello", "hello after-refusals"), L4SRV_OK);
    L4_ThreadId_t tid;
    L4_Word_t status;
    H_EQ(task_obj_handle_to_tid(ts, h, &tid), L4SRV_OK);
    H_EQ(task_wait(tid, &state, &status), L4SRV_OK);
    H_EQ(state, TASK_EXITED);
    H_EQ(naming_delete(ts, h), L4SRV_OK);
    /* Handles that never were, or name no task. */
    L4_Word_t forged[] = {0, 1, ~0UL, h, h + 1, h ^ (1UL << 20), dir.handle};
    for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
        L4_Word_t exists = 99;
        H_EQ(task_obj_state(ts, forged[i], &state), L4SRV_ERR_NON_EXISTENT);
        H_EQ(task_obj_handle_to_tid(ts, forged[i], &tid), L4SRV_ERR_NON_EXISTENT);
        H_EQ(task_obj_exists(ts, forged[i], &exists), L4SRV_OK);
        H_EQ(exists, TASK_NONEXISTANT);
        H_EQ(task_obj_start(ts, forged[i], "/modules/hello", ""),
             forged[i] == dir.handle ? L4SRV_ERR_NO_PRIVILEGE : L4SRV_ERR_NON_EXISTENT);
    }
    H_EQ(task_obj_tid_to_handle(ts, L4_nilthread, &h), L4SRV_ERR_NON_EXISTENT);
    H_EQ(task_obj_tid_to_handle(ts, L4_Myself(), &h), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_delete(ts, dir.handle), L4SRV_ERR_NO_PRIVILEGE);
    return 0;
}

static void start_refusals(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_start_refusals, NULL), 0);
}

/* A module whose host file went away after boot: file_access_error, for start and New alike. */
static int body_file_access(void *arg)
{
    const char *host_copy = arg;
    struct naming_result dir = tasks_dir(), module;
    H_EQ(naming_lookup("/modules/vanishing", &module), L4SRV_OK);
    H_EQ(unlink(host_copy), 0);
    L4_Word_t h = make_task("orphan"), state = 99;
    H_EQ(task_obj_start(dir.server, h, "/modules/vanishing", ""), L4SRV_ERR_FILE_ACCESS);
    H_EQ(task_obj_state(dir.server, h, &state), L4SRV_OK);
    H_EQ(state, TASK_NOT_STARTED);
    L4_ThreadId_t task;
    H_EQ(task_new("/modules/vanishing", "", 0, &task, NULL), L4SRV_ERR_FILE_ACCESS);
    H_EQ(naming_delete(dir.server, h), L4SRV_OK);
    return 0;
}

static void start_of_unreadable_module(void **state)
{
    (void) state;
    char dir[] = "/tmp/l4sim-modules-XXXXXX", path[64], src[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/vanishing", dir);
    snprintf(src, sizeof(src), "%s/hello", L4SIM_IMAGES_DIR);
    FILE *in = fopen(src, "rb"), *out = fopen(path, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    struct l4srv_options opt = {.modules_dir = dir};
    int rc = h_run_system(&opt, body_file_access, path);
    unlink(path);
    rmdir(dir);
    assert_int_equal(rc, 0);
}

static int body_mk_object_refusals(void *arg)
{
    (void) arg;
    struct naming_result dir = tasks_dir(), stats;
    L4_ThreadId_t ts = dir.server;
    L4_Word_t h;
    H_EQ(naming_mk_object(ts, dir.handle, NAMING_FILE, "f", &h), L4SRV_ERR_FILE_ACCESS);
    H_EQ(naming_mk_object(ts, dir.handle, NAMING_DIRECTORY, "d", &h), L4SRV_ERR_FILE_ACCESS);
    H_EQ(naming_mk_object(ts, dir.handle, 0, "zero", &h), L4SRV_ERR_INVALID_ARG);
    H_EQ(naming_mk_object(ts, dir.handle, 99, "huge", &h), L4SRV_ERR_INVALID_ARG);
    const char *bad[] = {"", ".", "..", "a/b", "/abs"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        H_EQ(naming_mk_object(ts, dir.handle, NAMING_TASK, bad[i], &h), L4SRV_ERR_INVALID_PATH);
    H_EQ(naming_mk_object(ts, dir.handle + 7, NAMING_TASK, "x", &h), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_lookup("/stats/tasks", &stats), L4SRV_OK);
    H_EQ(naming_mk_object(ts, stats.handle, NAMING_TASK, "x", &h), L4SRV_ERR_FILE_ACCESS);
    L4_Word_t first = make_task("twice");
    H_EQ(naming_mk_object(ts, dir.handle, NAMING_TASK, "twice", &h), L4SRV_ERR_EXISTS);
    /* The table holds 64 tasks: the 65th object is refused, not squeezed in. */
    L4_Word_t made[64];
    unsigned n;
    int err = 0;
    char name[16];
    for (n = 0; n < 64; n++) {
        snprintf(name, sizeof(name), "t%u", n);
        if ((err = naming_mk_object(ts, dir.handle, NAMING_TASK, name, &made[n])))
            break;
    }
    H_EQ(err, L4SRV_ERR_NO_MEM);
    H_EQ(n, 63); /* and "twice" */
    L4_ThreadId_t task;
    H_EQ(task_new("/modules/hello", "", 0, &task, NULL), L4SRV_ERR_NO_MEM);
    for (unsigned i = 0; i < n; i++)
        H_EQ(naming_delete(ts, made[i]), L4SRV_OK);
    H_EQ(naming_delete(ts, first), L4SRV_OK);
    /* Room again. */
    L4_Word_t state;
    H_EQ(task_new("/modules/hello", "", 0, &task, NULL), L4SRV_OK);
    H_EQ(task_wait(task, &state, NULL), L4SRV_OK);
    return 0;
}

static void mk_object_refusals(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_mk_object_refusals, NULL), 0);
}

/* Requests of the wrong shape: a clear error, and the server goes on. */
static int body_malformed(void *arg)
{
    (void) arg;
    struct naming_result dir = tasks_dir();
    L4_ThreadId_t ts = dir.server;
    L4_Word_t h = make_task("shapes"), w[4] = {h, 0, 0, 0}, reply[4];
    const struct {
        L4_Word_t label;
        unsigned u;
        const char *str;
    } cases[] = {
        {TASK_OBJ_START, 1, NULL}, /* no string */
        {TASK_OBJ_START, 0, "/x"}, /* no handle */
        {TASK_OBJ_STATE, 0, NULL},
        {TASK_OBJ_STATE, 2, NULL},
        {TASK_OBJ_EXISTS, 0, NULL},
        {TASK_OBJ_TID_TO_HANDLE, 1, "x"},
        {TASK_OBJ_HANDLE_TO_TID, 3, NULL},
        {TASK_OBJ_GETCMDLINE, 1, NULL},
        {NAMING_RESOLVE, 1, NULL},
        {NAMING_RESOLVE, 0, "shapes"},
        {NAMING_MK_OBJECT, 1, "n"},
        {NAMING_DELETE, 2, NULL},
        {NAMING_REGISTER, 3, NULL},
        {NAMING_REGISTER, 1, NULL},
        {FILE_OPEN, 1, NULL},
        {FILE_READ, 1, NULL},
        {FILE_WRITE, 1, NULL},
        {FILE_SEEK, 2, NULL},
        {FILE_SIZE, 0, NULL},
        {FILE_CLOSE, 2, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long got = u_raw_call(ts, cases[i].label, cases[i].u, w, cases[i].str,
                              cases[i].str ? strlen(cases[i].str) : 0, reply);
        if (got != L4SRV_ERR_INVALID_ARG)
            print_message("case %zu (label %lx): got %ld\n", i, cases[i].label, got);
        H_EQ(got, L4SRV_ERR_INVALID_ARG);
    }
    /* Resolve here takes relative paths only, from one of our directories. */
    struct naming_result r;
    H_EQ(naming_resolve(ts, "/tasks/shapes", dir.handle, &r), L4SRV_ERR_INVALID_PATH);
    H_EQ(naming_resolve(ts, "shapes", NAMING_ROOT, &r), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_resolve(ts, "shapes//x", dir.handle, &r), L4SRV_ERR_INVALID_PATH);
    H_EQ(naming_resolve(ts, "../shapes", dir.handle, &r), L4SRV_ERR_INVALID_PATH);
    H_EQ(naming_resolve(ts, "shapes/", dir.handle, &r), L4SRV_ERR_INVALID_PATH);
    H_EQ(naming_resolve(ts, "shapes/more", dir.handle, &r), L4SRV_ERR_INVALID_PATH);
    H_EQ(naming_resolve(ts, "nobody", dir.handle, &r), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_resolve(ts, "shapes", h, &r), L4SRV_ERR_INVALID_PATH); /* a task is no directory */
    H_EQ(naming_register(ts, h, L4_Myself(), 1), L4SRV_ERR_INVALID_ARG);
    /* Still serving. */
    L4_Word_t state;
    H_EQ(task_obj_state(ts, h, &state), L4SRV_OK);
    H_EQ(state, TASK_NOT_STARTED);
    H_EQ(naming_delete(ts, h), L4SRV_OK);
    return 0;
}

static void malformed_requests(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_malformed, NULL), 0);
}

/* --------------------------------------------------------- /stats/tasks */

static int read_as_other(void *arg)
{
    char byte;
    size_t got;
    return file_read(task_server(), *(L4_Word_t *) arg, &byte, 1, &got);
}

static int read_stats(const char *name, const char *file, char *buf, size_t cap)
{
    char path[NAMING_PATH_MAX + 1];
    snprintf(path, sizeof(path), "/stats/tasks/%s/%s", name, file);
    size_t len;
    return u_read_path(path, buf, cap, &len);
}

/*
 * Free-running, the task may still be on its way to its receive: wait
 * until two Infos 10 ms apart agree, so the file can be compared with one.
 */
static void settle(L4_ThreadId_t task, struct task_info *info)
{
    struct task_info again;
    H_EQ(task_info(task, info), L4SRV_OK);
    for (int i = 0; i < 200; i++) {
        L4_Sleep(L4_TimePeriod(10 * 1000));
        H_EQ(task_info(task, &again), L4SRV_OK);
        if (!memcmp(info, &again, sizeof(again)))
            return;
        *info = again;
    }
    H_CHECK(!"the task's counters never stood still");
}

static int body_stats(void *arg)
{
    (void) arg;
    struct naming_result dir = tasks_dir();
    L4_Word_t h = make_task("watched");
    L4_ThreadId_t task, main_thread;
    H_EQ(task_obj_start(dir.server, h, "/modules/crash", "crash block"), L4SRV_OK);
    H_EQ(task_obj_handle_to_tid(dir.server, h, &task), L4SRV_OK);
    H_EQ(task_ping(task, 1000), L4SRV_OK); /* running, and blocked in its receive */
    struct task_info info;
    H_EQ(task_info(task, &info), L4SRV_OK);
    H_EQ(info.threads, 1);

    /* Resolution across two servers, with the parts counted at each. */
    struct naming_result r;
    H_EQ(naming_resolve(naming_server(), "/stats/tasks/watched/task", NAMING_ROOT, &r), 0);
    H_EQ(r.server.raw, task_server().raw);
    H_EQ(r.parts, 3);
    H_EQ(naming_resolve(r.server, "watched/task", r.handle, &r), 0);
    H_EQ(r.parts, 2);
    H_EQ(r.type, NAMING_FILE);

    /* The listing: the task file and one file per thread, named as traces name them. */
    size_t len;
    H_EQ(u_read_path("/stats/tasks/watched", text, sizeof(text), &len), 0);
    H_CHECK(has_line(text, "task 2"));
    char rm_name[32], main_name[32];
    snprintf(rm_name, sizeof(rm_name), "%lu.%lu", L4_ThreadNo(task), L4_Version(task));
    H_CHECK(u_listed("/stats/tasks/watched", rm_name));
    /* The one other entry is the main thread. */
    main_thread = L4_nilthread;
    for (char *line = text; *line; line = strchr(line, '\n') + 1) {
        unsigned long no, ver;
        if (sscanf(line, "%lu.%lu", &no, &ver) == 2 && no != L4_ThreadNo(task))
            main_thread = L4_GlobalId(no, ver);
    }
    H_CHECK(!L4_IsNilThread(main_thread));
    snprintf(main_name, sizeof(main_name), "%lu.%lu", L4_ThreadNo(main_thread),
             L4_Version(main_thread));
    H_EQ(task_set_priority(main_thread, 42), L4SRV_OK);

    /* The task file matches Info, taken before and after it (nothing moved in between). */
    static char file[4096];
    struct task_info again;
    settle(task, &info);
    H_EQ(read_stats("watched", "task", file, sizeof(file)), 0);
    H_EQ(task_info(task, &again), L4SRV_OK);
    H_EQ(memcmp(&info, &again, sizeof(info)), 0);
    H_CHECK(has_line(file, "name watched"));
    H_CHECK(has_line(file, "path /modules/crash"));
    H_CHECK(has_line(file, "cmdline crash block"));
    H_CHECK(has_line(file, "state started"));
    H_EQ(value_of(file, "threads"), info.threads);
    H_EQ(value_of(file, "cpu_us"), info.cpu_us);
    H_EQ(value_of(file, "ipc_sent"), info.ipc_sent);
    H_EQ(value_of(file, "ipc_received"), info.ipc_received);
    H_EQ(value_of(file, "page_faults"), info.faults);
    H_EQ(value_of(file, "resident_pages"), info.resident);
    H_EQ(value_of(file, "swapped_pages"), info.swapped);
    H_CHECK(info.ipc_sent > 0 && info.faults > 0 && info.resident > 0);

    /* The main thread's file: its own counters, the priority we set, its state. */
    struct task_info mine;
    H_EQ(task_info(main_thread, &mine), L4SRV_OK);
    H_EQ(read_stats("watched", main_name, file, sizeof(file)), 0);
    H_CHECK(has_line(file, "role thread"));
    H_CHECK(has_line(file, "task watched"));
    H_EQ(value_of(file, "priority"), 42);
    H_CHECK(has_line(file, "state receiving") || has_line(file, "state waiting"));
    H_EQ(value_of(file, "ipc_sent"), mine.ipc_sent);
    H_EQ(value_of(file, "ipc_received"), mine.ipc_received);
    H_EQ(value_of(file, "page_faults"), mine.faults);
    H_EQ(read_stats("watched", rm_name, file, sizeof(file)), 0);
    H_CHECK(has_line(file, "role region_mapper"));

    /* Read-only, refusals, and the end of a file. */
    struct naming_result tf;
    L4_Word_t fh, pos;
    char byte;
    size_t got;
    H_EQ(naming_lookup("/stats/tasks/watched/task", &tf), 0);
    H_EQ(file_open(tf.server, tf.handle, FILE_OPEN_WRITE, &fh), L4SRV_ERR_FILE_ACCESS);
    H_EQ(file_open(tf.server, tf.handle, 0, &fh), L4SRV_ERR_INVALID_ARG);
    H_EQ(file_open(tf.server, h, FILE_OPEN_READ, &fh), L4SRV_ERR_INVALID_ARG); /* a task */
    H_EQ(file_open(tf.server, tf.handle, FILE_OPEN_READ, &fh), 0);
    H_EQ(file_write(tf.server, fh, "x", 1, &got), L4SRV_ERR_FILE_ACCESS);
    L4_Word_t size = 0;
    H_EQ(file_size(tf.server, fh, &size), 0);
    H_CHECK(size > 0);
    H_EQ(file_seek(tf.server, fh, 1, FILE_SEEK_END, &pos), L4SRV_ERR_INVALID_ARG);
    H_EQ(file_seek(tf.server, fh, 0, FILE_SEEK_END, &pos), 0);
    H_EQ(pos, size);
    H_EQ(file_read(tf.server, fh, &byte, 1, &got), L4SRV_ERR_END_OF_FILE);
    H_EQ(file_seek(tf.server, fh, 0, FILE_SEEK_SET, &pos), 0);
    H_EQ(file_read(tf.server, fh, &byte, 1, &got), 0);
    H_EQ(byte, 'n');
    H_EQ(u_as_other_thread(read_as_other, &fh), L4SRV_ERR_NON_EXISTENT); /* not theirs */

    /* After the kill: the task file says so, the thread files are gone. */
    struct naming_result thread_file;
    char path[80];
    snprintf(path, sizeof(path), "/stats/tasks/watched/%s", main_name);
    H_EQ(naming_lookup(path, &thread_file), 0);
    H_EQ(task_kill(task), L4SRV_OK);
    H_EQ(read_stats("watched", "task", file, sizeof(file)), 0);
    H_CHECK(has_line(file, "state killed"));
    H_CHECK(has_line(file, "threads 0"));
    H_EQ(read_stats("watched", main_name, file, sizeof(file)), L4SRV_ERR_NON_EXISTENT);
    H_EQ(file_open(tf.server, thread_file.handle, FILE_OPEN_READ, &pos), L4SRV_ERR_NON_EXISTENT);
    /* Deleted: even the open file answers non_existent, and can still be closed. */
    H_EQ(naming_delete(dir.server, h), L4SRV_OK);
    H_EQ(file_read(tf.server, fh, &byte, 1, &got), L4SRV_ERR_NON_EXISTENT);
    H_EQ(file_close(tf.server, fh), 0);
    H_EQ(file_close(tf.server, fh), L4SRV_ERR_NON_EXISTENT);
    H_CHECK(!u_listed("/stats/tasks", "watched"));
    return 0;
}

static void stats_files(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_stats, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lifecycle),
        cmocka_unit_test(delete_kills),
        cmocka_unit_test(new_is_listed),
        cmocka_unit_test(whoami),
        cmocka_unit_test(start_refusals),
        cmocka_unit_test(mk_object_refusals),
        cmocka_unit_test(malformed_requests),
        cmocka_unit_test(stats_files),
        cmocka_unit_test(start_of_unreadable_module),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The name service: the root namespace, resolve step by step across
 * servers, mk_object / delete / register, and the bad input each of them
 * must refuse with a clear error and no change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <l4srv/errors.h>
#include <l4srv/ids.h>
#include <l4srv/log.h>

#include "naming_util.h"

static L4_ThreadId_t ns(void)
{
    return naming_server();
}

/* ------------------------------------------------------ the namespace */

static int body_root_namespace(void *arg)
{
    (void) arg;
    static const char *const dirs[] = {"modules", "services", "tasks", "logs", "dev", "stats"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        H_CHECK(u_listed("/", dirs[i]));
    H_CHECK(u_listed("/services", "log"));
    H_CHECK(u_listed("/dev", "random"));
    H_CHECK(u_listed("/stats", "system"));
    H_CHECK(u_listed("/logs", "system"));
    return 0;
}

static void root_namespace_has_the_standard_directories(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_root_namespace, NULL), 0);
}

static int body_parts(void *arg)
{
    (void) arg;
    struct naming_result r;
    H_EQ(naming_resolve(ns(), "/", NAMING_ROOT, &r), 0);
    H_EQ(r.parts, 1);
    H_EQ(r.type, NAMING_DIRECTORY);
    H_EQ(r.server.raw, ns().raw);
    L4_Word_t root = r.handle;

    H_EQ(naming_resolve(ns(), "/services", NAMING_ROOT, &r), 0);
    H_EQ(r.parts, 2);
    H_EQ(r.type, NAMING_DIRECTORY);
    L4_Word_t services = r.handle;

    /* The same directory, reached relative to the root's handle. */
    H_EQ(naming_resolve(ns(), "services", root, &r), 0);
    H_EQ(r.parts, 1);
    H_EQ(r.handle, services);
    /* An absolute path with the root's handle spelt out is the same as NAMING_ROOT. */
    H_EQ(naming_resolve(ns(), "/services", root, &r), 0);
    H_EQ(r.handle, services);
    return 0;
}

static void resolve_counts_the_leading_slash_as_a_part(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_parts, NULL), 0);
}

/* ------------------------------------------ crossing into another server */

#define SUB_ROOT 0x51UL /* the handle the second server gives its root */
#define SUB_FILE 0x52UL

/* What the second name server was asked, and what it says. */
static struct {
    char path[NAMING_PATH_MAX + 1];
    L4_Word_t dir;
    unsigned requests;
    L4_Word_t answer_parts, answer_type;
} sub;

/* A second name server: answers every resolve with (itself, SUB_FILE, answer). */
static void sub_server(void *kip)
{
    (void) kip;
    static char buf[NAMING_PATH_MAX + 1];
    for (;;) {
        L4_MsgBuffer_t b;
        L4_MsgBufferClear(&b);
        L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem(NAMING_PATH_MAX, buf));
        L4_AcceptStrings(L4_StringItemsAcceptor, &b);
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            continue;
        L4_Word_t mr[3];
        L4_StoreMRs(1, 3, mr);
        size_t len = mr[1] >> 10;
        memcpy(sub.path, buf, len);
        sub.path[len] = 0;
        sub.dir = mr[0];
        sub.requests++;
        L4_Word_t reply[4] = {L4_Myself().raw, SUB_FILE, sub.answer_parts, sub.answer_type};
        h_load_words(0, 4, reply);
        L4_Reply(from);
    }
}

static int body_cross(void *arg)
{
    (void) arg;
    L4_ThreadId_t second = h_spawn(H_FIRST_APP, sub_server, NULL);
    L4_Word_t mnt;
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_DIRECTORY, "mnt", &mnt), 0);
    H_EQ(naming_register(ns(), mnt, second, SUB_ROOT), 0);

    /* One step: the root server stops where the path enters the second server. */
    struct naming_result r;
    H_EQ(naming_resolve(ns(), "/mnt/a/b", NAMING_ROOT, &r), 0);
    H_EQ(r.server.raw, second.raw);
    H_EQ(r.handle, SUB_ROOT);
    H_EQ(r.parts, 2);
    H_EQ(r.type, NAMING_DIRECTORY);
    H_EQ(sub.requests, 0);

    /* The walk carries on there with the rest of the path. */
    sub.answer_parts = 2;
    sub.answer_type = NAMING_FILE;
    H_EQ(naming_lookup("/mnt/a/b", &r), 0);
    H_EQ(sub.requests, 1);
    H_CHECK(!strcmp(sub.path, "a/b"));
    H_EQ(sub.dir, SUB_ROOT);
    H_EQ(r.server.raw, second.raw);
    H_EQ(r.handle, SUB_FILE);
    H_EQ(r.parts, 2);
    H_EQ(r.type, NAMING_FILE);

    /* A server that stops short at something other than a directory ends the walk. */
    sub.answer_parts = 1;
    H_EQ(naming_lookup("/mnt/a/b", &r), L4SRV_ERR_INVALID_PATH);
    /* So does one that consumes nothing (it would loop). */
    sub.answer_parts = 0;
    sub.answer_type = NAMING_DIRECTORY;
    H_EQ(naming_lookup("/mnt/a/b", &r), L4SRV_ERR_INVALID_PATH);

    /* The mount point itself resolves to the second server's root. */
    H_EQ(naming_lookup("/mnt", &r), 0);
    H_EQ(r.server.raw, second.raw);
    H_EQ(r.handle, SUB_ROOT);
    return 0;
}

static void resolve_crosses_into_the_next_server(void **state)
{
    (void) state;
    memset(&sub, 0, sizeof(sub));
    assert_int_equal(h_run_system(NULL, body_cross, NULL), 0);
}

/* ---------------------------------------------- mk_object and delete */

static int body_mk_delete(void *arg)
{
    (void) arg;
    struct naming_result r;
    L4_Word_t dir, again;
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_DIRECTORY, "scratch", &dir), 0);
    H_EQ(naming_lookup("/scratch", &r), 0);
    H_EQ(r.handle, dir);
    H_EQ(r.type, NAMING_DIRECTORY);
    H_CHECK(u_listed("/", "scratch"));

    H_EQ(naming_delete(ns(), dir), 0);
    H_EQ(naming_lookup("/scratch", &r), L4SRV_ERR_NON_EXISTENT);
    H_CHECK(!u_listed("/", "scratch"));
    /* The old handle is stale for good, even once the name is made again. */
    H_EQ(naming_delete(ns(), dir), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_DIRECTORY, "scratch", &again), 0);
    H_CHECK(again != dir);
    H_EQ(naming_resolve(ns(), "x", dir, &r), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_mk_object(ns(), dir, NAMING_FILE, "x", &again), L4SRV_ERR_NON_EXISTENT);
    return 0;
}

static void mk_object_then_delete_makes_and_removes_the_name(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_mk_delete, NULL), 0);
}

static L4_Word_t shared_handle;

static int delete_shared(void *arg)
{
    (void) arg;
    return naming_delete(naming_server(), shared_handle);
}

static int register_shared(void *arg)
{
    (void) arg;
    return naming_register(naming_server(), shared_handle, L4_Myself(), 1);
}

static int body_refused_delete(void *arg)
{
    (void) arg;
    L4_Word_t dir, file;
    struct naming_result r;
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_DIRECTORY, "d", &dir), 0);
    H_EQ(naming_mk_object(ns(), dir, NAMING_FILE, "f", &file), 0);

    /* A directory with something in it stays, and so do both handles. */
    H_EQ(naming_delete(ns(), dir), L4SRV_ERR_EXISTS);
    H_EQ(naming_resolve(ns(), "f", dir, &r), 0);
    H_EQ(r.handle, file);

    /* Only the maker may delete or bind an object. */
    shared_handle = file;
    H_EQ(u_as_other_thread(delete_shared, NULL), L4SRV_ERR_NO_PRIVILEGE);
    shared_handle = dir;
    H_EQ(u_as_other_thread(register_shared, NULL), L4SRV_ERR_NO_PRIVILEGE);
    H_EQ(naming_lookup("/d/f", &r), 0);
    H_EQ(r.handle, file);

    /* Nobody deletes what the system made. */
    H_EQ(naming_lookup("/services", &r), 0);
    H_EQ(naming_delete(ns(), r.handle), L4SRV_ERR_NO_PRIVILEGE);
    H_EQ(naming_delete(ns(), NAMING_ROOT), L4SRV_ERR_NON_EXISTENT);
    H_CHECK(u_listed("/", "services"));

    H_EQ(naming_delete(ns(), file), 0);
    H_EQ(naming_delete(ns(), dir), 0);
    return 0;
}

static void handles_stay_valid_after_a_refused_delete(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_refused_delete, NULL), 0);
}

static int body_mk_refusals(void *arg)
{
    (void) arg;
    struct naming_result r;
    L4_Word_t h, file, services;
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_FILE, "once", &file), 0);
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_FILE, "once", &h), L4SRV_ERR_EXISTS);
    /* Unknown types. */
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, 0, "t0", &h), L4SRV_ERR_INVALID_ARG);
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_TYPE_COUNT, "t9", &h), L4SRV_ERR_INVALID_ARG);
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, 1000, "t1000", &h), L4SRV_ERR_INVALID_ARG);
    /* Names that are not one component. */
    static const char *const bad[] = {"", ".", "..", "a/b", "/x", "x/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_FILE, bad[i], &h), L4SRV_ERR_INVALID_PATH);
    char longname[NAMING_NAME_MAX + 2];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_FILE, longname, &h), L4SRV_ERR_INVALID_PATH);
    /* Places that take no such object: the boot modules, a file, a typed directory. */
    H_EQ(naming_lookup("/modules", &r), 0);
    H_EQ(naming_mk_object(ns(), r.handle, NAMING_FILE, "new", &h), L4SRV_ERR_FILE_ACCESS);
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_MODULE, "mod", &h), L4SRV_ERR_FILE_ACCESS);
    H_EQ(naming_mk_object(ns(), file, NAMING_FILE, "in_a_file", &h), L4SRV_ERR_INVALID_ARG);
    H_EQ(naming_lookup("/services", &r), 0);
    services = r.handle;
    H_EQ(naming_mk_object(ns(), services, NAMING_FILE, "notes", &h), L4SRV_ERR_FILE_ACCESS);
    /* A forged directory handle. */
    H_EQ(naming_mk_object(ns(), 0xdead00, NAMING_FILE, "x", &h), L4SRV_ERR_NON_EXISTENT);
    /* Nothing of the above appeared. */
    H_CHECK(!u_listed("/", "t0") && !u_listed("/", "mod") && !u_listed("/services", "notes"));
    H_CHECK(!u_listed("/modules", "new"));
    return 0;
}

static void mk_object_refuses_bad_names_types_and_places(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_mk_refusals, NULL), 0);
}

static int body_register(void *arg)
{
    (void) arg;
    L4_Word_t svc, file, dir, inner;
    L4_ThreadId_t me = L4_Myself();
    struct naming_result r;
    H_EQ(naming_lookup("/services", &r), 0);
    H_EQ(naming_mk_object(ns(), r.handle, NAMING_SERVICE, "mine", &svc), 0);
    /* Unbound, it is the name server's own object. */
    H_EQ(naming_lookup("/services/mine", &r), 0);
    H_EQ(r.server.raw, ns().raw);
    H_EQ(naming_register(ns(), svc, L4_nilthread, 7), L4SRV_ERR_INVALID_ARG);
    H_EQ(naming_register(ns(), svc, me, 7), 0);
    H_EQ(naming_register(ns(), svc, me, 8), L4SRV_ERR_EXISTS);
    H_EQ(naming_lookup("/services/mine", &r), 0);
    H_EQ(r.server.raw, me.raw);
    H_EQ(r.handle, 7);
    H_EQ(r.type, NAMING_SERVICE);
    /* A path through a service does not resolve. */
    H_EQ(naming_lookup("/services/mine/x", &r), L4SRV_ERR_INVALID_PATH);

    /* Files are never bound; directories only while empty. */
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_FILE, "plain", &file), 0);
    H_EQ(naming_register(ns(), file, me, 1), L4SRV_ERR_INVALID_ARG);
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_DIRECTORY, "full", &dir), 0);
    H_EQ(naming_mk_object(ns(), dir, NAMING_FILE, "inner", &inner), 0);
    H_EQ(naming_register(ns(), dir, me, 1), L4SRV_ERR_EXISTS);
    H_EQ(naming_lookup("/full/inner", &r), 0);
    H_EQ(r.handle, inner);
    H_EQ(naming_register(ns(), 0xbad00, me, 1), L4SRV_ERR_NON_EXISTENT);
    return 0;
}

static void register_binds_once_and_only_what_can_be_bound(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_register, NULL), 0);
}

/* ---------------------------------------------------------- bad paths */

static int body_bad_paths(void *arg)
{
    (void) arg;
    struct naming_result r;
    static const char *const invalid[] = {
        "",   "relative", "/services/",        "//services",      "/services//log",
        "/.", "/..",      "/services/../logs", "/services/./log",
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        H_EQ(naming_resolve(ns(), invalid[i], NAMING_ROOT, &r), L4SRV_ERR_INVALID_PATH);
        H_EQ(naming_lookup(invalid[i], &r), L4SRV_ERR_INVALID_PATH);
    }
    H_EQ(naming_lookup("/nope", &r), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_lookup("/services/nope", &r), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_lookup("/stats/system/deeper", &r), L4SRV_ERR_INVALID_PATH);

    /* Too long: refused by the stub, and by the server when sent raw. */
    static char longpath[NAMING_PATH_MAX + 2];
    longpath[0] = '/';
    memset(longpath + 1, 'a', NAMING_PATH_MAX);
    H_EQ(naming_lookup(longpath, &r), L4SRV_ERR_INVALID_PATH);
    L4_Word_t w[1] = {NAMING_ROOT};
    H_EQ(u_raw_call(ns(), NAMING_RESOLVE, 1, w, longpath, NAMING_PATH_MAX + 1, NULL),
         L4SRV_ERR_INVALID_PATH);
    /* A NUL inside the path. */
    H_EQ(u_raw_call(ns(), NAMING_RESOLVE, 1, w, "/services\0/log", 14, NULL),
         L4SRV_ERR_INVALID_PATH);

    /* Relative from a stale or forged directory; absolute from a non-root one. */
    L4_Word_t d;
    H_EQ(naming_mk_object(ns(), NAMING_ROOT, NAMING_DIRECTORY, "gone", &d), 0);
    H_EQ(naming_delete(ns(), d), 0);
    H_EQ(naming_resolve(ns(), "x", d, &r), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_resolve(ns(), "x", 0x7777707, &r), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_lookup("/services", &r), 0);
    H_EQ(naming_resolve(ns(), "/logs", r.handle, &r), L4SRV_ERR_INVALID_PATH);
    return 0;
}

static void resolve_refuses_bad_paths(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_bad_paths, NULL), 0);
}

static int body_malformed(void *arg)
{
    (void) arg;
    static char before[16384], after[16384];
    size_t n1, n2;
    H_EQ(u_read_path("/", before, sizeof(before), &n1), 0);
    L4_Word_t w[4] = {NAMING_ROOT, NAMING_FILE, 0, 0};
    /* Words without the string, the string without enough words, too many words. */
    H_EQ(u_raw_call(ns(), NAMING_RESOLVE, 1, w, NULL, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ns(), NAMING_RESOLVE, 0, w, "/logs", 5, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ns(), NAMING_RESOLVE, 3, w, "/logs", 5, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ns(), NAMING_MK_OBJECT, 2, w, NULL, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ns(), NAMING_MK_OBJECT, 1, w, "x", 1, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ns(), NAMING_DELETE, 0, w, NULL, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ns(), NAMING_DELETE, 1, w, "x", 1, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ns(), NAMING_REGISTER, 2, w, NULL, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ns(), 0x4eff, 0, w, NULL, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ns(), 0, 4, w, NULL, 0, NULL), L4SRV_ERR_INVALID_ARG);
    /* A string bigger than the server's buffer fails the IPC, not the server. */
    static char huge[2 * FILE_IO_MAX];
    memset(huge, 'h', sizeof(huge));
    H_EQ(u_raw_call(ns(), NAMING_RESOLVE, 1, w, huge, sizeof(huge), NULL), -1);

    /* The server is still there, and the namespace did not change. */
    H_EQ(u_read_path("/", after, sizeof(after), &n2), 0);
    H_EQ(n1, n2);
    H_CHECK(!memcmp(before, after, n1));
    return 0;
}

static void malformed_requests_get_a_clear_error_and_change_nothing(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_malformed, NULL), 0);
}

/* --------------------------------------------------------- the log */

static int body_log(void *arg)
{
    (void) arg;
    struct naming_result r;
    H_EQ(naming_lookup("/services/log", &r), 0);
    H_EQ(r.server.raw, l4srv_id(L4SRV_LOG).raw);
    H_EQ(r.type, NAMING_SERVICE);
    H_EQ(log_write(r.server, "first line"), 0);
    H_EQ(log_write(r.server, "second\nline"), 0); /* one line, with the newline defused */
    H_EQ(log_write(r.server, ""), L4SRV_ERR_INVALID_ARG);
    char longline[LOG_LINE_MAX + 2];
    memset(longline, 'l', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = 0;
    H_EQ(log_write(r.server, longline), L4SRV_ERR_INVALID_ARG);
    L4_Word_t w[1] = {0};
    H_EQ(u_raw_call(r.server, LOG_WRITE, 1, w, "x", 1, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(r.server, LOG_WRITE, 0, w, NULL, 0, NULL), L4SRV_ERR_INVALID_ARG);

    static char text[4096];
    size_t len;
    H_EQ(u_read_path("/logs/system", text, sizeof(text), &len), 0);
    H_CHECK(!strcmp(text, "first line\nsecond?line\n"));
    return 0;
}

static void log_lines_go_to_logs_system(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_log, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(root_namespace_has_the_standard_directories),
        cmocka_unit_test(resolve_counts_the_leading_slash_as_a_part),
        cmocka_unit_test(resolve_crosses_into_the_next_server),
        cmocka_unit_test(mk_object_then_delete_makes_and_removes_the_name),
        cmocka_unit_test(handles_stay_valid_after_a_refused_delete),
        cmocka_unit_test(mk_object_refuses_bad_names_types_and_places),
        cmocka_unit_test(register_binds_once_and_only_what_can_be_bound),
        cmocka_unit_test(resolve_refuses_bad_paths),
        cmocka_unit_test(malformed_requests_get_a_clear_error_and_change_nothing),
        cmocka_unit_test(log_lines_go_to_logs_system),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

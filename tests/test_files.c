/*
 * The file protocol on every kind of object: boot modules read from a host
 * directory, memory files, generated /stats files, /dev/random and a
 * device a test thread serves itself; with the errors each must give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <l4srv/errors.h>
#include <l4srv/ids.h>

#include "naming_util.h"

#define BIG_SIZE (FILE_IO_MAX + 100) /* a module that takes two reads */

static char module_dir[64];

/* Open path with flags; the file handle, and the server through *server. */
static int open_path(const char *path, L4_Word_t flags, L4_ThreadId_t *server, L4_Word_t *fh)
{
    struct naming_result r;
    int err = naming_lookup(path, &r);
    if (!err)
        err = file_open(r.server, r.handle, flags, fh);
    *server = r.server;
    return err;
}

/* ------------------------------------------------------------- modules */

static void write_host_file(const char *name, const char *text, size_t len)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", module_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

/* A host directory: two modules, a symlink out of it and a subdirectory. */
static void make_module_dir(void)
{
    strcpy(module_dir, "/tmp/l4sim-modules-XXXXXX");
    assert_non_null(mkdtemp(module_dir));
    write_host_file("alpha", "alpha module\n", 13);
    static char big[BIG_SIZE];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char) ('a' + i % 26);
    write_host_file("big", big, sizeof(big));
    char path[128];
    snprintf(path, sizeof(path), "%s/escape", module_dir);
    assert_int_equal(symlink("/etc/hostname", path), 0);
    snprintf(path, sizeof(path), "%s/sub", module_dir);
    assert_int_equal(mkdir(path, 0700), 0);
}

static void remove_module_dir(void)
{
    static const char *const names[] = {"alpha", "big", "escape", "sub"};
    char path[128];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", module_dir, names[i]);
        if (unlink(path) != 0)
            rmdir(path);
    }
    rmdir(module_dir);
}

static int body_modules(void *arg)
{
    (void) arg;
    struct naming_result r;
    L4_ThreadId_t srv;
    L4_Word_t fh, size, pos;
    size_t got, put;
    static char text[2 * BIG_SIZE];

    H_EQ(naming_lookup("/modules/alpha", &r), 0);
    H_EQ(r.type, NAMING_MODULE);
    H_EQ(u_read_path("/modules/alpha", text, sizeof(text), &got), 0);
    H_CHECK(!strcmp(text, "alpha module\n"));
    H_EQ(u_read_path("/modules/big", text, sizeof(text), &got), 0);
    H_EQ(got, BIG_SIZE);
    H_EQ(text[BIG_SIZE - 1], 'a' + (BIG_SIZE - 1) % 26);
    /* Only regular files of the directory itself. */
    H_CHECK(u_listed("/modules", "alpha") && u_listed("/modules", "big"));
    H_EQ(naming_lookup("/modules/escape", &r), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_lookup("/modules/sub", &r), L4SRV_ERR_NON_EXISTENT);
    H_EQ(naming_lookup("/modules/../etc", &r), L4SRV_ERR_INVALID_PATH);

    /* Read-only: no opening for writing, no writing through a read handle. */
    H_EQ(open_path("/modules/alpha", FILE_OPEN_WRITE, &srv, &fh), L4SRV_ERR_FILE_ACCESS);
    H_EQ(open_path("/modules/alpha", FILE_OPEN_READ | FILE_OPEN_WRITE, &srv, &fh),
         L4SRV_ERR_FILE_ACCESS);
    H_EQ(open_path("/modules/alpha", FILE_OPEN_READ, &srv, &fh), 0);
    H_EQ(file_write(srv, fh, "x", 1, &put), L4SRV_ERR_FILE_ACCESS);
    H_EQ(file_size(srv, fh, &size), 0);
    H_EQ(size, 13);

    /* Reading past the end, seeking back, reading the tail. */
    H_EQ(file_read(srv, fh, text, 100, &got), 0);
    H_EQ(got, 13);
    H_EQ(file_read(srv, fh, text, 100, &got), L4SRV_ERR_END_OF_FILE);
    H_EQ(file_seek(srv, fh, -7, FILE_SEEK_END, &pos), 0);
    H_EQ(pos, 6);
    H_EQ(file_read(srv, fh, text, 100, &got), 0);
    H_EQ(got, 7);
    H_CHECK(!memcmp(text, "module\n", 7));
    H_EQ(file_seek(srv, fh, 1, FILE_SEEK_END, &pos), L4SRV_ERR_INVALID_ARG);
    H_EQ(file_seek(srv, fh, -1, FILE_SEEK_SET, &pos), L4SRV_ERR_INVALID_ARG);
    H_EQ(file_seek(srv, fh, 0, 3, &pos), L4SRV_ERR_INVALID_ARG);
    H_EQ(file_close(srv, fh), 0);
    H_EQ(file_close(srv, fh), L4SRV_ERR_NON_EXISTENT);
    return 0;
}

static void modules_are_read_only_files_of_the_host_directory(void **state)
{
    (void) state;
    make_module_dir();
    struct l4srv_options opt = {.modules_dir = module_dir};
    int result = h_run_system(&opt, body_modules, NULL);
    remove_module_dir();
    assert_int_equal(result, 0);
}

static int body_no_modules(void *arg)
{
    (void) arg;
    struct naming_result r;
    H_EQ(naming_lookup("/modules", &r), 0);
    H_EQ(r.type, NAMING_DIRECTORY);
    static char text[64];
    size_t len;
    H_EQ(u_read_path("/modules", text, sizeof(text), &len), 0);
    H_EQ(len, 0);
    return 0;
}

static void modules_is_empty_without_a_host_directory(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_no_modules, NULL), 0);
}

/* ------------------------------------------------------- memory files */

static L4_ThreadId_t shared_server;
static L4_Word_t shared_fh;

static int read_shared(void *arg)
{
    (void) arg;
    char c;
    size_t got;
    return file_read(shared_server, shared_fh, &c, 1, &got);
}

static int body_memfile(void *arg)
{
    (void) arg;
    L4_ThreadId_t srv;
    L4_Word_t obj, fh, ro, pos, size;
    size_t got, put;
    char text[16];
    struct naming_result logs;
    H_EQ(naming_lookup("/logs", &logs), 0);
    H_EQ(naming_mk_object(logs.server, logs.handle, NAMING_FILE, "t", &obj), 0);
    H_EQ(open_path("/logs/t", FILE_OPEN_READ | FILE_OPEN_WRITE, &srv, &fh), 0);
    H_EQ(open_path("/logs/t", FILE_OPEN_READ, &srv, &ro), 0);

    H_EQ(file_write(srv, fh, "abc", 3, &put), 0);
    H_EQ(put, 3);
    H_EQ(file_write(srv, fh, "", 0, &put), L4SRV_ERR_INVALID_ARG);
    H_EQ(file_write(srv, ro, "z", 1, &put), L4SRV_ERR_FILE_ACCESS);
    H_EQ(file_seek(srv, fh, 0, FILE_SEEK_SET, &pos), 0);
    H_EQ(file_write(srv, fh, "X", 1, &put), 0); /* overwrites in place */
    H_EQ(file_size(srv, fh, &size), 0);
    H_EQ(size, 3);
    H_EQ(file_seek(srv, fh, 4, FILE_SEEK_SET, &pos), L4SRV_ERR_INVALID_ARG); /* no holes */

    /* Another reader sees the data; read sizes out of range are refused. */
    H_EQ(file_read(srv, ro, text, 0, &got), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(srv, FILE_READ, 2, (L4_Word_t[]){ro, FILE_IO_MAX + 1}, NULL, 0, NULL),
         L4SRV_ERR_INVALID_ARG);
    H_EQ(file_read(srv, ro, text, sizeof(text), &got), 0);
    H_EQ(got, 3);
    H_CHECK(!memcmp(text, "Xbc", 3));
    H_EQ(file_read(srv, ro, text, sizeof(text), &got), L4SRV_ERR_END_OF_FILE);

    /* A file handle is its opener's: other threads and forged handles miss. */
    shared_server = srv;
    shared_fh = ro;
    H_EQ(u_as_other_thread(read_shared, NULL), L4SRV_ERR_NON_EXISTENT);
    H_EQ(file_size(srv, ro ^ 0x100, &size), L4SRV_ERR_NON_EXISTENT);
    H_EQ(file_size(srv, 0xffff, &size), L4SRV_ERR_NON_EXISTENT);

    /* Once the object is deleted, its open files answer non_existent. */
    H_EQ(naming_delete(logs.server, obj), 0);
    H_EQ(file_size(srv, fh, &size), L4SRV_ERR_NON_EXISTENT);
    H_EQ(file_seek(srv, fh, 0, FILE_SEEK_SET, &pos), L4SRV_ERR_NON_EXISTENT);
    H_EQ(file_write(srv, fh, "y", 1, &put), L4SRV_ERR_NON_EXISTENT);
    H_EQ(file_close(srv, fh), 0);
    H_EQ(file_close(srv, ro), 0);

    /* Open flags and objects that are not files here. */
    H_EQ(file_open(srv, logs.handle, 0, &fh), L4SRV_ERR_INVALID_ARG);
    H_EQ(file_open(srv, logs.handle, 4, &fh), L4SRV_ERR_INVALID_ARG);
    H_EQ(file_open(srv, logs.handle, FILE_OPEN_WRITE, &fh), L4SRV_ERR_FILE_ACCESS);
    H_EQ(file_open(srv, obj, FILE_OPEN_READ, &fh), L4SRV_ERR_NON_EXISTENT);
    return 0;
}

static void memory_files_read_back_what_was_written(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_memfile, NULL), 0);
}

/* --------------------------------------------------------------- /stats */

/* The value of "key N" in text, or ~0 if it is missing. */
static uint64_t stat_value(const char *text, const char *key)
{
    size_t n = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (!strncmp(line, key, n) && line[n] == ' ')
            return strtoull(line + n + 1, NULL, 10);
    }
    return ~0ULL;
}

#define PINGS 10

static int body_stats(void *arg)
{
    (void) arg;
    static char first[4096], second[4096];
    size_t len;
    L4_ThreadId_t echo = h_spawn(H_FIRST_APP, h_echo_server, NULL);
    H_CHECK(h_ping(echo, 1));

    /* Generated at open: open, read, close, PINGS calls, then the next open. */
    H_EQ(u_read_path("/stats/system", first, sizeof(first), &len), 0);
    for (int i = 0; i < PINGS; i++)
        H_CHECK(h_ping(echo, (L4_Word_t) i));
    H_EQ(u_read_path("/stats/system", second, sizeof(second), &len), 0);

    static const char *const keys[] = {"uptime_us",  "ipc_total",       "page_faults",
                                       "exceptions", "threads_created", "mappings"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        H_CHECK(stat_value(second, keys[i]) != ~0ULL);
    /*
     * A call is two transfers. Between the two snapshots: the reply to the
     * first open, that file's read (it fits one), end-of-file read and
     * close, the pings, then the second path's resolve and open request,
     * and the name service's mm_stats call that generates the file.
     */
    H_EQ(stat_value(second, "ipc_total") - stat_value(first, "ipc_total"),
         1 + 2 * 3 + 2 * PINGS + 2 + 1 + 2);
    H_CHECK(stat_value(second, "uptime_us") > stat_value(first, "uptime_us"));
    H_CHECK(stat_value(second, "threads_created") >= 6); /* sigma0, root, 3 servers, echo */
    /* The frames come from the MM server, and add up. */
    H_CHECK(stat_value(second, "frames_total") > 0);
    H_EQ(stat_value(second, "frames_free") + stat_value(second, "frames_used"),
         stat_value(second, "frames_total"));

    /* Generated files are read-only, and /stats takes no plain files. */
    L4_ThreadId_t srv;
    L4_Word_t fh, h;
    H_EQ(open_path("/stats/system", FILE_OPEN_WRITE, &srv, &fh), L4SRV_ERR_FILE_ACCESS);
    struct naming_result stats;
    H_EQ(naming_lookup("/stats", &stats), 0);
    H_EQ(naming_mk_object(stats.server, stats.handle, NAMING_FILE, "f", &h), L4SRV_ERR_FILE_ACCESS);
    return 0;
}

static void stats_system_counts_what_the_test_did(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_stats, NULL), 0);
}

/* ------------------------------------------------------------- devices */

#define DEV_OBJECT 0x77UL
#define DEV_FILE   0x78UL

/* A device served by a test thread: every read gives "tick N\n", N counting reads. */
static void tick_device(void *kip)
{
    (void) kip;
    unsigned reads = 0;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t mr[2] = {0, 0};
        L4_StoreMRs(1, 2, mr);
        L4_Msg_t msg;
        L4_MsgClear(&msg);
        static char text[32];
        if (L4_Label(tag) == FILE_OPEN && mr[0] == DEV_OBJECT) {
            L4_MsgAppendWord(&msg, DEV_FILE);
        } else if (L4_Label(tag) == FILE_READ && mr[0] == DEV_FILE) {
            int n = snprintf(text, sizeof(text), "tick %u\n", reads++);
            L4_MsgAppendWord(&msg, (L4_Word_t) n);
            L4_MsgAppendSimpleStringItem(&msg, L4_StringItem(n, text));
        } else if (L4_Label(tag) != FILE_CLOSE) {
            L4_Set_MsgLabel(&msg, L4SRV_ERR_INVALID_ARG);
        }
        L4_MsgLoad(&msg);
        tag = L4_ReplyWait(from, &from);
    }
}

static int body_device(void *arg)
{
    (void) arg;
    L4_ThreadId_t dev = h_spawn(H_FIRST_APP, tick_device, NULL);
    struct naming_result stats, r;
    L4_Word_t node;
    H_EQ(naming_lookup("/stats", &stats), 0);
    H_EQ(naming_mk_object(stats.server, stats.handle, NAMING_DEVICE, "ticks", &node), 0);
    H_EQ(naming_register(stats.server, node, dev, DEV_OBJECT), 0);

    H_EQ(naming_lookup("/stats/ticks", &r), 0);
    H_EQ(r.server.raw, dev.raw);
    H_EQ(r.handle, DEV_OBJECT);
    H_EQ(r.type, NAMING_DEVICE);
    L4_Word_t fh;
    static char text[64];
    size_t len;
    H_EQ(file_open(r.server, r.handle, FILE_OPEN_READ, &fh), 0);
    H_EQ(file_read(r.server, fh, text, sizeof(text), &len), 0);
    H_EQ(len, 7);
    H_CHECK(!memcmp(text, "tick 0\n", 7));
    H_EQ(file_read(r.server, fh, text, sizeof(text), &len), 0);
    H_CHECK(len == 7 && !memcmp(text, "tick 1\n", 7));
    H_EQ(file_close(r.server, fh), 0);
    /* At the name server the node is only a name: it is opened at its device. */
    H_EQ(file_open(stats.server, node, FILE_OPEN_READ, &fh), L4SRV_ERR_INVALID_ARG);
    return 0;
}

static void a_device_node_hands_the_file_interface_to_its_server(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_device, NULL), 0);
}

static unsigned char random_bytes[2][32];

static int body_random(void *arg)
{
    unsigned char *out = arg;
    L4_ThreadId_t srv;
    L4_Word_t fh, other, pos, size;
    size_t got, put;
    struct naming_result r;
    H_EQ(naming_lookup("/dev/random", &r), 0);
    H_EQ(r.server.raw, l4srv_id(L4SRV_NAMING_AUX).raw);
    H_EQ(r.type, NAMING_DEVICE);
    H_EQ(open_path("/dev/random", FILE_OPEN_READ, &srv, &fh), 0);
    H_EQ(file_read(srv, fh, out, 16, &got), 0);
    H_EQ(got, 16);
    H_EQ(file_read(srv, fh, out + 16, 16, &got), 0);
    H_CHECK(memcmp(out, out + 16, 16) != 0);
    /* Another open gets another stream. */
    unsigned char again[16];
    H_EQ(open_path("/dev/random", FILE_OPEN_READ, &srv, &other), 0);
    H_EQ(file_read(srv, other, again, 16, &got), 0);
    H_CHECK(memcmp(out, again, 16) != 0);

    H_EQ(open_path("/dev/random", FILE_OPEN_WRITE, &srv, &other), L4SRV_ERR_FILE_ACCESS);
    H_EQ(file_write(srv, fh, "x", 1, &put), L4SRV_ERR_FILE_ACCESS);
    H_EQ(file_seek(srv, fh, 0, FILE_SEEK_SET, &pos), L4SRV_ERR_INVALID_ARG);
    H_EQ(file_size(srv, fh, &size), 0);
    H_EQ(size, 0);
    H_EQ(file_read(srv, fh, again, 0, &got), L4SRV_ERR_INVALID_ARG);
    H_EQ(file_open(srv, 99, FILE_OPEN_READ, &other), L4SRV_ERR_NON_EXISTENT);
    H_EQ(file_close(srv, fh), 0);
    H_EQ(file_read(srv, fh, again, 1, &got), L4SRV_ERR_NON_EXISTENT);
    return 0;
}

static void random_device_repeats_its_bytes_for_the_same_seed(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.seed = 4242;
    for (int run = 0; run < 2; run++)
        assert_int_equal(h_run_system_config(&cfg, NULL, body_random, random_bytes[run]), 0);
    assert_memory_equal(random_bytes[0], random_bytes[1], sizeof(random_bytes[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(modules_are_read_only_files_of_the_host_directory),
        cmocka_unit_test(modules_is_empty_without_a_host_directory),
        cmocka_unit_test(memory_files_read_back_what_was_written),
        cmocka_unit_test(stats_system_counts_what_the_test_did),
        cmocka_unit_test(a_device_node_hands_the_file_interface_to_its_server),
        cmocka_unit_test(random_device_repeats_its_bytes_for_the_same_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

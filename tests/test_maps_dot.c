/*
 * l4sim_maps_dot: the mapping database drawn for Graphviz, page by page
 * for a small tree and summed per pair of spaces for a large one, and its
 * refusals.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define RW L4_ReadWriteOnly

/* The picture as text, from a memfd. */
static char *draw(int *rc)
{
    int fd = memfd_create("maps-dot", MFD_CLOEXEC);
    if (fd < 0)
        return NULL;
    *rc = l4sim_maps_dot(fd, NULL, NULL);
    off_t len = lseek(fd, 0, SEEK_CUR);
    char *text = calloc(1, (size_t) len + 1);
    if (text && pread(fd, text, (size_t) len, 0) != len) {
        free(text);
        text = NULL;
    }
    close(fd);
    return text;
}

static unsigned count(const char *text, const char *what)
{
    unsigned n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

static int body_chain(void *arg)
{
    (void) arg;
    L4_ThreadId_t a = h_spawn_space(0, h_agent, NULL), b = h_spawn_space(1, h_agent, NULL);
    L4_Word_t wa = h_window(a, NULL), wb = h_window(b, NULL);
    h_agent_write(a, wa + 0x3000, 7);                                 /* sigma0 -> root -> A */
    struct h_xfer x = h_map_page(a, b, wa + 0x3000, RW, wb + 0x5000); /* A -> B */
    H_EQ(x.send_error | x.recv_error, 0);

    int rc = -1;
    char *text = draw(&rc);
    H_CHECK(text != NULL);
    if (!text)
        return 1;
    H_EQ(rc, 0);
    H_CHECK(strncmp(text, "// l4sim mapping database", 25) == 0);
    H_CHECK(strstr(text, "digraph l4sim_maps {") != NULL);
    /* One frame, three pages below it: the root's, A's and B's. */
    H_EQ(count(text, "shape=ellipse, label=\"frame 0x"), 1);
    H_EQ(count(text, " -> p"), 3);
    H_CHECK(strstr(text, "p0 -> p1;") && strstr(text, "p1 -> p2;"));
    H_CHECK(strstr(text, "+0x3000\\nrw") != NULL); /* A's page: window offset and rights */
    H_CHECK(strstr(text, "+0x5000\\nrw") != NULL); /* B's */
    H_CHECK(strstr(text, "label=\"space w") != NULL);
    H_EQ(count(text, "{"), count(text, "}"));
    free(text);
    return 0;
}

static void small_tree_is_drawn_page_by_page(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_chain, NULL), 0);
}

static int body_many(void *arg)
{
    (void) arg;
    L4_ThreadId_t a = h_spawn_space(0, h_agent, NULL);
    L4_Word_t wa = h_window(a, NULL);
    for (L4_Word_t i = 0; i < 60; i++)
        h_agent_write(a, wa + 0x10000 + i * 4096, i);
    h_agent_write(a, wa + 0x80000, 1); /* a second run */

    int rc = -1;
    char *text = draw(&rc);
    H_CHECK(text != NULL);
    if (!text)
        return 1;
    H_EQ(rc, 0);
    H_EQ(count(text, " -> p"), 0); /* no page nodes */
    H_CHECK(strstr(text, "sigma0 [shape=ellipse") != NULL);
    /* sigma0 handed the root 61 pages, and the root handed them to A, in
     * two runs of A's window. */
    H_CHECK(strstr(text, "sigma0 -> s") != NULL);
    H_CHECK(strstr(text, "61 pages, rwx\\nw") != NULL);
    H_CHECK(strstr(text, "+0x10000 x60\\nw") != NULL);
    H_CHECK(strstr(text, "+0x80000 x1\"") != NULL);
    free(text);
    return 0;
}

static void large_tree_is_summed_per_pair_of_spaces(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_many, NULL), 0);
}

static int body_refusals(void *arg)
{
    (void) arg;
    H_EQ(l4sim_maps_dot(-1, NULL, NULL), -1);
    int p[2];
    H_EQ(pipe(p), 0);
    close(p[0]); /* nobody reads: the write fails with EPIPE */
    H_EQ(l4sim_maps_dot(p[1], NULL, NULL), -1);
    close(p[1]);
    return 0;
}

static void bad_descriptor_and_no_system_are_refused(void **state)
{
    (void) state;
    assert_int_equal(l4sim_maps_dot(STDOUT_FILENO, NULL, NULL), -1); /* no system runs */
    assert_int_equal(h_run(body_refusals, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    /* A write to a pipe nobody reads must fail, not kill the test. */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_tree_is_drawn_page_by_page),
        cmocka_unit_test(large_tree_is_summed_per_pair_of_spaces),
        cmocka_unit_test(bad_descriptor_and_no_system_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

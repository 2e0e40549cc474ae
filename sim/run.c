/*
 * `l4sim run PROGRAM [ARGS...]`: boot the standard system, start PROGRAM
 * (an ELF image built with the l4sim runtime) as a task, show what it
 * prints, and end when it ends. Its directory becomes /modules, so the
 * program is /modules/NAME inside the system.
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <l4srv/system.h>
#include <l4srv/task.h>

#include "commands.h"
#include "demo.h"
#include "trace_out.h"
#include "trace_view.h"

struct run {
    char path[TASK_PATH_MAX + 1]; /* /modules/NAME */
    char cmdline[TASK_CMDLINE_MAX + 1];
    L4_Word_t flags;
    int err;
    L4_Word_t state, status;
};

static int run_root(void *arg)
{
    struct run *r = arg;
    L4_ThreadId_t task;
    r->err = task_new(r->path, r->cmdline, r->flags, &task, NULL);
    if (!r->err)
        r->err = task_wait(task, &r->state, &r->status);
    return 0;
}

/*
 * The program's output reaches the log service, which notes each line in
 * the trace: unless the terminal showed that line, print just the text. This
 * runs in the trace sink, so write(2), not stdio.
 */
static void show_program_output(const struct trace_line *l, bool shown, void *ctx)
{
    (void) ctx;
    if (shown || l->kind != TK_LOG)
        return;
    trace_view_quiet();
    struct trace_text text = {l->rest.s + 5, l->rest.len - 5}; /* after "log: " */
    char line[512];
    struct outbuf o = {line, sizeof(line), 0, false};
    out_text(&o, text);
    out_str(&o, "\n");
    out_flush(&o, STDOUT_FILENO);
}

static int usage(void)
{
    fprintf(stderr, "usage: l4sim run [OPTIONS] [--eager] PROGRAM [ARGS...]\n%s",
            demo_options_help);
    return 2;
}

int cmd_run(int argc, char **argv)
{
    static struct run r;
    struct demo_options opt = {.color = demo_color_auto()};
    int i = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--eager")) {
            r.flags |= TASK_LOAD_EAGER;
            continue;
        }
        int used = demo_parse_option(&opt, "run", argc, argv, &i);
        if (used < 0)
            return 2;
        if (used == 0)
            return usage();
    }
    if (i == argc)
        return usage();
    static char dir[4096], base[4096];
    struct stat st;
    if (stat(argv[i], &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "l4sim run: %s is not a file\n", argv[i]);
        return 2;
    }
    snprintf(dir, sizeof(dir), "%s", argv[i]);
    snprintf(base, sizeof(base), "%s", argv[i]);
    const char *name = basename(base);
    snprintf(r.path, sizeof(r.path), "/modules/%s", name);
    size_t used = (size_t) snprintf(r.cmdline, sizeof(r.cmdline), "%s", name);
    for (int k = i + 1; k < argc && used < sizeof(r.cmdline); k++)
        used += (size_t) snprintf(r.cmdline + used, sizeof(r.cmdline) - used, " %s", argv[k]);
    if (used >= sizeof(r.cmdline)) {
        fprintf(stderr, "l4sim run: the command line is over %d bytes\n", TASK_CMDLINE_MAX);
        return 2;
    }
    struct l4sim_config cfg;
    char title[TASK_PATH_MAX + 64];
    snprintf(title, sizeof(title), "l4sim run: %s as a task of the standard system", r.path);
    trace_view_set_hook(show_program_output, NULL);
    demo_begin(&opt, &cfg, title);
    struct l4srv_options sys = {.modules_dir = dirname(dir)};
    int rc = demo_run_system(&cfg, &sys, run_root, &r);
    trace_view_quiet();
    struct demo_result res;
    int status;
    if (rc) {
        printf("l4sim run: the run did not complete (%d)\n", rc);
        status = 1;
    } else if (r.err) {
        printf("l4sim run: %s: %s\n", r.path, l4srv_strerror(r.err));
        status = 1;
    } else if (r.state == TASK_EXITED) {
        printf("l4sim run: %s exited with status %ld\n", name, (long) r.status);
        status = (int) (r.status & 0xff);
    } else if (r.state == TASK_CRASHED) {
        printf("l4sim run: %s crashed at address 0x%lx\n", name, r.status);
        status = 128 + 11;
    } else {
        printf("l4sim run: %s was killed\n", name);
        status = 128 + 9;
    }
    demo_end_run(&cfg, &res);
    if (cfg.deterministic)
        printf("    seed %llu (replay: --seed %llu)\n", (unsigned long long) cfg.seed,
               (unsigned long long) cfg.seed);
    return status;
}

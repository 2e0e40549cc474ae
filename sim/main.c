/*
 * l4sim: the command-line front end. Subcommands run a demo, list the
 * fault points, or run a fault-injection campaign over a demo; it never
 * reaches into kernel internals, only the public headers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4sim/faults.h>

#include "campaign.h"
#include "commands.h"
#include "demo.h"
#include "trace_view.h"

#define DEFAULT_DEMO "ipc"

static unsigned step;

void narrate_reset(void)
{
    step = 0;
}

void narrate(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    trace_view_quiet();
    printf("\n[%u] ", ++step);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: l4sim [--help] COMMAND [ARGS]\n"
            "\n"
            "Simulate an L4 X.2 microkernel system in user space.\n"
            "\n"
            "commands:\n"
            "  demo [NAME] [OPTIONS]      run a narrated teaching demo (default: %s)\n"
            "  demo --list                list the demos\n"
            "  campaign SCENARIO --seeds A-B --faults SPEC [-j N] [--out FILE] [--timeout S]\n"
            "                             run a demo once per seed with faults injected\n"
            "  run [OPTIONS] [--eager] PROGRAM [ARGS...]\n"
            "                             boot the system and run an l4sim ELF image as a task\n"
            "                             (its trace is hidden unless --trace)\n"
            "  shell [--modules DIR] [--seed N] [--trace]\n"
            "                             an interactive root shell: ps, start, kill, ls,\n"
            "                             cat, step, ... from stdin (shell --help); exit 1\n"
            "                             if a command failed and stdin is no terminal\n"
            "  faults                     list the fault points (docs/faults.md: spec grammar)\n"
            "  mount DIR [--modules DIR] [--no-ticker]\n"
            "                             the namespace on DIR, read-only (FUSE), until\n"
            "                             fusermount3 -u DIR\n"
            "  help [TOPIC]               this text, or a page on a topic: demos, trace,\n"
            "                             faults, run, shell, gdb\n"
            "\n"
            "OPTIONS of demo and run:\n%s",
            DEFAULT_DEMO, demo_options_help);
}

static void list_demos(void)
{
    printf("demos:\n");
    for (unsigned i = 0; i < demo_count; i++)
        printf("  %-10s %s\n", demo_table[i]->name, demo_table[i]->summary);
}

static int check_faults(const char *cmd, const char *spec)
{
    char err[1024];
    if (l4sim_faults_check(spec, err, sizeof(err)) == 0)
        return 0;
    fprintf(stderr, "l4sim %s: %s\n", cmd, err);
    return -1;
}

static int cmd_demo(int argc, char **argv)
{
    const char *name = NULL;
    struct demo_options opt = {.trace = true, .color = demo_color_auto()};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--list")) {
            list_demos();
            return 0;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: l4sim demo [NAME] [OPTIONS]\n       l4sim demo --list\n\nOPTIONS:\n%s",
                   demo_options_help);
            return 0;
        }
        int used = demo_parse_option(&opt, "demo", argc, argv, &i);
        if (used < 0)
            return 2;
        if (used > 0) {
            continue;
        } else if (a[0] == '-') {
            fprintf(stderr, "l4sim demo: unknown option '%s'\n", a);
            return 2;
        } else if (!name) {
            name = a;
        } else {
            fprintf(stderr, "l4sim demo: one demo at a time ('%s' and '%s')\n", name, a);
            return 2;
        }
    }
    if (!name)
        name = DEFAULT_DEMO;
    const struct demo *d = demo_find(name);
    if (!d) {
        fprintf(stderr, "l4sim demo: no demo called '%s'\n", name);
        list_demos();
        return 2;
    }
    if (check_faults("demo", opt.faults ? opt.faults : getenv("L4SIM_FAULTS")) != 0)
        return 2;
    narrate_reset();
    struct demo_result res;
    return d->run(&opt, &res);
}

static int cmd_faults(void)
{
    printf("fault points (docs/faults.md has the spec grammar):\n");
    for (unsigned i = 0; i < l4sim_fault_point_count(); i++) {
        struct l4sim_fault_point p;
        l4sim_fault_point_get(i, &p);
        printf("  %-24s %s\n", p.name, p.effect);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") && argc > 2)
        return cmd_help(argv[2]);
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "demo"))
        return cmd_demo(argc - 2, argv + 2);
    if (!strcmp(cmd, "faults"))
        return cmd_faults();
    if (!strcmp(cmd, "campaign"))
        return cmd_campaign(argc - 2, argv + 2);
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "shell"))
        return cmd_shell(argc - 2, argv + 2);
    if (!strcmp(cmd, "mount")) {
#ifdef L4SIM_HAVE_FUSE
        return cmd_mount(argc - 2, argv + 2);
#else
        fprintf(stderr, "l4sim mount: this l4sim was built without libfuse3\n");
        return 2;
#endif
    }
    fprintf(stderr, "l4sim: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}

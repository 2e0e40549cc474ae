/*
 * l4sim: the command-line front end. Subcommands select a demo (and, as the
 * project grows, run, shell and campaign); it never reaches into kernel
 * internals, only the public headers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"

static const struct demo *const demos[] = {&demo_ipc};
#define DEMO_COUNT   (sizeof(demos) / sizeof(demos[0]))
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
            "  demo [NAME] [--no-trace]   run a narrated teaching demo (default: %s)\n"
            "  demo --list                list the demos\n"
            "  help                       show this text\n",
            DEFAULT_DEMO);
}

static void list_demos(void)
{
    printf("demos:\n");
    for (unsigned i = 0; i < DEMO_COUNT; i++)
        printf("  %-10s %s\n", demos[i]->name, demos[i]->summary);
}

static int cmd_demo(int argc, char **argv)
{
    const char *name = NULL;
    struct demo_options opt = {.trace = true, .color = isatty(STDOUT_FILENO)};
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--list")) {
            list_demos();
            return 0;
        } else if (!strcmp(argv[i], "--no-trace")) {
            opt.trace = false;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "l4sim demo: unknown option '%s'\n", argv[i]);
            return 2;
        } else if (!name) {
            name = argv[i];
        } else {
            fprintf(stderr, "l4sim demo: one demo at a time ('%s' and '%s')\n", name, argv[i]);
            return 2;
        }
    }
    if (!name)
        name = DEFAULT_DEMO;
    for (unsigned i = 0; i < DEMO_COUNT; i++) {
        if (!strcmp(demos[i]->name, name)) {
            narrate_reset();
            return demos[i]->run(&opt);
        }
    }
    fprintf(stderr, "l4sim demo: no demo called '%s'\n", name);
    list_demos();
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "demo"))
        return cmd_demo(argc - 2, argv + 2);
    fprintf(stderr, "l4sim: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}

/*
 * `l4sim help TOPIC`: a page on one part of the command, so that a
 * student at a terminal needs neither the man page nor the docs folder.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "demo.h"

static void demos(void)
{
    printf("l4sim demo [NAME] [OPTIONS]\n\n"
           "Boots a small L4 X.2 system, runs a scripted scenario and narrates each\n"
           "step next to the kernel's trace. Deterministic: the seed it prints replays\n"
           "it byte for byte (--seed N). It ends with a summary and ok, recovered or\n"
           "FAILED (exit status 0, 0, 1). docs/tutorial.md walks through them.\n\n");
    for (unsigned i = 0; i < demo_count; i++)
        printf("  %-10s %s\n", demo_table[i]->name, demo_table[i]->summary);
    printf("\nOPTIONS (also for run):\n%s", demo_options_help);
}

static void trace(void)
{
    printf("The kernel trace: one line per event, e.g.\n\n"
           "  t=6 send 34.1 -> 40.1 label=0x1 u=2 t=0\n"
           "  t=6 recv 40.1 <- 34.1 label=0x1 u=2 t=0\n"
           "  t=8 pagefault 40.1 -> 34.1 addr=w1+0x10008 read\n\n"
           "t= is virtual time in µs; 34.1 is thread number.version; u and t count\n"
           "untyped and typed words; addresses are w<window>+offset (w0: physical).\n"
           "sigma0 is 32, the root task 34; with the standard servers mm is 35,\n"
           "swap 38, task 39, naming 40, log 46.\n\n"
           "L4SIM_TRACE=1 writes it to stderr from any program. The demos, run and\n"
           "shell draw it:\n\n%s",
           demo_options_help);
}

static void faults(void)
{
    printf("Fault injection: --faults 'RULE;RULE...' on demo, run, shell and campaign, or\n"
           "L4SIM_FAULTS. RULE is POINT[:PARAM,...], e.g. 'ipc/send/drop:p=0.05,dst=mm'.\n"
           "PARAMs: p= once boot nth= after= max= src= dst= space= label= arg=.\n"
           "Rules wait until the standard system has booted unless marked boot.\n\n"
           "  l4sim campaign SCENARIO --seeds A-B --faults SPEC [-j N] [--out FILE]\n\n"
           "runs a demo once per seed, sorts the runs into ok, recovered, failed,\n"
           "deadlock and crash, lists which points were reached, and prints the\n"
           "command that replays each bad run. `l4sim faults` lists the points;\n"
           "docs/faults.md has the whole grammar.\n");
}

static void gdb(void)
{
    printf("Page faults are SIGSEGVs that l4sim turns into page-fault IPC, and it halts\n"
           "running threads with SIGRTMIN+3 (gdb: SIG37). Let both through:\n\n"
           "  (gdb) handle SIGSEGV nostop noprint pass\n"
           "  (gdb) handle SIG37 nostop noprint pass\n\n"
           "A SIGSEGV outside every address-space window is a real crash: gdb stops\n"
           "there. In deterministic mode one thread runs at a time, so a breakpoint\n"
           "stops the whole simulated machine; rerun with the printed --seed to get the\n"
           "same interleaving. Under Valgrind pass --px-default=allregs-at-mem-access.\n");
}

static void run(void)
{
    printf("l4sim run [OPTIONS] [--eager] PROGRAM [ARGS...]\n\n"
           "Boots the standard servers, makes PROGRAM's directory /modules, starts\n"
           "/modules/PROGRAM as a task with ARGS and shows what it prints. The exit\n"
           "status is the program's (139 if it crashed, 137 if it was killed).\n"
           "PROGRAM is an ELF image built with the l4sim runtime (<l4rt/l4rt.h>);\n"
           "--eager loads every page before it starts.\n\nOPTIONS:\n%s",
           demo_options_help);
}

struct topic {
    const char *name;
    const char *what;
    void (*show)(void);
};

static const struct topic topics[] = {
    {"demos", "the teaching demos and their options", demos},
    {"trace", "reading the kernel trace, and its pictures", trace},
    {"faults", "fault injection and campaigns", faults},
    {"run", "running an ELF image as a task", run},
    {"gdb", "debugging l4sim programs with gdb", gdb},
};

int cmd_help(const char *topic)
{
    for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
        if (!strcmp(topic, topics[i].name) ||
            (!strcmp(topic, "demo") && !strcmp(topics[i].name, "demos"))) {
            topics[i].show();
            return 0;
        }
    if (!strcmp(topic, "shell")) {
        char help[] = "--help";
        char *argv[] = {help, NULL};
        return cmd_shell(1, argv);
    }
    fprintf(stderr, "l4sim help: no topic '%s'; the topics:\n", topic);
    for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
        fprintf(stderr, "  %-8s %s\n", topics[i].name, topics[i].what);
    fprintf(stderr, "  %-8s %s\n", "shell", "the interactive root shell");
    return 2;
}

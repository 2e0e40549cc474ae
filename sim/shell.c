/*
 * `l4sim shell`: boot the standard system and run a command loop on the
 * root task's application thread, reading commands from stdin. The
 * command table, the loop, and the commands about time (step, run) and the
 * trace live here; tasks and files have files of their own.
 *
 * In deterministic mode the shell's thread holds the one simulated CPU
 * while it reads a line, so the system stands still until a command
 * waits for something: a server's answer, `run`'s sleep, or `step`'s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4srv/system.h>

#include "commands.h"
#include "demo.h"
#include "shell.h"

#define RUN_MAX_MS        600000   /* ten minutes of time in one run command */
#define STEP_IDLE_US      10000000 /* a step gives up after 10 s in which nothing happened */
#define STEP_MAX_SLICE_US 10000    /* the longest the shell sleeps between looks */

static struct {
    bool deterministic;
    bool quit;
} sh;

static void shell_help(int argc, char **argv);

static void shell_quit(int argc, char **argv)
{
    (void) argc;
    (void) argv;
    sh.quit = true;
}

static void shell_trace(int argc, char **argv)
{
    (void) argc;
    if (!strcmp(argv[1], "on"))
        console_trace_show(true);
    else if (!strcmp(argv[1], "off"))
        console_trace_show(false);
    else
        complain("%s: on or off, not '%s'\n", argv[0], argv[1]);
}

/*
 * The shell sleeps in short slices while the sink counts events and, at
 * the last one, holds the system inside the sink and reads the next line
 * (shell_console.c). The sink ends the step when that line is for the
 * shell, which then wakes at the next kernel entry. When nothing happens
 * the slices grow (time jumps to the next deadline anyway), and after
 * STEP_IDLE_US of nothing the step gives up: every thread waits.
 */
static void shell_step(int argc, char **argv)
{
    unsigned long n = 1;
    if (!sh.deterministic) {
        complain("%s: only in deterministic mode; with L4SIM_DETERMINISTIC=0 the system runs by "
                 "itself (use run MS to watch it)\n",
                 argv[0]);
        return;
    }
    if (argc > 1 && !shell_number(argv[1], 1, SHELL_STEP_MAX, &n)) {
        complain("%s: N must be a whole number from 1 to %d, not '%s'\n", argv[0], SHELL_STEP_MAX,
                 argv[1]);
        return;
    }
    console_hide_own(true);
    console_step_begin(n);
    unsigned long slice = 1, idle = 0;
    while (console_stepping()) {
        uint64_t before = console_events_seen();
        L4_Sleep(L4_TimePeriod(slice));
        if (!console_stepping())
            break;
        if (console_events_seen() != before) {
            slice = 1;
            idle = 0;
            continue;
        }
        idle += slice;
        if (idle >= STEP_IDLE_US) {
            console_step_end();
            shell_say("%s: nothing happened for %d s of virtual time: every thread waits\n",
                      argv[0], STEP_IDLE_US / 1000000);
            break;
        }
        slice = slice * 2 < STEP_MAX_SLICE_US ? slice * 2 : STEP_MAX_SLICE_US;
    }
    console_hide_own(false);
}

static void shell_run(int argc, char **argv)
{
    (void) argc;
    unsigned long ms;
    if (!shell_number(argv[1], 1, RUN_MAX_MS, &ms)) {
        complain("%s: MS must be a whole number of milliseconds from 1 to %d, not '%s'\n", argv[0],
                 RUN_MAX_MS, argv[1]);
        return;
    }
    console_hide_own(true);
    L4_Sleep(L4_TimePeriod((L4_Word64_t) ms * 1000));
    console_hide_own(false);
}

struct command {
    const char *name;
    int min_args, max_args;
    const char *args;
    const char *what;
    void (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    {"help", 0, 0, "", "this list", shell_help},
    {"ps", 0, 0, "", "the tasks: id, name, state, threads", shell_ps},
    {"start", 1, SHELL_ARGS_MAX, "PATH [ARGS...]",
     "start a program as a task (PATH without '/': /modules/PATH)", shell_start},
    {"kill", 1, 1, "ID|NAME", "kill a task, named as ps shows it (288.1, 288 or ticker-1)",
     shell_kill},
    {"ping", 1, 2, "ID|NAME [MS]", "does the task answer within MS ms (1000)", shell_ping},
    {"wait", 1, 2, "ID|NAME [MS]", "wait up to MS ms (10000) for the task to end", shell_wait},
    {"ls", 0, 1, "[PATH]", "list a directory of the namespace (/)", shell_ls},
    {"cat", 1, 1, "PATH", "show a file of the namespace, e.g. /stats/system", shell_cat},
    {"trace", 1, 1, "on|off", "show kernel events as '    | ' lines (task output shows anyway)",
     shell_trace},
    {"step", 0, 1, "[N]", "run the next N kernel events (1), show them, hold the system there",
     shell_step},
    {"run", 1, 1, "MS", "let MS ms of time pass (virtual in deterministic mode)", shell_run},
    {"quit", 0, 0, "", "end the run (so do exit and the end of the input)", shell_quit},
    {"exit", 0, 0, "", NULL, shell_quit},
};

static void shell_help(int argc, char **argv)
{
    (void) argc;
    (void) argv;
    shell_say("commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const struct command *c = &commands[i];
        char head[48];
        if (!c->what)
            continue;
        snprintf(head, sizeof(head), "%s%s%s", c->name, *c->args ? " " : "", c->args);
        shell_say("  %-22s %s\n", head, c->what);
    }
    if (sh.deterministic)
        shell_say(
            "Deterministic run: the system stands still while the shell waits for a line.\n"
            "Commands that wait for a server, run and step let it go on. A held step takes\n"
            "step and trace at once; any other line lets the system go to the shell again.\n");
}

static void run_line(char *line)
{
    char *argv[SHELL_ARGS_MAX + 1];
    int argc = console_split(line, argv);
    if (argc > SHELL_ARGS_MAX) {
        complain("%s: more than %d words\n", argv[0], SHELL_ARGS_MAX);
        return;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const struct command *c = &commands[i];
        if (strcmp(c->name, argv[0]))
            continue;
        if (argc - 1 < c->min_args || argc - 1 > c->max_args)
            complain("usage: %s%s%s\n", c->name, *c->args ? " " : "", c->args);
        else
            c->run(argc, argv);
        return;
    }
    complain("unknown command '%s' (help lists the commands)\n", argv[0]);
}

static int shell_root(void *arg)
{
    (void) arg;
    console_set_shell(L4_Myself());
    char line[SHELL_LINE_MAX + 1];
    while (!sh.quit) {
        enum console_input r = console_next(line);
        if (r == CONSOLE_EOF)
            break;
        if (r == CONSOLE_TOO_LONG)
            complain("a line of over %d bytes: ignored\n", SHELL_LINE_MAX);
        else
            run_line(line);
    }
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: l4sim shell [--modules DIR] [--seed N] [--trace|--no-trace]\n"
                 "\n"
                 "Boot the standard system and run commands on its root task, one per line\n"
                 "from stdin (`help` lists them; a prompt only when stdin is a terminal).\n"
                 "Programs are /modules/NAME: the files of DIR (default: the l4sim images).\n"
                 "Deterministic unless L4SIM_DETERMINISTIC=0: the system stands still while\n"
                 "the shell waits for input, and `step` runs it event by event.\n"
                 "\n"
                 "  --modules DIR        the host directory whose files are /modules\n"
                 "  --seed N             replay deterministic run N (default 1)\n"
                 "  --trace, --no-trace  start with the kernel trace shown or hidden (hidden)\n"
                 "\n"
                 "Exit status: 0; 1 if the system failed, or if a command failed while stdin\n"
                 "is not a terminal (so that scripts notice); 2 for bad options.\n");
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_shell(int argc, char **argv)
{
    struct demo_options opt = {.color = isatty(STDOUT_FILENO)};
    const char *modules = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--modules")) {
            if (i + 1 == argc) {
                fprintf(stderr, "l4sim shell: --modules needs a directory\n");
                return 2;
            }
            modules = argv[++i];
            if (!is_dir(modules)) {
                fprintf(stderr, "l4sim shell: --modules: %s is not a directory\n", modules);
                return 2;
            }
            continue;
        }
        int used = demo_parse_option(&opt, "shell", argc, argv, &i);
        if (used < 0)
            return 2;
        if (used == 0) {
            fprintf(stderr, "l4sim shell: unknown option or argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!modules)
        modules = demo_images_dir();
    if (!modules)
        fprintf(stderr, "l4sim shell: no l4sim images found (set L4SIM_IMAGES or use "
                        "--modules DIR); /modules is empty\n");

    bool interactive = isatty(STDIN_FILENO);
    bool trace = opt.trace;
    opt.trace = false; /* the console shows the trace, and task output either way */
    struct l4sim_config cfg;
    demo_begin(&opt, &cfg, "l4sim shell: commands on the root task of the standard system.");
    console_init(interactive, opt.color, trace);
    cfg.trace_sink = console_trace_sink;
    cfg.trace_ctx = NULL;
    memset(&sh, 0, sizeof(sh));
    sh.deterministic = cfg.deterministic;
    if (interactive)
        shell_say("Type help for the commands, quit or Ctrl-D to end.\n");
    struct l4srv_options sys = {.modules_dir = modules};
    int rc = demo_run_system(&cfg, &sys, shell_root, NULL);

    struct demo_result res;
    if (rc == L4SIM_DEADLOCK)
        printf("l4sim shell: the system deadlocked\n");
    else if (rc)
        printf("l4sim shell: the system did not run to the end (%d)\n", rc);
    demo_end_run(&cfg, &res);
    if (cfg.deterministic)
        printf("    seed %llu (replay: --seed %llu with the same input)\n",
               (unsigned long long) cfg.seed, (unsigned long long) cfg.seed);
    fflush(stdout);
    if (rc || res.stats.invariants_broken)
        return 1;
    return console_any_failed() && !interactive ? 1 : 0;
}

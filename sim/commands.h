/*
 * The l4sim command's subcommands that live in files of their own; each
 * takes the arguments after its name and returns the exit status.
 */
#ifndef L4SIM_SIM_COMMANDS_H
#define L4SIM_SIM_COMMANDS_H

/* `l4sim run PROGRAM [ARGS...]`: the program as a task of a booted system. */
int cmd_run(int argc, char **argv);

/* `l4sim shell`: commands from stdin on the root task of a booted system. */
int cmd_shell(int argc, char **argv);

/* `l4sim help TOPIC`: one page on demos, trace, faults, run, gdb or shell. */
int cmd_help(const char *topic);

/* `l4sim mount DIR`: the namespace on a host directory (FUSE builds only). */
int cmd_mount(int argc, char **argv);

#endif /* L4SIM_SIM_COMMANDS_H */

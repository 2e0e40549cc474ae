/*
 * `l4sim shell`'s parts: the console (input lines, output, the trace as the
 * shell shows it, and stepping), and the commands, which run on the root
 * task's application thread of a booted standard system.
 */
#ifndef L4SIM_SIM_SHELL_H
#define L4SIM_SIM_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <l4/types.h>

#define SHELL_LINE_MAX 1024 /* bytes of one command line, newline excluded */
#define SHELL_ARGS_MAX 32
#define SHELL_STEP_MAX 1000000 /* events one step may show */

/* ------------------------------------------------------------ console */

enum console_input { CONSOLE_LINE, CONSOLE_EOF, CONSOLE_TOO_LONG };

/* Before the run: is stdin a terminal (prompts), colour the trace, show it from the start. */
void console_init(bool interactive, bool color, bool trace);
/* On the shell's thread, once: whose timed waits are the shell's own (see console_hide_own). */
void console_set_shell(L4_ThreadId_t self);

/*
 * The next command line into line (SHELL_LINE_MAX + 1 bytes; blank and
 * '#' lines skipped), with the prompt when stdin is a terminal. A line
 * the trace sink read while a step held the system comes first. Only
 * async-signal-safe calls: the sink uses it.
 */
enum console_input console_next(char *line);

/* Split line in place on blanks; the number of words (SHELL_ARGS_MAX + 1: too many). */
int console_split(char *line, char **argv);

/* Output, written at once so that it interleaves with trace lines in order. */
void shell_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A command's error, on stderr, counted for the exit status. */
void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void shell_say_bytes(const char *text, size_t len);
bool console_any_failed(void);

/* Kernel trace lines shown as "    | line" (task output is shown either way). */
void console_trace_show(bool on);
/* The trace sink the run is configured with. */
void console_trace_sink(const char *line, size_t len, void *ctx);

/*
 * Stepping (deterministic mode only). console_step_begin(n) arms the sink:
 * it shows the next n events and then holds the system where it is, inside
 * the sink, reading the next line itself. `step [M]` and `trace on|off` it
 * does there and then; any other line ends the step and waits in
 * console_next for the shell, which gets the CPU back at the next kernel
 * entry.
 */
void console_step_begin(unsigned long n);
bool console_stepping(void);
void console_step_end(void);
/* Events the sink has seen (the shell's own timed waits excepted). */
uint64_t console_events_seen(void);
/* While on, the shell's own receive timeouts (its sleeps) are neither shown nor counted. */
void console_hide_own(bool on);

/* ----------------------------------------------------------- commands */

/* One command's words; argv[0] is its name. Errors go through complain(). */
void shell_ps(int argc, char **argv);
void shell_start(int argc, char **argv);
void shell_kill(int argc, char **argv);
void shell_ping(int argc, char **argv);
void shell_wait(int argc, char **argv);
void shell_ls(int argc, char **argv);
void shell_cat(int argc, char **argv);

/*
 * Open an object of the namespace (as resolved: server, handle) for
 * reading and read it into buf, NUL-terminated: at most cap - 1 bytes
 * (*truncated: there was more). 0 or an l4srv_error.
 */
int shell_read_object(L4_ThreadId_t server, L4_Word_t handle, char *buf, size_t cap, size_t *len,
                      bool *truncated);

/* A whole decimal number in [min, max], or false. */
bool shell_number(const char *s, unsigned long min, unsigned long max, unsigned long *out);

#endif /* L4SIM_SIM_SHELL_H */

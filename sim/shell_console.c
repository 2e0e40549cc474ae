/*
 * The shell's console: command lines from stdin, output written at once,
 * and the kernel trace as the shell shows it, including the stepping that
 * holds a deterministic system still after a given number of events.
 *
 * The trace sink runs on whichever thread makes an event, with the
 * kernel's trace lock held, sometimes inside a page-fault signal handler:
 * everything it calls is async-signal-safe (read, write, memchr, no stdio,
 * no malloc), and the input is read with read(2) by this file alone, so a
 * line the sink reads and one the shell reads come from the same buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <l4/thread.h>

#include "shell.h"

static const char PROMPT[] = "l4sim> ";

static struct {
    bool interactive, color;
    atomic_bool trace_shown, hide_own, any_failed;
    char own_timeout[48]; /* "timeout N.V receive": the shell's own sleep ending */
    size_t own_timeout_len;

    /* Stepping: events still to show before holding the system. */
    atomic_bool stepping;
    atomic_ulong budget;
    atomic_uint_least64_t seen;

    /* Input not yet taken as lines. */
    char in[2 * SHELL_LINE_MAX];
    size_t in_len;
    bool in_eof, in_skipping; /* skipping: the rest of an over-long line */

    /* A line the sink read while holding the system, for the shell. */
    bool pending;
    enum console_input pending_kind;
    char pending_line[SHELL_LINE_MAX + 1];
} con;

/* ------------------------------------------------------------- output */

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* a closed pipe: nothing useful to do */
        p += w;
        n -= (size_t) w;
    }
}

void shell_say_bytes(const char *text, size_t len)
{
    write_all(STDOUT_FILENO, text, len);
}

static void vwrite_to(int fd, const char *fmt, va_list ap)
{
    char buf[4096];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n < 0)
        return;
    write_all(fd, buf, (size_t) n < sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
}

void shell_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwrite_to(STDOUT_FILENO, fmt, ap);
    va_end(ap);
}

void complain(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwrite_to(STDERR_FILENO, fmt, ap);
    va_end(ap);
    atomic_store(&con.any_failed, true);
}

bool console_any_failed(void)
{
    return atomic_load(&con.any_failed);
}

/* -------------------------------------------------------------- input */

void console_init(bool interactive, bool color, bool trace)
{
    memset(&con, 0, sizeof(con));
    con.interactive = interactive;
    con.color = color;
    atomic_store(&con.trace_shown, trace);
}

void console_set_shell(L4_ThreadId_t self)
{
    int n = snprintf(con.own_timeout, sizeof(con.own_timeout), "timeout %lu.%lu receive",
                     L4_ThreadNo(self), L4_Version(self));
    con.own_timeout_len = (size_t) n;
}

static void drop_input(size_t n)
{
    memmove(con.in, con.in + n, con.in_len - n);
    con.in_len -= n;
}

/* One raw line from stdin, whatever it holds. */
static enum console_input read_line(char *line)
{
    for (;;) {
        char *nl = memchr(con.in, '\n', con.in_len);
        if (nl || (con.in_eof && con.in_len)) {
            size_t n = nl ? (size_t) (nl - con.in) : con.in_len;
            bool skipped = con.in_skipping || n > SHELL_LINE_MAX;
            con.in_skipping = false;
            if (!skipped)
                memcpy(line, con.in, n);
            line[skipped ? 0 : n] = 0;
            drop_input(nl ? n + 1 : n);
            return skipped ? CONSOLE_TOO_LONG : CONSOLE_LINE;
        }
        if (con.in_eof)
            return CONSOLE_EOF;
        if (con.in_len >= SHELL_LINE_MAX) { /* no newline in sight: a line too long */
            con.in_skipping = true;
            con.in_len = 0;
        }
        ssize_t got = read(STDIN_FILENO, con.in + con.in_len, sizeof(con.in) - con.in_len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            con.in_eof = true;
        else
            con.in_len += (size_t) got;
    }
}

static bool blank_or_comment(const char *line)
{
    while (*line == ' ' || *line == '\t' || *line == '\r')
        line++;
    return *line == 0 || *line == '#';
}

enum console_input console_next(char *line)
{
    if (con.pending) {
        con.pending = false;
        memcpy(line, con.pending_line, sizeof(con.pending_line));
        return con.pending_kind;
    }
    for (;;) {
        if (con.interactive)
            write_all(STDOUT_FILENO, PROMPT, sizeof(PROMPT) - 1);
        enum console_input r = read_line(line);
        if (r == CONSOLE_EOF && con.interactive)
            write_all(STDOUT_FILENO, "\n", 1);
        if (r != CONSOLE_LINE || !blank_or_comment(line))
            return r;
    }
}

int console_split(char *line, char **argv)
{
    int argc = 0;
    for (char *p = line;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            *p++ = 0;
        if (!*p)
            return argc;
        if (argc == SHELL_ARGS_MAX)
            return SHELL_ARGS_MAX + 1;
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
    }
}

bool shell_number(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned long digit = (unsigned long) (*s - '0');
        if (*s < '0' || *s > '9' || digit > max || v > (max - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    if (v < min)
        return false;
    *out = v;
    return true;
}

/* -------------------------------------------------------------- trace */

void console_trace_show(bool on)
{
    atomic_store(&con.trace_shown, on);
}

void console_hide_own(bool on)
{
    atomic_store(&con.hide_own, on);
}

uint64_t console_events_seen(void)
{
    return atomic_load(&con.seen);
}

void console_step_begin(unsigned long n)
{
    atomic_store(&con.budget, n);
    atomic_store(&con.stepping, true);
}

bool console_stepping(void)
{
    return atomic_load(&con.stepping);
}

void console_step_end(void)
{
    atomic_store(&con.stepping, false);
    atomic_store(&con.budget, 0);
}

/* "t=<µs> timeout N.V receive" of the shell's own thread. */
static bool own_sleep_ended(const char *line, size_t len)
{
    const char *space = memchr(line, ' ', len);
    if (!space || !con.own_timeout_len)
        return false;
    size_t rest = len - (size_t) (space + 1 - line);
    return rest == con.own_timeout_len && !memcmp(space + 1, con.own_timeout, rest);
}

static void show_trace_line(const char *line, size_t len)
{
    static const char dim[] = "    \033[2m| ", plain[] = "    | ", reset[] = "\033[0m";
    char out[320];
    size_t n = 0;
    const char *head = con.color ? dim : plain;
    size_t head_len = con.color ? sizeof(dim) - 1 : sizeof(plain) - 1;
    if (len > sizeof(out) - head_len - sizeof(reset) - 1)
        len = sizeof(out) - head_len - sizeof(reset) - 1;
    memcpy(out, head, head_len);
    n += head_len;
    memcpy(out + n, line, len);
    n += len;
    if (con.color) {
        memcpy(out + n, reset, sizeof(reset) - 1);
        n += sizeof(reset) - 1;
    }
    out[n++] = '\n';
    write_all(STDOUT_FILENO, out, n);
}

static void show_task_output(const char *text, size_t len)
{
    char out[320];
    if (len > sizeof(out) - 1)
        len = sizeof(out) - 1;
    memcpy(out, text, len);
    out[len] = '\n';
    write_all(STDOUT_FILENO, out, len + 1);
}

/* What a line read while the system is held asks of the sink. */
enum held { HELD_STEP_ON, HELD_DONE, HELD_FOR_SHELL };

/*
 * The sink does two commands itself while it holds the system: another
 * step, and showing the trace or not. Everything else, a malformed step
 * included, is the shell's business.
 */
static enum held held_command(const char *line)
{
    static char copy[SHELL_LINE_MAX + 1]; /* one hold at a time, under the trace lock */
    char *argv[SHELL_ARGS_MAX + 1];
    memcpy(copy, line, sizeof(copy));
    int argc = console_split(copy, argv);
    unsigned long n = 1;
    if (argc >= 1 && argc <= 2 && !strcmp(argv[0], "step")) {
        if (argc == 2 && !shell_number(argv[1], 1, SHELL_STEP_MAX, &n))
            return HELD_FOR_SHELL; /* the shell says what is wrong with it */
        atomic_store(&con.budget, n);
        return HELD_STEP_ON;
    }
    if (argc == 2 && !strcmp(argv[0], "trace") &&
        (!strcmp(argv[1], "on") || !strcmp(argv[1], "off"))) {
        console_trace_show(!strcmp(argv[1], "on"));
        return HELD_DONE;
    }
    return HELD_FOR_SHELL;
}

/*
 * The step's last event was shown: hold the system here (this thread has
 * the one CPU, so nothing else runs) until a line says what next.
 */
static void hold_system(void)
{
    static char line[SHELL_LINE_MAX + 1]; /* static: the sink may run on a signal stack */
    for (;;) {
        enum console_input r = console_next(line);
        enum held h = r == CONSOLE_LINE ? held_command(line) : HELD_FOR_SHELL;
        if (h == HELD_STEP_ON)
            return;
        if (h == HELD_DONE)
            continue;
        memcpy(con.pending_line, line, sizeof(line));
        con.pending_kind = r;
        con.pending = true;
        console_step_end();
        return;
    }
}

void console_trace_sink(const char *line, size_t len, void *ctx)
{
    (void) ctx;
    int saved_errno = errno;
    if (atomic_load(&con.hide_own) && own_sleep_ended(line, len)) {
        errno = saved_errno;
        return;
    }
    atomic_fetch_add(&con.seen, 1);
    bool counted = atomic_load(&con.stepping) && atomic_load(&con.budget) > 0;
    const char *log = memmem(line, len, " log: ", 6);
    if (counted || atomic_load(&con.trace_shown))
        show_trace_line(line, len);
    else if (log)
        show_task_output(log + 6, len - (size_t) (log + 6 - line));
    if (counted && atomic_fetch_sub(&con.budget, 1) == 1)
        hold_system();
    errno = saved_errno;
}

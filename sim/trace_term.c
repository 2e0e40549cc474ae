/*
 * The trace on the terminal: one "    | line" per event, coloured by kind,
 * stepping on Enter, and a progress line. Runs in the trace sink, so it
 * writes with write(2) from fixed buffers; narration uses printf but
 * flushes before the next kernel event, so the two interleave correctly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "trace_out.h"
#include "trace_term.h"

#define PROGRESS_EVERY_NS (250 * 1000 * 1000)

static struct trace_term_options opt;
static int step_fd = -1;    /* where Enter comes from: /dev/tty, else stdin */
static bool step_fd_is_tty; /* then a prompt goes there too */
static atomic_bool progress_drawn;
static uint64_t events, messages, last_t, next_draw_ns;

static const char *colour(enum trace_kind k)
{
    switch (k) {
    case TK_SEND:
    case TK_RECV:
        return "\033[36m"; /* cyan: messages */
    case TK_PAGEFAULT:
    case TK_MAP:
    case TK_UNMAP:
        return "\033[33m"; /* yellow: memory */
    case TK_TIMEOUT:
    case TK_ERROR:
    case TK_EXCEPTION:
        return "\033[1;31m"; /* bold red: something went wrong */
    case TK_FAULT:
        return "\033[1;35m"; /* bold magenta: injected on purpose */
    case TK_THREAD_CREATE:
    case TK_THREAD_START:
    case TK_THREAD_HALT:
    case TK_THREAD_RESUME:
    case TK_THREAD_DELETE:
    case TK_SPACE_CREATE:
    case TK_SPACE_DELETE:
        return "\033[32m"; /* green: lifecycle */
    case TK_LOG:
        return "\033[1m"; /* a program's own output */
    default:
        return "\033[2m"; /* dim: boot, notes */
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts; /* clock_gettime is async-signal-safe */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

void trace_term_open(const struct trace_term_options *o)
{
    opt = *o;
    events = messages = last_t = 0;
    atomic_store(&progress_drawn, false);
    next_draw_ns = now_ns() + PROGRESS_EVERY_NS;
    step_fd = -1;
    if (!opt.step || !opt.show)
        return;
    step_fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    step_fd_is_tty = step_fd >= 0;
    if (step_fd < 0)
        step_fd = STDIN_FILENO;
}

void trace_term_quiet(void)
{
    if (atomic_exchange(&progress_drawn, false))
        out_write_all(STDERR_FILENO, "\r\033[K", 4);
}

static void draw_progress(void)
{
    char mem[160];
    struct outbuf o = {mem, sizeof(mem), 0, false};
    out_str(&o, "\rl4sim: ");
    out_u64(&o, events);
    out_str(&o, " events, ");
    out_str(&o, opt.virtual_time ? "virtual time " : "time ");
    out_u64(&o, last_t);
    out_str(&o, " us, ");
    out_u64(&o, messages);
    out_str(&o, " messages\033[K");
    out_flush(&o, STDERR_FILENO);
    atomic_store(&progress_drawn, true);
}

void trace_term_count(const struct trace_line *l)
{
    events++;
    messages += l->kind == TK_SEND;
    if (l->kind != TK_OTHER)
        last_t = l->t;
    if (!opt.progress)
        return;
    uint64_t now = now_ns();
    if (now < next_draw_ns)
        return;
    next_draw_ns = now + PROGRESS_EVERY_NS;
    draw_progress();
}

/* Wait for Enter; "c" + Enter, the end of input or an error stop the stepping. */
static void wait_for_enter(void)
{
    static const char prompt[] = "    [Enter: next event, c Enter: run on] ";
    if (step_fd_is_tty)
        out_write_all(step_fd, prompt, sizeof(prompt) - 1);
    char c, first = 0;
    ssize_t n;
    for (;;) {
        n = read(step_fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != 1 || c == '\n')
            break;
        if (!first && c != ' ' && c != '\t')
            first = c;
    }
    if (n != 1 || first == 'c' || first == 'C')
        opt.step = false;
    if (step_fd_is_tty && n == 1)
        out_write_all(step_fd, "\033[1A\r\033[K", 8); /* take the prompt away again */
}

void trace_term_line(const struct trace_line *l)
{
    if (!opt.show)
        return;
    char mem[400];
    struct outbuf o = {mem, sizeof(mem), 0, false};
    if (opt.color) {
        out_str(&o, "    \033[2m|\033[0m ");
        out_str(&o, colour(l->kind));
        out_text(&o, l->whole);
        out_str(&o, "\033[0m\n");
    } else {
        out_str(&o, "    | ");
        out_text(&o, l->whole);
        out_str(&o, "\n");
    }
    out_flush(&o, STDOUT_FILENO);
    if (opt.step)
        wait_for_enter();
}

void trace_term_close(void)
{
    trace_term_quiet();
    if (step_fd >= 0 && step_fd_is_tty)
        close(step_fd);
    step_fd = -1;
    opt = (struct trace_term_options){0};
}

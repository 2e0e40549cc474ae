/*
 * The mscgen chart. mscgen wants every column declared before the first
 * arc, and columns appear as the run goes, so the sink writes the arcs to
 * an unlinked temporary file and the close writes the columns, then
 * copies the arcs after them, then runs mscgen for --svg.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace_msc.h"
#include "trace_out.h"
#include "trace_spaces.h"

#define MAX_COLUMNS 64 /* wider charts are unreadable; arcs to more threads are left out */
#define LABEL_MAX   72
#define FLUSH_AT    (48 * 1024)

extern char **environ;

static char mem[64 * 1024];
static struct outbuf buf = {mem, sizeof(mem), 0, false};
static int arcs_fd = -1;
static const char *msc_path, *svg_path;
static unsigned char column_of[TRACE_MAX_THREADS]; /* 0: none; else index + 1 */
static unsigned long columns[MAX_COLUMNS];
static unsigned column_count;
static unsigned long arcs, left_out;

bool trace_msc_have_mscgen(void)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    for (const char *p = path;;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t) (colon - p) : strlen(p);
        char candidate[4096];
        if (len && len < sizeof(candidate) - 8) {
            snprintf(candidate, sizeof(candidate), "%.*s/mscgen", (int) len, p);
            if (access(candidate, X_OK) == 0)
                return true;
        }
        if (!colon)
            return false;
        p = colon + 1;
    }
}

/* Create (or empty) path now, so that a path we cannot write fails before the run. */
static int check_writable(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

static int temp_file(char *name, size_t size, const char *suffix)
{
    const char *dir = getenv("TMPDIR");
    snprintf(name, size, "%s/l4sim-XXXXXX%s", dir && *dir ? dir : "/tmp", suffix);
    return mkstemps(name, (int) strlen(suffix));
}

int trace_msc_open(const char *msc, const char *svg, char *err, size_t errlen)
{
    if ((msc && check_writable(msc, err, errlen) != 0) ||
        (svg && check_writable(svg, err, errlen) != 0))
        return -1;
    char name[4096];
    arcs_fd = temp_file(name, sizeof(name), "");
    if (arcs_fd < 0) {
        snprintf(err, errlen, "cannot make a temporary file for the chart: %s", strerror(errno));
        return -1;
    }
    unlink(name);
    msc_path = msc;
    svg_path = svg;
    memset(column_of, 0, sizeof(column_of));
    column_count = 0;
    arcs = left_out = 0;
    buf.len = 0;
    return 0;
}

/* The column of a thread, made on first use; false if it can have none. */
static bool column(const struct trace_tid *t)
{
    if (!t->valid || !trace_thread_tracked(t->no))
        return false;
    if (column_of[t->no])
        return true;
    if (column_count == MAX_COLUMNS)
        return false;
    columns[column_count++] = t->no;
    column_of[t->no] = (unsigned char) column_count;
    return true;
}

static void entity(const struct trace_tid *t)
{
    out_str(&buf, "t");
    out_u64(&buf, t->no);
}

/* "[label=\"...\"" + text, cut to LABEL_MAX; the caller closes it. */
static void label(const char *prefix, struct trace_text text)
{
    out_str(&buf, " [label=\"");
    out_msc(&buf, prefix, strlen(prefix));
    out_msc(&buf, text.s, text.len < LABEL_MAX ? text.len : LABEL_MAX);
    if (text.len > LABEL_MAX)
        out_str(&buf, "...");
    out_str(&buf, "\"");
}

/* FROM ARROW TO [label="prefix text", textbgcolour="colour"]; arrows and boxes alike. */
static void arc(const struct trace_tid *from, const char *arrow, const struct trace_tid *to,
                const char *prefix, struct trace_text text, const char *colour)
{
    entity(from);
    out_str(&buf, arrow);
    entity(to);
    label(prefix, text);
    if (colour) {
        out_str(&buf, ", textbgcolour=\"");
        out_str(&buf, colour);
        out_str(&buf, "\"");
    }
    out_str(&buf, "];\n");
}

static void divider(const char *prefix, struct trace_text text)
{
    out_str(&buf, "---");
    label(prefix, text);
    out_str(&buf, "];\n");
}

/* The text after the event name and its thread: "send 34.1 -> 40.1 label=..." -> "label=..." */
static struct trace_text after(const struct trace_line *l, const char *marker)
{
    const char *p = memmem(l->whole.s, l->whole.len, marker, strlen(marker));
    if (!p)
        return l->rest;
    p += strlen(marker);
    return (struct trace_text){p, (size_t) (l->whole.s + l->whole.len - p)};
}

/* A box's words: "thread.create by 34.1", "timeout receive", "unmap w0+0x2000/12". */
static struct trace_text box_text(const struct trace_line *l, char *mem, size_t cap)
{
    struct outbuf o = {mem, cap, 0, false};
    out_str(&o, trace_kind_names[l->kind == TK_LOG ? TK_NOTE : l->kind]);
    if (l->addr.len) {
        out_str(&o, " ");
        out_text(&o, l->addr);
    }
    if (l->b.valid) {
        bool by = l->kind == TK_THREAD_CREATE || l->kind == TK_THREAD_DELETE;
        out_str(&o, by ? " by " : " ");
        out_tid(&o, &l->b);
    }
    if (l->kind == TK_SPACE_DELETE && trace_space_deleted() >= 0) {
        out_str(&o, " of space ");
        out_u64(&o, (uint64_t) trace_space_deleted());
    }
    if (l->rest.len) {
        out_str(&o, ": ");
        out_text(&o, l->rest);
    }
    return (struct trace_text){mem, o.len};
}

/* Draw one line; false if it needs a column it cannot have. */
static bool draw(const struct trace_line *l)
{
    const struct trace_tid *a = &l->a, *b = &l->b;
    bool two = a->valid && b->valid;
    switch (l->kind) {
    case TK_SEND: /* the message: its receive line adds nothing to the chart */
        if (!two || !column(a) || !column(b))
            return false;
        arc(a, "->", b, "", after(l, "label="), NULL);
        return true;
    case TK_PAGEFAULT:
        if (!two || !column(a) || !column(b))
            return false;
        arc(a, "=>>", b, "pagefault ", after(l, "addr="), NULL);
        return true;
    case TK_MAP:
        if (!two || !column(a) || !column(b))
            return false;
        arc(b, ":>", a, "", after(l, "addr="), NULL);
        return true;
    case TK_FAULT:
        if (!a->valid || !column(a) || (b->valid && !column(b)))
            return false;
        if (b->valid && l->point.len == 13 && !memcmp(l->point.s, "ipc/send/drop", 13))
            arc(a, "-x", b, "dropped by fault ", after(l, "label="), NULL);
        else
            arc(a, " note ", b->valid ? b : a, "fault ", after(l, "fault "), "#ffd0ff");
        return true;
    default:
        break;
    }
    char text[LABEL_MAX + 64];
    if (!a->valid) { /* boot, shutdown, kernel notes: across the whole chart */
        if (l->kind != TK_OTHER)
            divider("", box_text(l, text, sizeof(text)));
        return true;
    }
    if (!column(a))
        return false;
    switch (l->kind) {
    case TK_TIMEOUT:
    case TK_ERROR:
    case TK_EXCEPTION:
        arc(a, " rbox ", a, "", box_text(l, text, sizeof(text)), "#ffd0d0");
        break;
    case TK_UNMAP:
        arc(a, " abox ", a, "", box_text(l, text, sizeof(text)), NULL);
        break;
    case TK_NOTE:
    case TK_LOG:
        arc(a, " note ", a, "", l->rest, NULL);
        break;
    default: /* thread and space lifecycle */
        arc(a, " abox ", a, "", box_text(l, text, sizeof(text)), "#d0ffd0");
        break;
    }
    return true;
}

void trace_msc_event(const struct trace_line *l)
{
    if (arcs_fd < 0 || l->kind == TK_RECV)
        return;
    if (arcs == TRACE_MSC_MAX_ARCS) {
        left_out++;
        return;
    }
    size_t before = buf.len;
    if (!draw(l)) {
        buf.len = before;
        left_out++;
        return;
    }
    if (buf.len != before)
        arcs++;
    if (buf.len > FLUSH_AT)
        out_flush(&buf, arcs_fd);
}

static void write_columns(FILE *f)
{
    fprintf(f, "# The l4sim kernel trace as a message sequence chart: render with mscgen -T svg.\n"
               "# -> message (label, untyped and typed words), =>> page fault, :> map,\n"
               "# -x message dropped by fault injection; boxes: timeouts and errors (red),\n"
               "# injected faults (pink), thread and space lifecycle (green), notes.\n"
               "msc {\n  hscale=\"auto\";\n\n  ");
    if (!column_count)
        fprintf(f, "none [label=\"(no thread events)\"]");
    for (unsigned i = 0; i < column_count; i++) {
        const char *role = trace_thread_role(columns[i]);
        fprintf(f, "%st%lu [label=\"%s%s%lu\"]", i ? ", " : "", columns[i], role ? role : "",
                role ? " " : "", columns[i]);
    }
    fprintf(f, ";\n\n");
}

/* Columns, the arcs from the temporary file, the closing note. */
static int write_chart(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "l4sim: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    write_columns(f);
    char copy[8192];
    ssize_t n;
    lseek(arcs_fd, 0, SEEK_SET);
    while ((n = read(arcs_fd, copy, sizeof(copy))) > 0)
        fwrite(copy, 1, (size_t) n, f);
    if (left_out)
        fprintf(f,
                "  --- [label=\"%lu more events not drawn (%d arcs at most, %d columns); "
                "narrow the chart with --trace=FILTER\"];\n",
                left_out, TRACE_MSC_MAX_ARCS, MAX_COLUMNS);
    fprintf(f, "}\n");
    if (fclose(f) != 0 || n < 0) {
        fprintf(stderr, "l4sim: writing %s failed: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int render_svg(const char *chart)
{
    char *argv[] = {"mscgen", "-T", "svg", "-o", (char *) svg_path, (char *) chart, NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, "mscgen", NULL, NULL, argv, environ);
    if (err) {
        fprintf(stderr, "l4sim: cannot run mscgen: %s\n", strerror(err));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "l4sim: mscgen could not render %s into %s\n", chart, svg_path);
        return -1;
    }
    return 0;
}

int trace_msc_close(void)
{
    if (arcs_fd < 0)
        return 0;
    out_flush(&buf, arcs_fd);
    char temp[4096];
    const char *chart = msc_path;
    int rc = 0;
    if (!chart) { /* --svg alone: the chart only lives as long as mscgen needs it */
        int fd = temp_file(temp, sizeof(temp), ".msc");
        if (fd < 0) {
            fprintf(stderr, "l4sim: cannot make a temporary chart: %s\n", strerror(errno));
            rc = -1;
        } else {
            close(fd);
            chart = temp;
        }
    }
    if (chart && write_chart(chart) != 0)
        rc = -1;
    if (msc_path && rc == 0)
        printf("    chart: %s (%lu arcs%s)\n", msc_path, arcs,
               left_out ? ", some events left out" : "");
    if (svg_path && rc == 0 && render_svg(chart) == 0)
        printf("    picture: %s\n", svg_path);
    else if (svg_path)
        rc = -1;
    if (chart == temp)
        unlink(temp);
    fflush(stdout);
    close(arcs_fd);
    arcs_fd = -1;
    return rc;
}

/*
 * The Chrome trace-event writer. Events go to the file from the trace sink
 * as they happen, each time followed by a provisional "]}" that the next
 * write overwrites: the file is valid JSON at every moment, even if the
 * process dies. A flow arrow is written only when the receive that ends
 * it arrives, so every "s" has exactly one "f". A thread's state (its
 * open page fault, its last send) lives in a fixed table indexed by
 * thread number.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trace_json.h"
#include "trace_out.h"
#include "trace_spaces.h"

#define KERNEL_TRACK 1 /* pid and tid of events that name no thread */
#define SLICE_NS     6 /* events sit 10 ns apart within one µs (trace_view.c) */
#define FLOW_NS      3 /* flow ends sit inside their slices */
#define FLUSH_AT     (48 * 1024)

struct json_thread {
    long named_pid; /* the process its thread_name was written for; -1: none */
    /* The last send, until its receive arrives: the flow's start. */
    bool send_open;
    unsigned long send_to;
    uint64_t send_ns;
    unsigned long send_pid;
    /* The thread's previous event was that send: a receive from the same
     * partner next makes it a call (or a reply and wait that the same
     * client answered), and the time between is the wait. */
    bool just_sent;
    /* A page fault, until the map that answers it or the thread's next event. */
    bool fault_open;
    unsigned long pager;
    uint64_t fault_ns;
    unsigned long fault_pid;
    char fault_line[256];
    size_t fault_line_len;
};

static struct json_thread threads[TRACE_MAX_THREADS];
static bool space_named[TRACE_MAX_THREADS];
static char mem[64 * 1024];
static struct outbuf buf = {mem, sizeof(mem), 0, false};
static int fd = -1;
static bool first_event;
static uint64_t flows, last_ns;
static uint64_t file_end; /* where the events end and the provisional close starts */
static bool write_failed; /* a full disk, say: said once, at the close */
static const char *file_name;

/* Write out the buffer, then a close that keeps the file valid until the next write. */
static void flush(void)
{
    static const char provisional[] = "\n]}\n";
    size_t events = buf.len;
    out_mem(&buf, provisional, sizeof(provisional) - 1);
    if (out_pwrite_all(fd, buf.mem, buf.len, file_end) != 0)
        write_failed = true;
    file_end += events;
    buf.len = 0;
}

int trace_json_open(const char *path, char *err, size_t errlen)
{
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    for (unsigned i = 0; i < TRACE_MAX_THREADS; i++) {
        threads[i] = (struct json_thread){.named_pid = -1};
        space_named[i] = false;
    }
    buf.len = 0;
    first_event = true;
    flows = last_ns = file_end = 0;
    write_failed = false;
    file_name = path;
    out_str(&buf, "{\"traceEvents\":[\n");
    flush();
    return 0;
}

/* The start of one event object: {"ph":..,"pid":..,"tid":..,"ts":.. */
static void begin(const char *ph, unsigned long pid, unsigned long tid, uint64_t ns)
{
    out_str(&buf, first_event ? "{\"ph\":\"" : ",\n{\"ph\":\"");
    first_event = false;
    out_str(&buf, ph);
    out_str(&buf, "\",\"pid\":");
    out_u64(&buf, pid);
    out_str(&buf, ",\"tid\":");
    out_u64(&buf, tid);
    out_str(&buf, ",\"ts\":");
    out_us(&buf, ns);
}

static void name_field(const char *name, struct trace_text extra)
{
    out_str(&buf, ",\"name\":\"");
    out_json(&buf, name, strlen(name));
    out_json(&buf, extra.s, extra.len);
    out_str(&buf, "\"");
}

/* A thread_name or process_name record: "space 34 (root)", "mm 35", "thread 290". */
static void metadata(const char *what, unsigned long pid, unsigned long tid, const char *word,
                     unsigned long no, const char *role)
{
    begin("M", pid, tid, 0);
    out_str(&buf, ",\"name\":\"");
    out_str(&buf, what);
    out_str(&buf, "\",\"args\":{\"name\":\"");
    out_str(&buf, word);
    if (no) {
        out_str(&buf, " ");
        out_u64(&buf, no);
    }
    if (role) {
        out_str(&buf, " (");
        out_str(&buf, role);
        out_str(&buf, ")");
    }
    out_str(&buf, "\"}}");
}

/* Name the process and thread of a track the first time an event uses it. */
static void name_track(unsigned long pid, unsigned long tid)
{
    if (pid == KERNEL_TRACK) {
        if (!space_named[KERNEL_TRACK]) {
            metadata("process_name", pid, tid, "kernel", 0, NULL);
            metadata("thread_name", pid, tid, "events", 0, NULL);
            space_named[KERNEL_TRACK] = true;
        }
        return;
    }
    if (!trace_thread_tracked(pid) || !trace_thread_tracked(tid))
        return;
    if (!space_named[pid]) {
        metadata("process_name", pid, pid, "space", pid, trace_thread_role(pid));
        space_named[pid] = true;
    }
    if (threads[tid].named_pid != (long) pid) {
        const char *role = trace_thread_role(tid);
        metadata("thread_name", pid, tid, role ? role : "thread", tid, NULL);
        threads[tid].named_pid = (long) pid;
    }
}

static void line_args(struct trace_text line)
{
    out_str(&buf, ",\"args\":{\"line\":\"");
    out_json(&buf, line.s, line.len);
    out_str(&buf, "\"}}");
}

static unsigned long pid_of(const struct trace_tid *t)
{
    return t->valid ? trace_space_of(t->no) : KERNEL_TRACK;
}

static unsigned long tid_of(const struct trace_tid *t)
{
    return t->valid ? t->no : KERNEL_TRACK;
}

static const struct trace_text none = {"", 0};

static void slice(unsigned long pid, unsigned long tid, uint64_t from, uint64_t to,
                  const char *name, struct trace_text extra, const char *cat,
                  struct trace_text line)
{
    name_track(pid, tid);
    begin("X", pid, tid, from);
    out_str(&buf, ",\"dur\":");
    out_us(&buf, to > from ? to - from : 0);
    name_field(name, extra);
    out_str(&buf, ",\"cat\":\"");
    out_str(&buf, cat);
    out_str(&buf, "\"");
    line_args(line);
}

static void instant(const struct trace_tid *t, uint64_t ns, const char *name,
                    struct trace_text extra, const char *cat, struct trace_text line)
{
    name_track(pid_of(t), tid_of(t));
    begin("i", pid_of(t), tid_of(t), ns);
    out_str(&buf, ",\"s\":\"t\"");
    name_field(name, extra);
    out_str(&buf, ",\"cat\":\"");
    out_str(&buf, cat);
    out_str(&buf, "\"");
    line_args(line);
}

static void flow(const char *ph, unsigned long pid, unsigned long tid, uint64_t ns)
{
    begin(ph, pid, tid, ns);
    out_str(&buf, ",\"name\":\"message\",\"cat\":\"ipc\",\"id\":");
    out_u64(&buf, flows);
    out_str(&buf, ph[0] == 'f' ? ",\"bp\":\"e\"}" : "}");
}

static void close_fault(unsigned long no, uint64_t end)
{
    struct json_thread *t = &threads[no];
    if (!t->fault_open)
        return;
    t->fault_open = false;
    slice(t->fault_pid, no, t->fault_ns, end, "pagefault", none, "memory",
          (struct trace_text){t->fault_line, t->fault_line_len});
}

/* What a thread's own new event ends: its page fault, its "just sent" state. */
static void thread_moves_on(const struct trace_line *l, uint64_t ns)
{
    struct json_thread *t = &threads[l->a.no];
    bool fault_ipc = l->kind == TK_SEND && l->b.valid && l->b.no == t->pager;
    if (t->fault_open && !fault_ipc)
        close_fault(l->a.no, ns);
    if (l->kind != TK_RECV)
        t->just_sent = false;
}

/* "send 0x1", "wait for mm": a short name built in a fixed buffer. */
static struct trace_text short_name(char *mem, size_t cap, const char *prefix,
                                    const struct trace_line *l, bool partner)
{
    struct outbuf o = {mem, cap, 0, false};
    out_str(&o, prefix);
    const char *role = l->b.valid ? trace_thread_role(l->b.no) : NULL;
    if (!partner)
        out_hex(&o, l->label);
    else if (role)
        out_str(&o, role);
    else
        out_tid(&o, &l->b);
    return (struct trace_text){mem, o.len};
}

static void on_send(const struct trace_line *l, uint64_t ns, bool tracked)
{
    char name[48];
    slice(pid_of(&l->a), tid_of(&l->a), ns, ns + SLICE_NS, "",
          short_name(name, sizeof(name), "send ", l, false), "ipc", l->whole);
    if (!tracked || !l->b.valid)
        return;
    struct json_thread *t = &threads[l->a.no];
    t->send_open = t->just_sent = true;
    t->send_to = l->b.no;
    t->send_ns = ns;
    t->send_pid = pid_of(&l->a);
}

static void on_recv(const struct trace_line *l, uint64_t ns, bool tracked)
{
    unsigned long pid = pid_of(&l->a), tid = tid_of(&l->a);
    struct json_thread *t = tracked ? &threads[l->a.no] : NULL;
    if (t && t->just_sent && l->b.valid && t->send_to == l->b.no) {
        char name[48];
        slice(pid, tid, t->send_ns + SLICE_NS, ns, "",
              short_name(name, sizeof(name), "wait for ", l, true), "ipc", l->whole);
    }
    if (t)
        t->just_sent = false;
    char name[48];
    slice(pid, tid, ns, ns + SLICE_NS, "", short_name(name, sizeof(name), "recv ", l, false), "ipc",
          l->whole);
    if (!l->b.valid || !trace_thread_tracked(l->b.no) || !tracked)
        return;
    struct json_thread *sender = &threads[l->b.no];
    if (!sender->send_open || sender->send_to != l->a.no)
        return;
    sender->send_open = false;
    flows++;
    flow("s", sender->send_pid, l->b.no, sender->send_ns + FLOW_NS);
    flow("f", pid, tid, ns + FLOW_NS);
}

static void on_pagefault(const struct trace_line *l, uint64_t ns)
{
    struct json_thread *t = &threads[l->a.no];
    t->fault_open = true;
    t->pager = l->b.valid ? l->b.no : ~0UL;
    t->fault_ns = ns;
    t->fault_pid = pid_of(&l->a);
    t->fault_line_len = l->whole.len < sizeof(t->fault_line) ? l->whole.len : sizeof(t->fault_line);
    memcpy(t->fault_line, l->whole.s, t->fault_line_len);
}

static const char *category(enum trace_kind k)
{
    switch (k) {
    case TK_SEND:
    case TK_RECV:
    case TK_TIMEOUT:
    case TK_ERROR:
        return "ipc";
    case TK_PAGEFAULT:
    case TK_MAP:
    case TK_UNMAP:
    case TK_EXCEPTION:
        return "memory";
    case TK_FAULT:
        return "fault";
    case TK_NOTE:
    case TK_LOG:
        return "note";
    default:
        return "lifecycle";
    }
}

void trace_json_event(const struct trace_line *l, uint64_t ns)
{
    if (fd < 0)
        return;
    last_ns = ns;
    bool tracked = l->a.valid && trace_thread_tracked(l->a.no);
    if (tracked)
        thread_moves_on(l, ns);
    const char *name = trace_kind_names[l->kind];
    switch (l->kind) {
    case TK_SEND:
        on_send(l, ns, tracked);
        break;
    case TK_RECV:
        on_recv(l, ns, tracked);
        break;
    case TK_PAGEFAULT:
        if (tracked)
            on_pagefault(l, ns);
        else
            instant(&l->a, ns, name, none, "memory", l->whole);
        break;
    case TK_FAULT: /* "fault ipc/send/drop" */
        instant(&l->a, ns, "fault ", l->point, "fault", l->whole);
        break;
    case TK_NOTE:
    case TK_LOG: /* the text itself is the most telling name */
        instant(&l->a, ns, "", l->rest, "note", l->whole);
        break;
    case TK_TIMEOUT:
        instant(&l->a, ns, "timeout ", l->rest, "ipc", l->whole);
        break;
    case TK_OTHER:
        instant(&l->a, ns, "", l->whole, "other", l->whole);
        break;
    default:
        instant(&l->a, ns, name, none, category(l->kind), l->whole);
        break;
    }
    flush();
}

void trace_json_close(uint64_t lines_seen)
{
    if (fd < 0)
        return;
    for (unsigned long no = 0; no < TRACE_MAX_THREADS; no++) {
        close_fault(no, last_ns + SLICE_NS); /* unanswered: open until the end */
        if (buf.len > FLUSH_AT)
            flush();
    }
    out_str(&buf, "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"source\":\"l4sim kernel trace\","
                  "\"trace_lines\":");
    out_u64(&buf, lines_seen);
    out_str(&buf, ",\"messages_with_flows\":");
    out_u64(&buf, flows);
    out_str(&buf, ",\"time\":\"trace µs; events within one µs are 10 ns apart\"}}\n");
    if (out_pwrite_all(fd, buf.mem, buf.len, file_end) != 0 ||
        ftruncate(fd, (off_t) (file_end + buf.len)) != 0 || close(fd) != 0)
        write_failed = true;
    buf.len = 0;
    if (write_failed)
        fprintf(stderr, "l4sim: writing %s failed: %s\n", file_name, strerror(errno));
    fd = -1;
}

/*
 * One kernel trace line taken apart: its time, event kind, the threads it
 * names and the fields the trace views use. Works on the public text
 * format only (src/ipc/trace.c prints it; docs/design.md describes it).
 */
#ifndef L4SIM_SIM_TRACE_LINE_H
#define L4SIM_SIM_TRACE_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum trace_kind {
    TK_BOOT,
    TK_SHUTDOWN,
    TK_THREAD_CREATE,
    TK_THREAD_START,
    TK_THREAD_HALT,
    TK_THREAD_RESUME,
    TK_THREAD_DELETE,
    TK_SPACE_CREATE,
    TK_SPACE_DELETE,
    TK_SEND,
    TK_RECV,
    TK_TIMEOUT,
    TK_ERROR,
    TK_NOTE,
    TK_PAGEFAULT,
    TK_EXCEPTION,
    TK_MAP,
    TK_UNMAP,
    TK_FAULT, /* an injected fault: "fault POINT ..." */
    TK_LOG,   /* a note from the log service (" log: "); a note for filters */
    TK_OTHER, /* a line this parser does not know: shown, never interpreted */
    TK_COUNT
};

/* The event names, as the trace prints them and filters name them. */
extern const char *const trace_kind_names[TK_COUNT];

/* A thread as a line names it: number.version, or not a global ID at all. */
struct trace_tid {
    bool valid; /* false for nil, any, local IDs or an absent field */
    unsigned long no, version;
};

/* A piece of the line (not NUL-terminated). */
struct trace_text {
    const char *s;
    size_t len;
};

struct trace_line {
    struct trace_text whole;
    uint64_t t; /* µs: virtual time in deterministic runs */
    enum trace_kind kind;
    struct trace_tid a, b;  /* the subject, and the partner or creator */
    struct trace_tid space; /* "space=N.V", if a future kernel prints it */
    bool has_label;
    uint64_t label;
    unsigned untyped, typed;
    struct trace_text point; /* fault: the fault point */
    struct trace_text addr;  /* pagefault, exception, map: w<N>+0x..; unmap: the fpage */
    int window;              /* the window of addr, or -1 */
    struct trace_text rest;  /* what follows the known fields: access, reason, note text */
};

/* Parse len bytes of line into *out. Never fails: unknown lines are TK_OTHER. */
void trace_line_parse(const char *line, size_t len, struct trace_line *out);

/* The threads a line is about: a and b when valid. */
static inline bool trace_line_names(const struct trace_line *l, unsigned long no)
{
    return (l->a.valid && l->a.no == no) || (l->b.valid && l->b.no == no);
}

#endif /* L4SIM_SIM_TRACE_LINE_H */

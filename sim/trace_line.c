/*
 * Parsing of kernel trace lines for the trace views. Runs inside the trace
 * sink, so it only reads the line: no allocation, no stdio.
 */
#include <string.h>

#include "trace_line.h"

const char *const trace_kind_names[TK_COUNT] = {
    [TK_BOOT] = "boot",
    [TK_SHUTDOWN] = "shutdown",
    [TK_THREAD_CREATE] = "thread.create",
    [TK_THREAD_START] = "thread.start",
    [TK_THREAD_HALT] = "thread.halt",
    [TK_THREAD_RESUME] = "thread.resume",
    [TK_THREAD_DELETE] = "thread.delete",
    [TK_SPACE_CREATE] = "space.create",
    [TK_SPACE_DELETE] = "space.delete",
    [TK_SEND] = "send",
    [TK_RECV] = "recv",
    [TK_TIMEOUT] = "timeout",
    [TK_ERROR] = "error",
    [TK_NOTE] = "note",
    [TK_PAGEFAULT] = "pagefault",
    [TK_EXCEPTION] = "exception",
    [TK_MAP] = "map",
    [TK_UNMAP] = "unmap",
    [TK_FAULT] = "fault",
    [TK_LOG] = "log",
    [TK_OTHER] = "other",
};

struct cursor {
    const char *p, *end;
};

/* The next space-separated token, or false at the end of the line. */
static bool next_token(struct cursor *c, struct trace_text *tok)
{
    while (c->p < c->end && *c->p == ' ')
        c->p++;
    if (c->p == c->end)
        return false;
    tok->s = c->p;
    while (c->p < c->end && *c->p != ' ')
        c->p++;
    tok->len = (size_t) (c->p - tok->s);
    return true;
}

static bool token_is(struct trace_text t, const char *word)
{
    size_t n = strlen(word);
    return t.len == n && !memcmp(t.s, word, n);
}

static bool has_prefix(struct trace_text t, const char *prefix)
{
    size_t n = strlen(prefix);
    return t.len >= n && !memcmp(t.s, prefix, n);
}

/* Digits in base 10 or 16 from *p up to end; false if there are none or too many. */
static bool parse_number(const char **p, const char *end, unsigned base, uint64_t *out)
{
    uint64_t v = 0;
    const char *start = *p;
    for (; *p < end; ++*p) {
        char ch = **p;
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = (unsigned) (ch - '0');
        else if (base == 16 && ch >= 'a' && ch <= 'f')
            d = (unsigned) (ch - 'a' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return *p > start;
}

/* A whole token that is one number after prefix (e.g. "u=" or "label=0x"). */
static bool parse_field(struct trace_text t, const char *prefix, unsigned base, uint64_t *out)
{
    if (!has_prefix(t, prefix))
        return false;
    const char *p = t.s + strlen(prefix), *end = t.s + t.len;
    return parse_number(&p, end, base, out) && p == end;
}

/* N.V, nil, any or local:0x..: false if t is no thread ID; only N.V is valid. */
static bool parse_tid(struct trace_text t, struct trace_tid *out)
{
    *out = (struct trace_tid){0};
    if (token_is(t, "nil") || token_is(t, "any") || has_prefix(t, "local:0x"))
        return true;
    const char *p = t.s, *end = t.s + t.len;
    uint64_t no, version;
    if (!parse_number(&p, end, 10, &no) || p == end || *p != '.')
        return false;
    p++;
    if (!parse_number(&p, end, 10, &version) || p != end)
        return false;
    *out = (struct trace_tid){
        .valid = true, .no = (unsigned long) no, .version = (unsigned long) version};
    return true;
}

/* w<N>+0x...: the window N; anything else: -1. */
static int window_of(struct trace_text addr)
{
    if (addr.len < 2 || addr.s[0] != 'w')
        return -1;
    const char *p = addr.s + 1, *end = addr.s + addr.len;
    uint64_t w;
    if (!parse_number(&p, end, 10, &w) || p == end || *p != '+' || w > 1u << 20)
        return -1;
    return (int) w;
}

static enum trace_kind kind_named(struct trace_text t)
{
    for (int k = 0; k < TK_LOG; k++)
        if (token_is(t, trace_kind_names[k]))
            return (enum trace_kind) k;
    return TK_OTHER;
}

/* The fields after the event name, in any order, until the free text starts. */
static void parse_fields(struct cursor *c, struct trace_line *l)
{
    bool seen_a = false, seen_b = false;
    struct trace_text tok;
    while (next_token(c, &tok)) {
        uint64_t v;
        struct trace_tid tid;
        if (!seen_a && parse_tid(tok, &tid)) {
            l->a = tid;
            seen_a = true;
        } else if ((token_is(tok, "->") || token_is(tok, "<-")) && !seen_b) {
            struct trace_text partner;
            if (next_token(c, &partner) && parse_tid(partner, &tid))
                l->b = tid;
            seen_b = true;
        } else if (seen_a && !seen_b && parse_tid(tok, &tid)) {
            l->b = tid;
            seen_b = true;
        } else if (parse_field(tok, "label=0x", 16, &v)) {
            l->has_label = true;
            l->label = v;
        } else if (parse_field(tok, "u=", 10, &v)) {
            l->untyped = (unsigned) v;
        } else if (parse_field(tok, "t=", 10, &v)) {
            l->typed = (unsigned) v;
        } else if (has_prefix(tok, "addr=") || has_prefix(tok, "fpage=")) {
            size_t skip = tok.s[0] == 'a' ? 5 : 6;
            l->addr = (struct trace_text){tok.s + skip, tok.len - skip};
            l->window = window_of(l->addr);
        } else if (has_prefix(tok, "space=") &&
                   parse_tid((struct trace_text){tok.s + 6, tok.len - 6}, &tid)) {
            l->space = tid;
        } else {
            c->p = tok.s;
            break;
        }
    }
    while (c->p < c->end && *c->p == ' ')
        c->p++;
    l->rest = (struct trace_text){c->p, (size_t) (c->end - c->p)};
}

void trace_line_parse(const char *line, size_t len, struct trace_line *out)
{
    *out = (struct trace_line){.whole = {line, len}, .kind = TK_OTHER, .window = -1};
    struct cursor c = {line, line + len};
    struct trace_text tok;
    if (!next_token(&c, &tok) || !parse_field(tok, "t=", 10, &out->t) || !next_token(&c, &tok))
        return;
    out->kind = kind_named(tok);
    if (out->kind == TK_OTHER)
        return;
    if (out->kind == TK_FAULT && next_token(&c, &tok))
        out->point = tok;
    parse_fields(&c, out);
    if (out->kind == TK_NOTE && has_prefix(out->rest, "log: "))
        out->kind = TK_LOG;
}

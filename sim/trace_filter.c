/*
 * The trace filter: parsed once before the run (where a bad one is
 * refused), matched in the trace sink against each parsed line.
 */
#include <stdio.h>
#include <string.h>

#include "trace_filter.h"
#include "trace_spaces.h"

#define BIT(k) (1u << (k))

static const struct {
    const char *name;
    uint32_t kinds;
} groups[] = {
    {"ipc", BIT(TK_SEND) | BIT(TK_RECV) | BIT(TK_TIMEOUT) | BIT(TK_ERROR)},
    {"memory", BIT(TK_PAGEFAULT) | BIT(TK_MAP) | BIT(TK_UNMAP) | BIT(TK_EXCEPTION)},
    {"thread", BIT(TK_THREAD_CREATE) | BIT(TK_THREAD_START) | BIT(TK_THREAD_HALT) |
                   BIT(TK_THREAD_RESUME) | BIT(TK_THREAD_DELETE) | BIT(TK_EXCEPTION)},
    {"space", BIT(TK_SPACE_CREATE) | BIT(TK_SPACE_DELETE)},
    {"fault", BIT(TK_FAULT)},
    {"note", BIT(TK_NOTE) | BIT(TK_LOG)}, /* a log line is a note too */
};

#define KINDS_HELP                                                                                 \
    "kinds: send recv timeout error pagefault map unmap exception fault note log\n"                \
    "thread.create thread.start thread.halt thread.resume thread.delete space.create\n"            \
    "space.delete boot shutdown; groups: ipc (send recv timeout error), memory (pagefault\n"       \
    "map unmap exception), thread (thread.* exception), space (space.*), fault (injected)"

static int bad(char *err, size_t errlen, const char *fmt, const char *term, size_t len)
{
    snprintf(err, errlen, fmt, (int) len, term);
    return -1;
}

/* A whole decimal number in s[0..len), or -1. */
static long parse_decimal(const char *s, size_t len)
{
    if (!len || len > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int parse_kind(const char *v, size_t len, uint32_t *kinds)
{
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
        if (strlen(groups[g].name) == len && !memcmp(groups[g].name, v, len)) {
            *kinds |= groups[g].kinds;
            return 0;
        }
    for (int k = 0; k < TK_OTHER; k++)
        if (strlen(trace_kind_names[k]) == len && !memcmp(trace_kind_names[k], v, len)) {
            *kinds |= BIT(k);
            return 0;
        }
    return -1;
}

static int parse_term(const char *term, size_t len, struct trace_filter *f, char *err,
                      size_t errlen)
{
    const char *eq = memchr(term, '=', len);
    if (!eq || eq == term || eq + 1 == term + len)
        return bad(err, errlen, "'%.*s' is not KEY=VALUE", term, len);
    size_t keylen = (size_t) (eq - term), vlen = len - keylen - 1;
    const char *v = eq + 1;
    if (keylen == 4 && !memcmp(term, "kind", 4)) {
        if (parse_kind(v, vlen, &f->kinds) != 0)
            return bad(err, errlen, "no event kind or group called '%.*s'\n" KINDS_HELP, v, vlen);
        return 0;
    }
    bool is_thread = keylen == 6 && !memcmp(term, "thread", 6);
    if (!is_thread && !(keylen == 5 && !memcmp(term, "space", 5)))
        return bad(err, errlen, "unknown key in '%.*s' (keys: thread, space, kind)", term, len);
    if ((is_thread ? f->threads : f->spaces) == TRACE_FILTER_TERMS)
        return bad(err, errlen, "too many terms like '%.*s' (16 per key)", term, len);
    const char *dot = is_thread ? memchr(v, '.', vlen) : NULL;
    long no = parse_decimal(v, dot ? (size_t) (dot - v) : vlen);
    long version = dot ? parse_decimal(dot + 1, vlen - (size_t) (dot - v) - 1) : 0;
    if (no < 0 || version < 0)
        return bad(err, errlen,
                   is_thread ? "'%.*s': a thread is a number N or N.V, as the trace prints it"
                             : "'%.*s': a space is named by its first thread's number N",
                   term, len);
    if (is_thread)
        f->thread[f->threads++] = (struct trace_filter_thread){
            .no = (unsigned long) no, .version = (unsigned long) version, .any_version = !dot};
    else
        f->space[f->spaces++] = (unsigned long) no;
    return 0;
}

int trace_filter_parse(const char *spec, struct trace_filter *f, char *err, size_t errlen)
{
    *f = (struct trace_filter){0};
    if (!spec)
        return 0;
    if (!*spec) {
        snprintf(err, errlen, "the filter is empty (want thread=N[.V], space=N or kind=K)");
        return -1;
    }
    for (const char *p = spec;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t) (comma - p) : strlen(p);
        if (parse_term(p, len, f, err, errlen) != 0)
            return -1;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

static bool thread_matches(const struct trace_filter *f, const struct trace_tid *t)
{
    if (!t->valid)
        return false;
    for (unsigned i = 0; i < f->threads; i++)
        if (f->thread[i].no == t->no &&
            (f->thread[i].any_version || f->thread[i].version == t->version))
            return true;
    return false;
}

static bool space_listed(const struct trace_filter *f, unsigned long space)
{
    for (unsigned i = 0; i < f->spaces; i++)
        if (f->space[i] == space)
            return true;
    return false;
}

static bool space_matches(const struct trace_filter *f, const struct trace_line *l)
{
    if (l->a.valid && space_listed(f, trace_space_of(l->a.no)))
        return true;
    if (l->b.valid && space_listed(f, trace_space_of(l->b.no)))
        return true;
    long gone = trace_space_deleted();
    return gone >= 0 && space_listed(f, (unsigned long) gone);
}

bool trace_filter_match(const struct trace_filter *f, const struct trace_line *l)
{
    if (f->kinds && !(f->kinds & BIT(l->kind)))
        return false;
    if (f->threads && !thread_matches(f, &l->a) && !thread_matches(f, &l->b))
        return false;
    return !f->spaces || space_matches(f, l);
}

/*
 * The trace seam: every kernel event becomes one line of text in a stable
 * format, hashed in order and handed to the configured sinks. It formats
 * without stdio or malloc because the page-fault path runs in a signal
 * handler.
 */
#include <string.h>
#include <unistd.h>

#include "faults.h"
#include "kernel.h"
#include "memory.h"

static struct klock trace_lock;
static bool trace_on;
static uint64_t hash;   /* guarded by trace_lock */
static uint64_t events; /* guarded by trace_lock */

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static const char *const kind_names[] = {
    [TR_BOOT] = "boot",
    [TR_SHUTDOWN] = "shutdown",
    [TR_THREAD_CREATE] = "thread.create",
    [TR_THREAD_START] = "thread.start",
    [TR_THREAD_HALT] = "thread.halt",
    [TR_THREAD_RESUME] = "thread.resume",
    [TR_THREAD_DELETE] = "thread.delete",
    [TR_SPACE_CREATE] = "space.create",
    [TR_SPACE_DELETE] = "space.delete",
    [TR_SEND] = "send",
    [TR_RECV] = "recv",
    [TR_TIMEOUT] = "timeout",
    [TR_ERROR] = "error",
    [TR_NOTE] = "note",
    [TR_PAGEFAULT] = "pagefault",
    [TR_EXCEPTION] = "exception",
    [TR_MAP] = "map",
    [TR_UNMAP] = "unmap",
};

struct line {
    char buf[256];
    size_t len;
};

static void put_str(struct line *l, const char *s)
{
    while (*s && l->len < sizeof(l->buf) - 1)
        l->buf[l->len++] = *s++;
}

static void put_uint(struct line *l, uint64_t v, unsigned base)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n && l->len < sizeof(l->buf) - 1)
        l->buf[l->len++] = tmp[--n];
}

/* Thread IDs print as number.version, e.g. 34.1; nil and any by name. */
static void put_tid(struct line *l, word_t id)
{
    if (id == ID_NIL) {
        put_str(l, "nil");
    } else if (id == ID_ANY) {
        put_str(l, "any");
    } else if (!id_is_global(id)) {
        put_str(l, "local:0x");
        put_uint(l, id, 16);
    } else {
        put_uint(l, id_threadno(id), 10);
        put_str(l, ".");
        put_uint(l, id_version(id), 10);
    }
}

/*
 * Addresses in windows print as w<window>+0x<offset> (w0 is the physical
 * window): the host places the reservation anywhere, and traces of the
 * same run must be byte-identical.
 */
static void put_addr(struct line *l, word_t addr)
{
    struct space *s = window_owner(addr);
    if (!s || !s->win_size) {
        put_str(l, "0x");
        put_uint(l, addr, 16);
        return;
    }
    put_str(l, "w");
    put_uint(l, s->win_index, 10);
    put_str(l, "+0x");
    put_uint(l, addr - s->win_base, 16);
}

bool trace_enabled(void)
{
    return trace_on;
}

static void emit(struct line *l)
{
    klock_acquire(&trace_lock);
    uint64_t h = hash;
    for (size_t i = 0; i < l->len; i++)
        h = (h ^ (unsigned char) l->buf[i]) * FNV_PRIME;
    hash = (h ^ '\n') * FNV_PRIME;
    __atomic_store_n(&events, events + 1, __ATOMIC_RELAXED); /* read unlocked by after= */
    if (kernel.cfg.trace_sink)
        kernel.cfg.trace_sink(l->buf, l->len, kernel.cfg.trace_ctx);
    if (kernel.cfg.trace_fd >= 0) {
        l->buf[l->len] = '\n';
        ssize_t ignored = write(kernel.cfg.trace_fd, l->buf, l->len + 1);
        (void) ignored; /* a full pipe or closed descriptor must not stop the kernel */
    }
    klock_release(&trace_lock);
}

/*
 * Format: "t=<µs> <event> <thread> [<arrow> <thread>] [label=0x.. u=.. t=..] [note]".
 * Sends and receives name both partners and the message tag.
 */
void trace_event(enum trace_kind kind, word_t a, word_t b, word_t tag, const char *note)
{
    if (!trace_on)
        return;
    struct line l = {.len = 0};
    put_str(&l, "t=");
    put_uint(&l, clock_now_us(), 10);
    put_str(&l, " ");
    put_str(&l, kind_names[kind]);
    if (a != ID_NIL) {
        put_str(&l, " ");
        put_tid(&l, a);
    }
    if (kind == TR_SEND || kind == TR_RECV) {
        put_str(&l, kind == TR_SEND ? " -> " : " <- ");
        put_tid(&l, b);
        put_str(&l, " label=0x");
        put_uint(&l, tag >> 16, 16);
        put_str(&l, " u=");
        put_uint(&l, tag & 0x3f, 10);
        put_str(&l, " t=");
        put_uint(&l, (tag >> 6) & 0x3f, 10);
    } else if (kind == TR_PAGEFAULT || kind == TR_EXCEPTION || kind == TR_MAP) {
        put_str(&l, kind == TR_MAP ? " <- " : " -> ");
        put_tid(&l, b);
        put_str(&l, " addr=");
        put_addr(&l, tag);
    } else if (kind == TR_UNMAP) {
        put_str(&l, " fpage=");
        put_addr(&l, tag & ~0x3ffUL);
        put_str(&l, "/");
        put_uint(&l, (tag >> 4) & 0x3f, 10);
    } else if (b != ID_NIL) {
        put_str(&l, " ");
        put_tid(&l, b);
    }
    if (note) {
        put_str(&l, " ");
        put_str(&l, note);
    }
    emit(&l);
}

void trace_fault(const char *point, word_t a, word_t b, word_t label, bool has_label,
                 const char *detail)
{
    if (!trace_on)
        return;
    struct line l = {.len = 0};
    put_str(&l, "t=");
    put_uint(&l, clock_now_us(), 10);
    put_str(&l, " fault ");
    put_str(&l, point);
    if (a != ID_NIL) {
        put_str(&l, " ");
        put_tid(&l, a);
    }
    if (b != ID_NIL) {
        put_str(&l, " -> ");
        put_tid(&l, b);
    }
    if (has_label) {
        put_str(&l, " label=0x");
        put_uint(&l, label, 16);
    }
    if (detail) {
        put_str(&l, " ");
        put_str(&l, detail);
    }
    emit(&l);
}

void trace_boot(const struct l4sim_config *cfg)
{
    hash = FNV_OFFSET;
    events = 0;
    /* Deterministic runs are hashed even when nobody reads the lines; so
     * are runs with faults, whose after= counts these events. */
    trace_on = cfg->trace_fd >= 0 || cfg->trace_sink != NULL || cfg->deterministic || faults_armed;
}

void trace_shutdown(void)
{
    trace_on = false;
}

uint64_t trace_hash(void)
{
    return hash;
}

uint64_t trace_count(void)
{
    return __atomic_load_n(&events, __ATOMIC_RELAXED);
}

/*
 * Moving a message from a sender's UTCB to a receiver's. String items are
 * copied with process_vm_writev on our own process, so a bad address gives
 * an error instead of a fault inside the kernel.
 */
#define _GNU_SOURCE
#include <sys/uio.h>
#include <unistd.h>

#include "faults.h"
#include "memory.h"
#include "message.h"

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_MEMCHECK_H 1
#endif

#define TAG_U(tag) ((unsigned) ((tag) &0x3f))
#define TAG_T(tag) ((unsigned) (((tag) >> 6) & 0x3f))

#define ITEM_TYPE(w)       (((w) >> 1) & 7)
#define ITEM_IS_STRING(w)  ((ITEM_TYPE(w) & 4) == 0)
#define ITEM_MAP           4
#define ITEM_GRANT         5
#define STRING_PARTS(w)    ((((w) >> 4) & 0x1f) + 1)
#define STRING_LENGTH(w)   ((w) >> 10)
#define ITEM_CONTINUES(w)  ((w) &1)
#define ACCEPTS_STRINGS(a) ((a) &1)

#define STRING_COMPOUND(w) (((w) >> 9) & 1) /* the next header continues this string */
#define MAX_SEGMENTS       64

/* One logical string: the substrings of every header its compound bits chain. */
struct segments {
    struct iovec v[MAX_SEGMENTS];
    unsigned n;
    word_t total;
};

/*
 * Read the string whose first header is words[i], stopping before words[end].
 * Returns the number of words it takes, or 0 if it is malformed (runs past
 * end, not a string header, a buffer address of 0).
 */
static unsigned string_chain(const unsigned long *words, unsigned i, unsigned end, bool is_buffer,
                             struct segments *s)
{
    unsigned start = i;
    s->n = 0;
    s->total = 0;
    for (;;) {
        if (i >= end || !ITEM_IS_STRING(words[i]))
            return 0;
        word_t w = words[i];
        unsigned parts = STRING_PARTS(w);
        if (i + parts >= end || s->n + parts > MAX_SEGMENTS)
            return 0;
        for (unsigned k = 0; k < parts; k++) {
            void *p = (void *) words[i + 1 + k];
            if (is_buffer && !p && STRING_LENGTH(w))
                return 0;
            s->v[s->n].iov_base = p;
            s->v[s->n++].iov_len = STRING_LENGTH(w);
            s->total += STRING_LENGTH(w);
        }
        i += 1 + parts;
        if (!STRING_COMPOUND(w))
            return i - start;
    }
}

/* Fault in every page of the segments that lies in self's window. */
static bool prefault_segments(struct tcb *self, const struct segments *s, unsigned access,
                              unsigned xfer_timeout)
{
    for (unsigned k = 0; k < s->n; k++) {
        word_t lo = (word_t) s->v[k].iov_base, len = s->v[k].iov_len;
        for (word_t page = lo & ~(PAGE_SIZE - 1); len && page < lo + len; page += PAGE_SIZE) {
            if (!window_contains(self->space, page, PAGE_SIZE))
                continue;
            if ((mem_rights_at(self->space, page) & access) != access &&
                !fault_resolve(self, page, access, xfer_timeout))
                return false;
        }
    }
    return true;
}

word_t message_prefault(struct tcb *self, bool sending)
{
    struct l4sim_utcb *u = self->utcb;
    struct segments s;
    if (sending) {
        word_t tag = u->mr[0];
        unsigned i = TAG_U(tag) + 1, end = TAG_U(tag) + TAG_T(tag) + 1;
        while (i < end) {
            if (!ITEM_IS_STRING(u->mr[i])) {
                i += 2;
                continue;
            }
            unsigned words = string_chain(u->mr, i, end, false, &s);
            if (!words)
                return 0; /* message_check reports it */
            if (!prefault_segments(self, &s, RIGHT_R, (unsigned) (u->xfer_timeouts >> 16)))
                return IPCERR_XFER_INVOKER | IPCERR_SEND;
            i += words;
        }
        return 0;
    }
    if (!ACCEPTS_STRINGS(u->br[0]))
        return 0;
    bool more = true;
    for (unsigned br = 1; more && br < L4SIM_NUM_BRS;) {
        unsigned words = string_chain(u->br, br, L4SIM_NUM_BRS, true, &s);
        if (!words)
            break;
        more = ITEM_CONTINUES(u->br[br]);
        if (!prefault_segments(self, &s, RIGHT_W, (unsigned) u->xfer_timeouts))
            return IPCERR_XFER_INVOKER | IPCERR_RECV;
        br += words;
    }
    return 0;
}

static word_t with_offset(word_t err, word_t offset)
{
    return err | (offset << 4);
}

word_t message_check(const struct l4sim_utcb *src)
{
    word_t tag = src->mr[0];
    unsigned u = TAG_U(tag), t = TAG_T(tag);
    if (u + t > L4SIM_NUM_MRS - 1)
        return IPCERR_OVERFLOW | IPCERR_SEND;
    unsigned i = u + 1, end = u + t + 1;
    while (i < end) {
        word_t w = src->mr[i];
        unsigned type = ITEM_TYPE(w);
        if (ITEM_IS_STRING(w)) {
            struct segments s;
            unsigned words = string_chain(src->mr, i, end, false, &s);
            if (!words || s.total > MAX_STRING_BYTES)
                return IPCERR_OVERFLOW | IPCERR_SEND;
            i += words;
        } else if (type == ITEM_MAP || type == ITEM_GRANT) {
            i += 2;
        } else {
            return IPCERR_OVERFLOW | IPCERR_SEND;
        }
    }
    return i == end ? 0 : IPCERR_OVERFLOW | IPCERR_SEND;
}

static void *byte_at(const struct iovec *iov, unsigned n, word_t offset)
{
    for (unsigned k = 0; k < n; k++) {
        if (offset < iov[k].iov_len)
            return (char *) iov[k].iov_base + offset;
        offset -= iov[k].iov_len;
    }
    return NULL;
}

static bool readable(void *p)
{
    char c;
    struct iovec local = {&c, 1}, remote = {p, 1};
    return p && process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == 1;
}

static struct xfer_result overflow(word_t copied)
{
    struct xfer_result r = {with_offset(IPCERR_OVERFLOW | IPCERR_SEND, copied),
                            with_offset(IPCERR_OVERFLOW | IPCERR_RECV, copied)};
    return r;
}

/*
 * A map or grant item: the receiver must accept mappings (a receive window
 * in BR0), and the target must lie in its window. Pages the sender lacks
 * are skipped, as in X.2.
 */
static bool map_item(struct tcb *from, struct tcb *to, word_t item, word_t fpage)
{
    word_t rcv_window = to->utcb->br[0] & ~0xfUL;
    if (!rcv_window)
        return false;
    bool grant = ITEM_TYPE(item) == ITEM_GRANT, mapped;
    enum mem_error e = mem_map_fpage(from->space, fpage, item & ~0x3ffUL, to->space, rcv_window,
                                     grant, to->fault_page, &to->fault_rights, &mapped);
    if (e != MEM_OK) {
        trace_event(TR_NOTE, to->id, from->id, 0,
                    e == MEM_OUTSIDE      ? "map refused: target outside the receiver's window"
                    : e == MEM_MAP_BUDGET ? "map refused: host mapping budget exhausted"
                    : e == MEM_HOST       ? "map refused: the host has no mappings left"
                                          : "map refused: mapping database full");
        return false;
    }
    if (mapped)
        trace_event(TR_MAP, to->id, from->id, fpage_base(fpage), grant ? "grant" : "map");
    return true;
}

/*
 * Memcheck does not see process_vm_writev write into our own process, so
 * bytes a string copy delivered would look uninitialised to the receiver.
 * Mark them defined (even where the sender's were not: a small loss of
 * precision, against false reports in every receiver).
 */
static void mark_delivered(const struct segments *to, word_t bytes)
{
#ifdef HAVE_MEMCHECK_H
    for (unsigned k = 0; k < to->n && bytes > 0; k++) {
        word_t n = to->v[k].iov_len < bytes ? to->v[k].iov_len : bytes;
        VALGRIND_MAKE_MEM_DEFINED(to->v[k].iov_base, n);
        bytes -= n;
    }
#else
    (void) to;
    (void) bytes;
#endif
}

/* ipc/string/truncate: only the first bytes of the string go across. */
static __attribute__((noinline)) void truncate_string(struct tcb *src, struct tcb *dst, word_t tag,
                                                      struct segments *from)
{
    struct fault_site site = {src, dst->id, tag >> 16, true};
    struct fault_shot shot;
    if (!fault_fires(FP_IPC_STRING_TRUNCATE, &site, FAULT_TRACE_LATER, &shot))
        return;
    word_t keep = shot.arg && shot.arg < from->total ? shot.arg : from->total / 2;
    char detail[64];
    fault_detail(detail, sizeof(detail), "kept", keep, "of", from->total, false);
    fault_trace(FP_IPC_STRING_TRUNCATE, &site, detail);
    word_t left = keep;
    for (unsigned k = 0; k < from->n; k++) {
        if (from->v[k].iov_len > left)
            from->v[k].iov_len = left;
        left -= from->v[k].iov_len;
    }
    from->total = keep;
}

struct xfer_result message_copy(struct tcb *src_tcb, struct tcb *dst_tcb)
{
    const struct l4sim_utcb *src = src_tcb->utcb;
    struct l4sim_utcb *dst = dst_tcb->utcb;
    struct xfer_result r = {0, 0};
    word_t tag = src->mr[0];
    unsigned u = TAG_U(tag), t = TAG_T(tag);

    dst->mr[0] = tag & ~TAG_FLAGS_MASK;
    for (unsigned i = 1; i <= u + t; i++)
        dst->mr[i] = src->mr[i];
    if (t == 0)
        return r;

    bool more_buffers = ACCEPTS_STRINGS(dst->br[0]);
    unsigned br = 1;
    word_t copied = 0;
    for (unsigned i = u + 1; i <= u + t;) {
        word_t w = src->mr[i];
        if (!ITEM_IS_STRING(w)) {
            if (!map_item(src_tcb, dst_tcb, w, src->mr[i + 1]))
                return overflow(copied);
            i += 2;
            continue;
        }

        struct segments from, to;
        unsigned words = string_chain(src->mr, i, u + t + 1, false, &from), buffer_words = 0;
        if (more_buffers)
            buffer_words = string_chain(dst->br, br, L4SIM_NUM_BRS, true, &to);
        if (!buffer_words || from.total > to.total)
            return overflow(copied);
        more_buffers = ITEM_CONTINUES(dst->br[br]); /* the first header says if a buffer follows */
        if (__builtin_expect(faults_armed, 0) && from.total > 1)
            truncate_string(src_tcb, dst_tcb, tag, &from);
        br += buffer_words;
        ssize_t done = from.total ? process_vm_writev(getpid(), from.v, from.n, to.v, to.n, 0) : 0;
        if (done < 0 || (word_t) done != from.total) {
            /* The copy stopped at byte `good`: blame the sender if that
             * byte of its string cannot be read, the receiver otherwise. */
            word_t good = done > 0 ? (word_t) done : 0;
            bool sender_bad = !readable(byte_at(from.v, from.n, good));
            word_t on_sender = sender_bad ? IPCERR_XFER_INVOKER : IPCERR_XFER_PARTNER;
            word_t on_receiver = sender_bad ? IPCERR_XFER_PARTNER : IPCERR_XFER_INVOKER;
            r.send_error = with_offset(on_sender | IPCERR_SEND, copied + good);
            r.recv_error = with_offset(on_receiver | IPCERR_RECV, copied + good);
            return r;
        }
        mark_delivered(&to, from.total);
        copied += from.total;
        /* The receiver learns how much arrived (the first header's length
         * becomes the string's total) and where: each substring pointer
         * becomes the address its first byte landed at. */
        dst->mr[i] = (dst->mr[i] & 0x3ffUL) | (from.total << 10);
        word_t offset = 0;
        for (unsigned k = i, seg = 0; k < i + words; k += 1 + STRING_PARTS(src->mr[k]))
            for (unsigned p = 0; p < STRING_PARTS(src->mr[k]); p++, seg++) {
                dst->mr[k + 1 + p] = (word_t) byte_at(to.v, to.n, offset);
                offset += from.v[seg].iov_len;
            }
        i += words;
    }
    return r;
}

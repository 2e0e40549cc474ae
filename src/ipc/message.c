/*
 * Moving a message from a sender's UTCB to a receiver's. String items are
 * copied with process_vm_writev on our own process, so a bad address gives
 * an error instead of a fault inside the kernel.
 */
#define _GNU_SOURCE
#include <sys/uio.h>
#include <unistd.h>

#include "memory.h"
#include "message.h"

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

/* Words taken by the typed item starting with word w. */
static unsigned item_words(word_t w)
{
    if (ITEM_IS_STRING(w))
        return 1 + STRING_PARTS(w);
    return 2;
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
        if (!ITEM_IS_STRING(w) && type != ITEM_MAP && type != ITEM_GRANT)
            return IPCERR_OVERFLOW | IPCERR_SEND;
        if (ITEM_IS_STRING(w) && STRING_LENGTH(w) * STRING_PARTS(w) > MAX_STRING_BYTES)
            return IPCERR_OVERFLOW | IPCERR_SEND;
        i += item_words(w);
    }
    if (i != end)
        return IPCERR_OVERFLOW | IPCERR_SEND;
    return 0;
}

/* The receiver's next buffer string, starting at BR *br; false if none. */
static bool next_buffer(const struct l4sim_utcb *dst, unsigned *br, bool *more, struct iovec *iov,
                        unsigned *n_iov, word_t *capacity)
{
    if (!*more || *br >= L4SIM_NUM_BRS)
        return false;
    word_t w = dst->br[*br];
    unsigned parts = STRING_PARTS(w);
    if (!ITEM_IS_STRING(w) || *br + parts >= L4SIM_NUM_BRS)
        return false;
    word_t len = STRING_LENGTH(w);
    *capacity = 0;
    for (unsigned k = 0; k < parts; k++) {
        iov[k].iov_base = (void *) dst->br[*br + 1 + k];
        iov[k].iov_len = len;
        if (len && !iov[k].iov_base)
            return false;
        *capacity += len;
    }
    *n_iov = parts;
    *more = ITEM_CONTINUES(w);
    *br += 1 + parts;
    return true;
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
    enum mem_error e =
        mem_map_fpage(from->space, fpage, item & ~0x3ffUL, to->space, rcv_window, grant, &mapped);
    if (e != MEM_OK) {
        trace_event(TR_NOTE, to->id, from->id, 0,
                    e == MEM_OUTSIDE      ? "map refused: target outside the receiver's window"
                    : e == MEM_MAP_BUDGET ? "map refused: host mapping budget exhausted"
                                          : "map refused: mapping database full");
        return false;
    }
    if (mapped)
        trace_event(TR_MAP, to->id, from->id, fpage_base(fpage), grant ? "grant" : "map");
    return true;
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
    for (unsigned i = u + 1; i <= u + t; i += item_words(src->mr[i])) {
        word_t w = src->mr[i];
        if (!ITEM_IS_STRING(w)) {
            if (!map_item(src_tcb, dst_tcb, w, src->mr[i + 1]))
                return overflow(copied);
            continue;
        }

        struct iovec from[32], to[32];
        unsigned n_from = STRING_PARTS(w), n_to = 0;
        word_t len = STRING_LENGTH(w), total = len * n_from, capacity = 0;
        for (unsigned k = 0; k < n_from; k++) {
            from[k].iov_base = (void *) src->mr[i + 1 + k];
            from[k].iov_len = len;
        }
        if (!next_buffer(dst, &br, &more_buffers, to, &n_to, &capacity) || total > capacity)
            return overflow(copied);
        ssize_t done = total ? process_vm_writev(getpid(), from, n_from, to, n_to, 0) : 0;
        if (done < 0 || (word_t) done != total) {
            /* The copy stopped at byte `good`: blame the sender if that
             * byte of its string cannot be read, the receiver otherwise. */
            word_t good = done > 0 ? (word_t) done : 0;
            bool sender_bad = !readable(byte_at(from, n_from, good));
            word_t on_sender = sender_bad ? IPCERR_XFER_INVOKER : IPCERR_XFER_PARTNER;
            word_t on_receiver = sender_bad ? IPCERR_XFER_PARTNER : IPCERR_XFER_INVOKER;
            r.send_error = with_offset(on_sender | IPCERR_SEND, copied + good);
            r.recv_error = with_offset(on_receiver | IPCERR_RECV, copied + good);
            return r;
        }
        copied += total;
        /* Describe the received string in the receiver's buffer. */
        dst->mr[i] = (total << 10) | (w & 1);
        for (unsigned k = 0; k < n_from; k++)
            dst->mr[i + 1 + k] = k < n_to ? (word_t) to[k].iov_base : 0;
    }
    return r;
}

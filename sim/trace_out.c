/*
 * The trace views' text building: fixed buffers, own number formatting,
 * escaping for JSON and mscgen, and write(2). Nothing here allocates.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "trace_out.h"

void out_mem(struct outbuf *o, const char *s, size_t len)
{
    size_t room = o->cap - o->len;
    if (len > room) {
        len = room;
        o->cut = true;
    }
    memcpy(o->mem + o->len, s, len);
    o->len += len;
}

void out_str(struct outbuf *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

void out_text(struct outbuf *o, struct trace_text t)
{
    out_mem(o, t.s, t.len);
}

static void out_base(struct outbuf *o, uint64_t v, unsigned base)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    char text[24];
    for (int i = 0; i < n; i++)
        text[i] = digits[n - 1 - i];
    out_mem(o, text, (size_t) n);
}

void out_u64(struct outbuf *o, uint64_t v)
{
    out_base(o, v, 10);
}

void out_hex(struct outbuf *o, uint64_t v)
{
    out_str(o, "0x");
    out_base(o, v, 16);
}

void out_tid(struct outbuf *o, const struct trace_tid *t)
{
    if (!t->valid) {
        out_str(o, "nil");
        return;
    }
    out_u64(o, t->no);
    out_str(o, ".");
    out_u64(o, t->version);
}

void out_us(struct outbuf *o, uint64_t ns)
{
    out_u64(o, ns / 1000);
    char frac[4] = {'.', (char) ('0' + ns / 100 % 10), (char) ('0' + ns / 10 % 10),
                    (char) ('0' + ns % 10)};
    out_mem(o, frac, sizeof(frac));
}

/* The length of the UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_length(const unsigned char *s, size_t left)
{
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (!n || s[0] > 0xf4 || n > left)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

void out_json(struct outbuf *o, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *) s;
    for (size_t i = 0; i < len; i++) {
        if (u[i] == '"' || u[i] == '\\') {
            char esc[2] = {'\\', (char) u[i]};
            out_mem(o, esc, 2);
        } else if (u[i] < 0x20 || u[i] == 0x7f) {
            char esc[6] = {
                '\\', 'u', '0', '0', "0123456789abcdef"[u[i] >> 4], "0123456789abcdef"[u[i] & 15]};
            out_mem(o, esc, 6);
        } else if (u[i] < 0x80) {
            out_mem(o, s + i, 1);
        } else {
            size_t n = utf8_length(u + i, len - i);
            if (n && o->cap - o->len < n) {
                o->cut = true; /* never half a character: the JSON must stay valid */
                return;
            }
            out_mem(o, n ? s + i : "?", n ? n : 1);
            if (n)
                i += n - 1;
        }
    }
}

void out_msc(struct outbuf *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '"' || c == '\\')
            out_mem(o, "\\", 1);
        out_mem(o, c >= 0x20 && c < 0x7f ? &c : "?", 1);
    }
}

int out_write_all(int fd, const char *s, size_t len)
{
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        s += n;
        len -= (size_t) n;
    }
    return 0;
}

int out_pwrite_all(int fd, const char *s, size_t len, uint64_t offset)
{
    while (len) {
        ssize_t n = pwrite(fd, s, len, (off_t) offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        s += n;
        len -= (size_t) n;
        offset += (uint64_t) n;
    }
    return 0;
}

void out_flush(struct outbuf *o, int fd)
{
    int saved = errno; /* the sink may interrupt code that reads errno */
    if (fd >= 0)
        out_write_all(fd, o->mem, o->len);
    o->len = 0;
    errno = saved;
}

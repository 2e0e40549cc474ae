/*
 * Formatted output for images: one formatter (rt_format) that hands each
 * piece to an emitter, behind snprintf (into a buffer) and printf (onto
 * the console). Only the conversions l4rt.h lists; no floating point.
 */
#include "rt.h"

struct spec {
    bool left;  /* '-': pad on the right */
    bool zero;  /* '0': pad numbers with zeros */
    int width;  /* minimum field width */
    int prec;   /* %s: at most this many bytes; -1 none */
    int length; /* 0 int, 1 long, 2 long long, 3 size_t, -1 short */
};

struct out {
    void (*emit)(void *ctx, const char *s, size_t n);
    void *ctx;
    int count;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (n) {
        o->emit(o->ctx, s, n);
        o->count += (int) n;
    }
}

static void pad(struct out *o, char c, int n)
{
    char buf[16];
    for (int i = 0; i < (int) sizeof(buf); i++)
        buf[i] = c;
    while (n > 0) {
        int k = n < (int) sizeof(buf) ? n : (int) sizeof(buf);
        put(o, buf, (size_t) k);
        n -= k;
    }
}

/* A field of n bytes at s, padded to the spec's width. */
static void field(struct out *o, const struct spec *sp, const char *s, size_t n)
{
    int fill = sp->width > (int) n ? sp->width - (int) n : 0;
    if (!sp->left)
        pad(o, ' ', fill);
    put(o, s, n);
    if (sp->left)
        pad(o, ' ', fill);
}

static void number(struct out *o, const struct spec *sp, unsigned long long v, bool negative,
                   unsigned base, bool upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int n = 0;
    do {
        buf[sizeof(buf) - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    size_t plen = strlen(prefix) + (negative ? 1 : 0);
    int fill = sp->width > n + (int) plen ? sp->width - n - (int) plen : 0;
    if (!sp->left && !sp->zero)
        pad(o, ' ', fill);
    if (negative)
        put(o, "-", 1);
    put(o, prefix, strlen(prefix));
    if (!sp->left && sp->zero)
        pad(o, '0', fill);
    put(o, buf + sizeof(buf) - n, (size_t) n);
    if (sp->left)
        pad(o, ' ', fill);
}

static unsigned long long unsigned_arg(const struct spec *sp, va_list *ap)
{
    switch (sp->length) {
    case 1:
        return va_arg(*ap, unsigned long);
    case 2:
        return va_arg(*ap, unsigned long long);
    case 3:
        return va_arg(*ap, size_t);
    case -1:
        return (unsigned short) va_arg(*ap, unsigned);
    default:
        return va_arg(*ap, unsigned);
    }
}

static long long signed_arg(const struct spec *sp, va_list *ap)
{
    switch (sp->length) {
    case 1:
        return va_arg(*ap, long);
    case 2:
        return va_arg(*ap, long long);
    case 3:
        return (long long) va_arg(*ap, size_t);
    case -1:
        return (short) va_arg(*ap, int);
    default:
        return va_arg(*ap, int);
    }
}

/* Flags, width, precision and length after a '%'; returns the conversion. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){.prec = -1};
    for (;; f++) {
        if (*f == '-')
            sp->left = true;
        else if (*f == '0')
            sp->zero = true;
        else
            break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = true;
            sp->width = -sp->width;
        }
        f++;
    } else {
        while (*f >= '0' && *f <= '9')
            sp->width = sp->width * 10 + (*f++ - '0');
    }
    if (*f == '.') {
        f++;
        sp->prec = 0;
        if (*f == '*') {
            sp->prec = va_arg(*ap, int);
            f++;
        } else {
            while (*f >= '0' && *f <= '9')
                sp->prec = sp->prec * 10 + (*f++ - '0');
        }
    }
    if (*f == 'l') {
        sp->length = 1;
        if (*++f == 'l') {
            sp->length = 2;
            f++;
        }
    } else if (*f == 'z') {
        sp->length = 3;
        f++;
    } else if (*f == 'h') {
        sp->length = -1;
        f++;
    }
    return f;
}

static void convert(struct out *o, const struct spec *sp, char c, va_list *ap)
{
    switch (c) {
    case 'd':
    case 'i': {
        long long v = signed_arg(sp, ap);
        unsigned long long mag = v < 0 ? 0ULL - (unsigned long long) v : (unsigned long long) v;
        number(o, sp, mag, v < 0, 10, false, "");
        break;
    }
    case 'u':
        number(o, sp, unsigned_arg(sp, ap), false, 10, false, "");
        break;
    case 'x':
    case 'X':
        number(o, sp, unsigned_arg(sp, ap), false, 16, c == 'X', "");
        break;
    case 'p':
        number(o, sp, (unsigned long) va_arg(*ap, void *), false, 16, false, "0x");
        break;
    case 's': {
        const char *s = va_arg(*ap, const char *);
        if (!s)
            s = "(null)";
        field(o, sp, s, sp->prec >= 0 ? strnlen(s, (size_t) sp->prec) : strlen(s));
        break;
    }
    case 'c': {
        char ch = (char) va_arg(*ap, int);
        field(o, sp, &ch, 1);
        break;
    }
    default: /* '%', or one we do not know: shown as it is */
        put(o, &c, 1);
        break;
    }
}

int rt_format(void (*emit)(void *ctx, const char *s, size_t n), void *ctx, const char *fmt,
              va_list ap)
{
    struct out o = {emit, ctx, 0};
    va_list args;
    va_copy(args, ap);
    while (*fmt) {
        const char *plain = fmt;
        while (*fmt && *fmt != '%')
            fmt++;
        put(&o, plain, (size_t) (fmt - plain));
        if (!*fmt)
            break;
        struct spec sp;
        fmt = parse_spec(fmt + 1, &sp, &args);
        if (!*fmt)
            break; /* a lone '%' at the end */
        convert(&o, &sp, *fmt++, &args);
    }
    va_end(args);
    return o.count;
}

/* ------------------------------------------------------------ buffers */

struct buffer {
    char *buf;
    size_t size, used; /* used may exceed size: the rest is counted, not stored */
};

static void to_buffer(void *ctx, const char *s, size_t n)
{
    struct buffer *b = ctx;
    for (size_t i = 0; i < n; i++, b->used++)
        if (b->used + 1 < b->size)
            b->buf[b->used] = s[i];
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer b = {buf, size, 0};
    int n = rt_format(to_buffer, &b, fmt, ap);
    if (size)
        buf[b.used < size ? b.used : size - 1] = 0;
    return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* ------------------------------------------------------------ console */

static void to_console(void *ctx, const char *s, size_t n)
{
    (void) ctx;
    rt_console_put(s, n);
}

int vprintf(const char *fmt, va_list ap)
{
    rt_console_lock();
    int n = rt_format(to_console, NULL, fmt, ap);
    rt_console_unlock();
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

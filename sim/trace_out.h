/*
 * Text building for the trace views inside the trace sink: fixed buffers
 * and write(2) only, because the sink may run in a SIGSEGV handler with
 * the kernel's trace lock held, where malloc and stdio are not allowed.
 */
#ifndef L4SIM_SIM_TRACE_OUT_H
#define L4SIM_SIM_TRACE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_line.h"

/* A buffer of fixed size; what does not fit is cut off (and noted in cut). */
struct outbuf {
    char *mem;
    size_t cap, len;
    bool cut;
};

void out_mem(struct outbuf *o, const char *s, size_t len);
void out_str(struct outbuf *o, const char *s);
void out_text(struct outbuf *o, struct trace_text t);
void out_u64(struct outbuf *o, uint64_t v);
void out_hex(struct outbuf *o, uint64_t v); /* 0x... */
void out_tid(struct outbuf *o, const struct trace_tid *t);
/* Nanoseconds as microseconds with three decimals, as Chrome's ts wants. */
void out_us(struct outbuf *o, uint64_t ns);
/* s inside a JSON string: quotes, backslashes and control bytes escaped,
 * bytes that are not UTF-8 replaced by '?'. */
void out_json(struct outbuf *o, const char *s, size_t len);
/* s inside an mscgen label: printable ASCII only, quotes escaped. */
void out_msc(struct outbuf *o, const char *s, size_t len);

/* Write the whole buffer to fd (retrying short writes) and empty it. */
void out_flush(struct outbuf *o, int fd);
/* Write len bytes to fd, retrying short writes; -1 on an error. */
int out_write_all(int fd, const char *s, size_t len);
/* The same at a file offset. */
int out_pwrite_all(int fd, const char *s, size_t len, uint64_t offset);

#endif /* L4SIM_SIM_TRACE_OUT_H */

/*
 * What every server that serves generated files shares: building the
 * text one formatted piece at a time, and the file protocol's seek rule.
 */
#ifndef ROOT_GENFILE_H
#define ROOT_GENFILE_H

#include <stddef.h>

#include <l4/types.h>

/* Text being built in buf (cap bytes); len never reaches cap, so it stays NUL-terminated. */
struct gentext {
    char *buf;
    size_t cap, len;
};

/* Append formatted text; a full buffer only cuts the text short. */
void gentext_put(struct gentext *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Where a seek (offset, whence: FILE_SEEK_*) from cur lands in a file of
 * size bytes: anywhere from the start to the end, no holes. 0 with *pos,
 * or L4SRV_ERR_INVALID_ARG.
 */
int genfile_seek(L4_Word_t cur, L4_Word_t size, L4_Word_t offset, L4_Word_t whence, L4_Word_t *pos);

#endif /* ROOT_GENFILE_H */

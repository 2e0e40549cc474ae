/*
 * Client interface of the file protocol: files, boot modules, generated
 * /stats files and devices all answer it. Open an object handle from
 * naming_resolve at the server it named, then use the file handle. Each
 * stub returns 0 or an l4srv_error; the encoding is in docs/protocols.md.
 */
#ifndef L4SRV_FILE_H
#define L4SRV_FILE_H

#include <stddef.h>

#include <l4/types.h>
#include <l4srv/errors.h>
#include <l4srv/export.h>

#ifdef __cplusplus
extern "C" {
#endif

enum file_label {
    FILE_OPEN = 0x4601,
    FILE_READ,
    FILE_WRITE,
    FILE_SEEK,
    FILE_SIZE,
    FILE_CLOSE,
};

/* Open flags. */
#define FILE_OPEN_READ  1UL
#define FILE_OPEN_WRITE 2UL

/* Seek origins. */
#define FILE_SEEK_SET 0UL
#define FILE_SEEK_CUR 1UL
#define FILE_SEEK_END 2UL

#define FILE_IO_MAX 4096UL /* the most bytes one read or write moves */

L4SRV_API int file_open(L4_ThreadId_t server, L4_Word_t object, L4_Word_t flags, L4_Word_t *file);
/* Read up to len (1..FILE_IO_MAX) bytes; end_of_file once nothing is left. */
L4SRV_API int file_read(L4_ThreadId_t server, L4_Word_t file, void *buf, size_t len, size_t *got);
/* Write len (1..FILE_IO_MAX) bytes at the file's offset. */
L4SRV_API int file_write(L4_ThreadId_t server, L4_Word_t file, const void *buf, size_t len,
                         size_t *put);
L4SRV_API int file_seek(L4_ThreadId_t server, L4_Word_t file, long offset, L4_Word_t whence,
                        L4_Word_t *pos);
L4SRV_API int file_size(L4_ThreadId_t server, L4_Word_t file, L4_Word_t *size);
L4SRV_API int file_close(L4_ThreadId_t server, L4_Word_t file);

#ifdef __cplusplus
}
#endif

#endif /* L4SRV_FILE_H */

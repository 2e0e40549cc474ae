/*
 * The exceptions of the server protocols, one list for every server. A
 * reply's label is 0 on success or one of these; the client stubs return
 * it. The names follow seed 001 where it has one (invalid_path, no_mem,
 * file_access_error, non_existent, generic_error, end_of_file).
 */
#ifndef L4SRV_ERRORS_H
#define L4SRV_ERRORS_H

#include <l4srv/export.h>

#ifdef __cplusplus
extern "C" {
#endif

enum l4srv_error {
    L4SRV_OK = 0,
    L4SRV_ERR_INVALID_ARG = 1,   /* malformed request or argument out of range */
    L4SRV_ERR_NO_MEM = 2,        /* no_mem: frames, swap or table space ran out */
    L4SRV_ERR_NO_PRIVILEGE = 3,  /* the caller may not do this */
    L4SRV_ERR_NON_EXISTENT = 4,  /* non_existent: unknown thread, space, handle or object */
    L4SRV_ERR_INVALID_PATH = 5,  /* invalid_path */
    L4SRV_ERR_FILE_ACCESS = 6,   /* file_access_error: wrong mode, read-only file system */
    L4SRV_ERR_END_OF_FILE = 7,   /* end_of_file */
    L4SRV_ERR_EXISTS = 8,        /* the name, region or registration is taken already */
    L4SRV_ERR_IO = 9,            /* a backing store or file server failed */
    L4SRV_ERR_UNRESPONSIVE = 10, /* a server did not answer in time */
    L4SRV_ERR_IPC = 11,          /* the request's IPC failed (see L4_ErrorCode) */
    L4SRV_ERR_GENERIC = 12,      /* generic_error */
    L4SRV_ERR_BAD_IMAGE = 13,    /* not an executable image l4sim can load (see the ELF loader) */
    L4SRV_ERR_COUNT
};

/* A short English name for an error, e.g. "non_existent". */
L4SRV_API const char *l4srv_strerror(int error);

#ifdef __cplusplus
}
#endif

#endif /* L4SRV_ERRORS_H */

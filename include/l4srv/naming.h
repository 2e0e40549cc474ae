/*
 * Client interface of the name service (seed 001): resolve a path to
 * (server, handle, parts, type), make and delete objects, and bind an
 * object to the thread that implements it. Each stub returns 0 or an
 * l4srv_error; the IPC encoding is in docs/protocols.md.
 */
#ifndef L4SRV_NAMING_H
#define L4SRV_NAMING_H

#include <l4/types.h>
#include <l4srv/errors.h>
#include <l4srv/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Message labels of the naming protocol; replies carry an l4srv_error. */
enum naming_label {
    NAMING_RESOLVE = 0x4e01,
    NAMING_MK_OBJECT,
    NAMING_DELETE,
    NAMING_REGISTER,
};

/* Object types (seed 001's d, f, s, t, m, plus Escape's devices). */
enum naming_type {
    NAMING_DIRECTORY = 1,
    NAMING_FILE,
    NAMING_SERVICE,
    NAMING_TASK,
    NAMING_MODULE,
    NAMING_DEVICE,
    NAMING_TYPE_COUNT
};

#define NAMING_PATH_MAX 255 /* bytes in a path, without a terminating NUL */
#define NAMING_NAME_MAX 63  /* bytes in one component */
#define NAMING_ROOT     0UL /* as a directory handle: the server's root */

/*
 * What one resolve step found: the thread that implements the object, the
 * object's handle there, how many components it consumed (a leading "/"
 * counts as one, as in seed 001: "/modules" is two parts) and its type.
 */
struct naming_result {
    L4_ThreadId_t server;
    L4_Word_t handle;
    L4_Word_t parts;
    L4_Word_t type;
};

/* The root task's name server. */
L4SRV_API L4_ThreadId_t naming_server(void);

/*
 * One step: resolve path at server, relative to directory handle dir
 * (NAMING_ROOT with an absolute path). A step ends early where the path
 * crosses into another server; out->parts says how far it got.
 */
L4SRV_API int naming_resolve(L4_ThreadId_t server, const char *path, L4_Word_t dir,
                             struct naming_result *out);

/* The whole walk: resolve an absolute path from the root, server after server. */
L4SRV_API int naming_lookup(const char *path, struct naming_result *out);

/* Make an object of type called name in directory dir; its handle goes to *handle. */
L4SRV_API int naming_mk_object(L4_ThreadId_t server, L4_Word_t dir, L4_Word_t type,
                               const char *name, L4_Word_t *handle);

/* Delete an object the caller made (a directory only when empty). */
L4SRV_API int naming_delete(L4_ThreadId_t server, L4_Word_t handle);

/*
 * Bind a service, device or empty directory the caller made to the thread
 * that implements it, once: resolving it then answers (target,
 * target_handle), and a directory so bound hands the rest of a path on.
 */
L4SRV_API int naming_register(L4_ThreadId_t server, L4_Word_t handle, L4_ThreadId_t target,
                              L4_Word_t target_handle);

#ifdef __cplusplus
}
#endif

#endif /* L4SRV_NAMING_H */

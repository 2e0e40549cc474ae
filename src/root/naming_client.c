/*
 * Client stubs of the naming protocol, and the walk that resolves an
 * absolute path server by server. They only send requests: no state of
 * the name service lives here.
 */
#include <string.h>

#include <l4/thread.h>
#include <l4srv/ids.h>
#include <l4srv/naming.h>

#include "client.h"

#define MAX_HOPS 8 /* servers one lookup may pass through; more is a loop */

L4_ThreadId_t naming_server(void)
{
    return l4srv_id(L4SRV_NAMING);
}

int naming_resolve(L4_ThreadId_t server, const char *path, L4_Word_t dir, struct naming_result *out)
{
    size_t len = client_strlen(path, NAMING_PATH_MAX);
    if (len > NAMING_PATH_MAX)
        return L4SRV_ERR_INVALID_PATH;
    struct client_msg rq = {.label = NAMING_RESOLVE, .u = 1, .w = {dir}, .str = path, .len = len};
    struct client_msg rp;
    int err = client_call(server, &rq, &rp, NULL, 0);
    if (err)
        return err;
    if (rp.u != 4)
        return L4SRV_ERR_GENERIC;
    out->server.raw = rp.w[0];
    out->handle = rp.w[1];
    out->parts = rp.w[2];
    out->type = rp.w[3];
    return 0;
}

/* The path after its first parts components (a leading "/" is one). */
static const char *skip_parts(const char *path, L4_Word_t parts)
{
    if (*path == '/') {
        path++;
        parts--;
    }
    while (parts-- > 0) {
        path += strcspn(path, "/");
        if (*path == '/')
            path++;
    }
    return path;
}

int naming_lookup(const char *path, struct naming_result *out)
{
    if (path[0] != '/')
        return L4SRV_ERR_INVALID_PATH;
    L4_ThreadId_t server = naming_server();
    L4_Word_t dir = NAMING_ROOT;
    for (int hop = 0; hop < MAX_HOPS; hop++) {
        int err = naming_resolve(server, path, dir, out);
        if (err)
            return err;
        const char *rest = skip_parts(path, out->parts);
        if (*rest == 0)
            return 0;
        /* The step stopped at a server boundary: carry on there, or fail. */
        if (out->type != NAMING_DIRECTORY || out->parts == 0)
            return L4SRV_ERR_INVALID_PATH;
        /* Into the caller's own objects (the task server loading from /tasks): none is a file. */
        if (L4_IsThreadEqual(out->server, L4_Myself()))
            return L4SRV_ERR_INVALID_PATH;
        server = out->server;
        dir = out->handle;
        path = rest;
    }
    return L4SRV_ERR_INVALID_PATH;
}

int naming_mk_object(L4_ThreadId_t server, L4_Word_t dir, L4_Word_t type, const char *name,
                     L4_Word_t *handle)
{
    size_t len = client_strlen(name, NAMING_NAME_MAX);
    if (len > NAMING_NAME_MAX)
        return L4SRV_ERR_INVALID_PATH;
    struct client_msg rq = {
        .label = NAMING_MK_OBJECT, .u = 2, .w = {dir, type}, .str = name, .len = len};
    struct client_msg rp;
    int err = client_call(server, &rq, &rp, NULL, 0);
    if (err)
        return err;
    if (rp.u != 1)
        return L4SRV_ERR_GENERIC;
    *handle = rp.w[0];
    return 0;
}

int naming_delete(L4_ThreadId_t server, L4_Word_t handle)
{
    struct client_msg rq = {.label = NAMING_DELETE, .u = 1, .w = {handle}};
    struct client_msg rp;
    return client_call(server, &rq, &rp, NULL, 0);
}

int naming_register(L4_ThreadId_t server, L4_Word_t handle, L4_ThreadId_t target,
                    L4_Word_t target_handle)
{
    struct client_msg rq = {
        .label = NAMING_REGISTER, .u = 3, .w = {handle, target.raw, target_handle}};
    struct client_msg rp;
    return client_call(server, &rq, &rp, NULL, 0);
}

/*
 * The name service of the root task (seed 001): one table of objects,
 * resolve / mk_object / delete / register over it, and the thread that
 * serves them together with the file protocol (files.c). It never follows
 * a path into another server: it says where the path went and stops.
 */
#include <stdlib.h>
#include <string.h>

#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/thread.h>
#include <l4srv/file.h>
#include <l4srv/naming.h>

#include "ns.h"
#include "path.h"
#include "root.h"

struct ns_node ns_nodes[NS_MAX_NODES];
int ns_modules_dirfd = -1;

#define BIT(type) (1u << (type))
#define ANY_TYPE                                                                                   \
    (BIT(NAMING_DIRECTORY) | BIT(NAMING_FILE) | BIT(NAMING_SERVICE) | BIT(NAMING_DEVICE))

/* ------------------------------------------------------------ the table */

L4_Word_t ns_handle(int slot)
{
    return ns_nodes[slot].gen << NS_SLOT_BITS | (L4_Word_t) slot;
}

int ns_slot(L4_Word_t handle)
{
    if (handle == NAMING_ROOT)
        return NS_ROOT_SLOT;
    L4_Word_t slot = handle & ((1UL << NS_SLOT_BITS) - 1);
    if (slot >= NS_MAX_NODES || !ns_nodes[slot].used || ns_handle((int) slot) != handle)
        return -1;
    return (int) slot;
}

int ns_child(int dir, const char *name, size_t len)
{
    for (int i = 0; i < NS_MAX_NODES; i++) {
        struct ns_node *n = &ns_nodes[i];
        if (n->used && n->parent == dir && strlen(n->name) == len && !memcmp(n->name, name, len))
            return i;
    }
    return -1;
}

int ns_add(int parent, const char *name, size_t len, L4_Word_t type, enum ns_kind kind)
{
    for (int i = 0; i < NS_MAX_NODES; i++) {
        struct ns_node *n = &ns_nodes[i];
        if (n->used)
            continue;
        L4_Word_t gen = n->gen + 1; /* a reused slot never repeats a handle */
        memset(n, 0, sizeof(*n));
        n->used = 1;
        n->gen = gen;
        n->type = type;
        n->kind = kind;
        n->parent = parent;
        memcpy(n->name, name, len);
        return i;
    }
    return -1;
}

static int has_children(int dir)
{
    for (int i = 0; i < NS_MAX_NODES; i++)
        if (ns_nodes[i].used && ns_nodes[i].parent == dir)
            return 1;
    return 0;
}

static void ns_free(int slot)
{
    struct ns_node *n = &ns_nodes[slot];
    free(n->data);
    n->data = NULL;
    n->used = 0; /* gen stays: the next user of the slot counts on from it */
}

/* --------------------------------------------------------------- resolve */

static int resolve(const char *path, size_t len, L4_Word_t dir, struct naming_result *r)
{
    if (!path_valid(path, len))
        return L4SRV_ERR_INVALID_PATH;
    size_t i = 0;
    int cur;
    r->parts = 0;
    if (path[0] == '/') {
        if (dir != NAMING_ROOT && ns_slot(dir) != NS_ROOT_SLOT)
            return L4SRV_ERR_INVALID_PATH; /* absolute, but from somewhere else */
        cur = NS_ROOT_SLOT;
        r->parts = 1;
        i = 1;
    } else {
        if (dir == NAMING_ROOT)
            return L4SRV_ERR_INVALID_PATH; /* relative to nothing */
        if ((cur = ns_slot(dir)) < 0)
            return L4SRV_ERR_NON_EXISTENT;
    }
    /* Walk until the path ends or reaches an object another thread implements. */
    while (i < len && ns_nodes[cur].kind != NS_BOUND) {
        if (ns_nodes[cur].type != NAMING_DIRECTORY)
            return L4SRV_ERR_INVALID_PATH;
        size_t n = path_component(path, i, len);
        if ((cur = ns_child(cur, path + i, n)) < 0)
            return L4SRV_ERR_NON_EXISTENT;
        r->parts++;
        i += n + 1;
    }
    struct ns_node *node = &ns_nodes[cur];
    r->type = node->type;
    if (node->kind == NS_BOUND && !L4_IsNilThread(node->target)) {
        r->server = node->target;
        r->handle = node->target_handle;
    } else {
        r->server = L4_Myself();
        r->handle = ns_handle(cur);
    }
    return 0;
}

/* ------------------------------------------------------------- requests */

static void do_resolve(const struct srv_req *rq, const char *buf)
{
    struct naming_result r = {.parts = 0};
    if (!srv_shape(rq, 1, 1)) {
        srv_reply(rq, L4SRV_ERR_INVALID_ARG, 0, NULL, NULL, 0);
        return;
    }
    int err = resolve(buf, rq->len, rq->w[0], &r);
    L4_Word_t w[4] = {r.server.raw, r.handle, r.parts, r.type};
    srv_reply(rq, (L4_Word_t) err, err ? 0 : 4, w, NULL, 0);
}

static int mk_object(const struct srv_req *rq, const char *buf, L4_Word_t *handle)
{
    if (!srv_shape(rq, 2, 1))
        return L4SRV_ERR_INVALID_ARG;
    L4_Word_t type = rq->w[1];
    int dir = ns_slot(rq->w[0]);
    if (type == 0 || type >= NAMING_TYPE_COUNT)
        return L4SRV_ERR_INVALID_ARG;
    if (!path_valid_name(buf, rq->len))
        return L4SRV_ERR_INVALID_PATH;
    if (dir < 0)
        return L4SRV_ERR_NON_EXISTENT;
    if (ns_nodes[dir].kind != NS_DIR)
        return L4SRV_ERR_INVALID_ARG; /* not a directory of ours */
    if (!(ns_nodes[dir].creatable & BIT(type)))
        return L4SRV_ERR_FILE_ACCESS;
    if (ns_child(dir, buf, rq->len) >= 0)
        return L4SRV_ERR_EXISTS;
    enum ns_kind kind = type == NAMING_DIRECTORY ? NS_DIR
                        : type == NAMING_FILE    ? NS_MEMFILE
                                                 : NS_BOUND;
    int slot = ns_add(dir, buf, rq->len, type, kind);
    if (slot < 0)
        return L4SRV_ERR_NO_MEM;
    ns_nodes[slot].owner = rq->client.raw;
    ns_nodes[slot].target = L4_nilthread;
    if (kind == NS_DIR)
        ns_nodes[slot].creatable = ANY_TYPE;
    *handle = ns_handle(slot);
    return 0;
}

/* A node the caller may change: live, and made by the caller. */
static int owned_slot(const struct srv_req *rq, L4_Word_t handle, int *slot)
{
    if ((*slot = ns_slot(handle)) < 0 || handle == NAMING_ROOT)
        return L4SRV_ERR_NON_EXISTENT;
    if (ns_nodes[*slot].owner != rq->client.raw || ns_nodes[*slot].owner == 0)
        return L4SRV_ERR_NO_PRIVILEGE;
    return 0;
}

static int delete_object(const struct srv_req *rq)
{
    int slot, err;
    if (!srv_shape(rq, 1, 0))
        return L4SRV_ERR_INVALID_ARG;
    if ((err = owned_slot(rq, rq->w[0], &slot)))
        return err;
    if (has_children(slot))
        return L4SRV_ERR_EXISTS;
    ns_free(slot);
    return 0;
}

static int register_object(const struct srv_req *rq)
{
    int slot, err;
    if (!srv_shape(rq, 3, 0))
        return L4SRV_ERR_INVALID_ARG;
    if ((err = owned_slot(rq, rq->w[0], &slot)))
        return err;
    struct ns_node *n = &ns_nodes[slot];
    L4_ThreadId_t target = {.raw = rq->w[1]};
    if (L4_IsNilThread(target) || !(n->kind == NS_BOUND || n->kind == NS_DIR))
        return L4SRV_ERR_INVALID_ARG;
    if ((n->kind == NS_BOUND && !L4_IsNilThread(n->target)) || has_children(slot))
        return L4SRV_ERR_EXISTS;
    n->kind = NS_BOUND; /* a directory bound elsewhere becomes a mount point */
    n->target = target;
    n->target_handle = rq->w[2];
    return 0;
}

static void serve(const struct srv_req *rq, const char *buf)
{
    L4_Word_t handle = 0;
    int err;
    switch (rq->label) {
    case NAMING_RESOLVE:
        do_resolve(rq, buf);
        return;
    case NAMING_MK_OBJECT:
        err = mk_object(rq, buf, &handle);
        srv_reply(rq, (L4_Word_t) err, err ? 0 : 1, &handle, NULL, 0);
        return;
    case NAMING_DELETE:
        srv_reply(rq, (L4_Word_t) delete_object(rq), 0, NULL, NULL, 0);
        return;
    case NAMING_REGISTER:
        srv_reply(rq, (L4_Word_t) register_object(rq), 0, NULL, NULL, 0);
        return;
    default:
        files_serve(rq, buf); /* the file protocol, or an unknown label */
        return;
    }
}

static void naming_thread(void *kip)
{
    (void) kip;
    static char buf[FILE_IO_MAX]; /* paths and file data land here; one request at a time */
    struct srv_req rq;
    for (;;) {
        srv_receive(&rq, buf, sizeof(buf));
        serve(&rq, buf);
    }
}

/* ------------------------------------------------------------ lifecycle */

static int add_dir(int parent, const char *name, unsigned creatable)
{
    int slot = ns_add(parent, name, strlen(name), NAMING_DIRECTORY, NS_DIR);
    ns_nodes[slot].creatable = creatable;
    return slot;
}

/*
 * The root namespace of seed 001, plus /dev for devices and /stats for
 * generated files. /tasks is the task server's: it mounts it at boot.
 */
static void build_namespace(const struct l4srv_options *opt)
{
    int root = ns_add(-1, "", 0, NAMING_DIRECTORY, NS_DIR);
    ns_nodes[root].creatable = ANY_TYPE;
    modules_load(add_dir(root, "modules", 0), opt->modules_dir);
    add_dir(root, "services", BIT(NAMING_SERVICE));
    add_dir(root, "logs", BIT(NAMING_FILE));
    add_dir(root, "dev", BIT(NAMING_DEVICE));
    /* Devices under /stats are how other servers add generated files (docs/design.md). */
    stats_populate(add_dir(root, "stats", BIT(NAMING_DIRECTORY) | BIT(NAMING_DEVICE)));
}

int naming_start(const struct l4srv_options *opt)
{
    build_namespace(opt);
    return l4srv_spawn_local(l4srv_id(L4SRV_NAMING), naming_thread, L4_Pager(), L4SRV_STACK_SIZE);
}

void naming_cleanup(void)
{
    files_cleanup();
    modules_cleanup();
    for (int i = 0; i < NS_MAX_NODES; i++)
        if (ns_nodes[i].used)
            ns_free(i);
    memset(ns_nodes, 0, sizeof(ns_nodes));
}

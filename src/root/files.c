/*
 * The file protocol on the name server's own objects: memory files,
 * boot modules (read-only), generated /stats files and directory
 * listings. A file handle belongs to the thread that opened it; a file
 * whose object was deleted answers non_existent. Never writes a module.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <l4srv/file.h>

#include "genfile.h"
#include "ns.h"

#define MAX_OPEN      64
#define GENERATED_MAX 8192 /* bytes of one generated file */

struct open_file {
    int used;
    L4_Word_t gen;    /* bumped on close, so the old handle goes stale */
    L4_Word_t owner;  /* global ID of the opener: only it may use the handle */
    L4_Word_t object; /* the node's handle, checked at each use */
    L4_Word_t flags;
    L4_Word_t offset;
    char *text; /* generated files and listings: the text made at open */
    size_t text_len;
    int fd; /* modules: the host file; -1 otherwise */
};

/* Touched only by the name server's thread, like ns_nodes. */
static struct open_file files[MAX_OPEN];

static L4_Word_t file_handle(int i)
{
    return files[i].gen << NS_SLOT_BITS | (L4_Word_t) i;
}

/* The caller's open file named by handle, or NULL. */
static struct open_file *file_of(const struct srv_req *rq, L4_Word_t handle)
{
    L4_Word_t i = handle & ((1UL << NS_SLOT_BITS) - 1);
    if (i >= MAX_OPEN || !files[i].used || file_handle((int) i) != handle ||
        files[i].owner != rq->client.raw)
        return NULL;
    return &files[i];
}

static void release(struct open_file *f)
{
    free(f->text);
    f->text = NULL;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    f->used = 0;
}

/* --------------------------------------------------------- opening */

/* "name type\n" for each entry of directory dir. */
static char *list_dir(int dir, size_t *len)
{
    size_t cap = 1;
    for (int i = 0; i < NS_MAX_NODES; i++)
        if (ns_nodes[i].used && ns_nodes[i].parent == dir)
            cap += strlen(ns_nodes[i].name) + 24;
    char *text = malloc(cap);
    if (!text)
        return NULL;
    *len = 0;
    for (int i = 0; i < NS_MAX_NODES; i++)
        if (ns_nodes[i].used && ns_nodes[i].parent == dir)
            *len += (size_t) snprintf(text + *len, cap - *len, "%s %lu\n", ns_nodes[i].name,
                                      ns_nodes[i].type);
    return text;
}

static char *generate(const struct ns_node *n, size_t *len)
{
    char *text = malloc(GENERATED_MAX);
    if (text)
        *len = n->generate(text, GENERATED_MAX);
    return text;
}

/* Fill f with what reading node slot needs; 0 or an error. */
static int open_contents(struct open_file *f, int slot)
{
    const struct ns_node *n = &ns_nodes[slot];
    int writing = (f->flags & FILE_OPEN_WRITE) != 0;
    switch (n->kind) {
    case NS_MEMFILE:
        return 0;
    case NS_DIR:
    case NS_GENERATED:
        if (writing)
            return L4SRV_ERR_FILE_ACCESS;
        f->text = n->kind == NS_DIR ? list_dir(slot, &f->text_len) : generate(n, &f->text_len);
        return f->text ? 0 : L4SRV_ERR_NO_MEM;
    case NS_MODULE:
        if (writing)
            return L4SRV_ERR_FILE_ACCESS; /* the boot file system is read-only */
        /* O_NOFOLLOW: a module swapped for a symlink since boot is not followed out. */
        f->fd = openat(ns_modules_dirfd, n->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        return f->fd >= 0 ? 0 : L4SRV_ERR_IO;
    case NS_BOUND:
        break; /* opened at the thread that implements it, not here */
    }
    return L4SRV_ERR_INVALID_ARG;
}

static int do_open(const struct srv_req *rq, L4_Word_t *handle)
{
    if (!srv_shape(rq, 2, 0))
        return L4SRV_ERR_INVALID_ARG;
    L4_Word_t flags = rq->w[1];
    int slot = ns_slot(rq->w[0]);
    if (flags == 0 || (flags & ~(FILE_OPEN_READ | FILE_OPEN_WRITE)))
        return L4SRV_ERR_INVALID_ARG;
    if (slot < 0)
        return L4SRV_ERR_NON_EXISTENT;
    int i = 0;
    while (i < MAX_OPEN && files[i].used)
        i++;
    if (i == MAX_OPEN)
        return L4SRV_ERR_NO_MEM;
    struct open_file *f = &files[i];
    L4_Word_t gen = f->gen + 1;
    *f = (struct open_file){
        .gen = gen, .owner = rq->client.raw, .object = ns_handle(slot), .flags = flags, .fd = -1};
    int err = open_contents(f, slot);
    if (err) {
        release(f);
        return err;
    }
    f->used = 1;
    *handle = file_handle(i);
    return 0;
}

/* ------------------------------------------------- reading and writing */

/* The size of f's contents, or -1 if its object is gone or unreadable. */
static long contents_size(const struct open_file *f)
{
    int slot = ns_slot(f->object);
    if (slot < 0)
        return -1;
    if (f->text)
        return (long) f->text_len;
    if (f->fd >= 0) {
        struct stat st;
        return fstat(f->fd, &st) == 0 ? (long) st.st_size : -1;
    }
    return (long) ns_nodes[slot].size;
}

/* Copy up to len bytes at f's offset into out; the count, or a negative error. */
static long read_at(const struct open_file *f, char *out, size_t len)
{
    long size = contents_size(f);
    if (size < 0)
        return -L4SRV_ERR_NON_EXISTENT;
    if (f->offset >= (L4_Word_t) size)
        return -L4SRV_ERR_END_OF_FILE;
    size_t n = (size_t) size - f->offset < len ? (size_t) size - f->offset : len;
    if (f->fd >= 0) {
        ssize_t got = pread(f->fd, out, n, (off_t) f->offset);
        return got > 0 ? got : -L4SRV_ERR_IO;
    }
    const char *src = f->text ? f->text : ns_nodes[ns_slot(f->object)].data;
    memcpy(out, src + f->offset, n);
    return (long) n;
}

static int read_request(const struct srv_req *rq, struct open_file **f)
{
    if (!srv_shape(rq, 2, 0))
        return L4SRV_ERR_INVALID_ARG;
    if (!(*f = file_of(rq, rq->w[0])))
        return L4SRV_ERR_NON_EXISTENT;
    if (!((*f)->flags & FILE_OPEN_READ))
        return L4SRV_ERR_FILE_ACCESS;
    if (rq->w[1] == 0 || rq->w[1] > FILE_IO_MAX)
        return L4SRV_ERR_INVALID_ARG;
    return 0;
}

static void do_read(const struct srv_req *rq)
{
    static char out[FILE_IO_MAX];
    struct open_file *f;
    int err = read_request(rq, &f);
    long n = err ? -err : read_at(f, out, rq->w[1]);
    if (n < 0) {
        srv_reply(rq, (L4_Word_t) -n, 0, NULL, NULL, 0);
        return;
    }
    L4_Word_t count = (L4_Word_t) n;
    if (srv_reply(rq, 0, 1, &count, out, (size_t) n))
        f->offset += count; /* only what the client received counts as read */
}

static int do_write(const struct srv_req *rq, const char *buf, L4_Word_t *put)
{
    if (!srv_shape(rq, 1, 1))
        return L4SRV_ERR_INVALID_ARG;
    struct open_file *f = file_of(rq, rq->w[0]);
    if (!f)
        return L4SRV_ERR_NON_EXISTENT;
    if (!(f->flags & FILE_OPEN_WRITE))
        return L4SRV_ERR_FILE_ACCESS;
    if (rq->len == 0)
        return L4SRV_ERR_INVALID_ARG;
    int slot = ns_slot(f->object);
    if (slot < 0)
        return L4SRV_ERR_NON_EXISTENT;
    struct ns_node *n = &ns_nodes[slot];
    size_t end = f->offset + rq->len;
    if (end > NS_MEMFILE_MAX)
        return L4SRV_ERR_NO_MEM;
    if (end > n->size) {
        char *data = realloc(n->data, end);
        if (!data)
            return L4SRV_ERR_NO_MEM;
        n->data = data;
        n->size = end;
    }
    memcpy(n->data + f->offset, buf, rq->len);
    f->offset = end;
    *put = rq->len;
    return 0;
}

/* ----------------------------------------------------------- the rest */

static int do_seek(const struct srv_req *rq, L4_Word_t *pos)
{
    if (!srv_shape(rq, 3, 0))
        return L4SRV_ERR_INVALID_ARG;
    struct open_file *f = file_of(rq, rq->w[0]);
    if (!f)
        return L4SRV_ERR_NON_EXISTENT;
    long size = contents_size(f);
    if (size < 0)
        return L4SRV_ERR_NON_EXISTENT;
    int err = genfile_seek(f->offset, (L4_Word_t) size, rq->w[1], rq->w[2], pos);
    if (!err)
        f->offset = *pos;
    return err;
}

static int do_size(const struct srv_req *rq, L4_Word_t *size)
{
    if (!srv_shape(rq, 1, 0))
        return L4SRV_ERR_INVALID_ARG;
    struct open_file *f = file_of(rq, rq->w[0]);
    if (!f)
        return L4SRV_ERR_NON_EXISTENT;
    long n = contents_size(f);
    if (n < 0)
        return L4SRV_ERR_NON_EXISTENT;
    *size = (L4_Word_t) n;
    return 0;
}

static int do_close(const struct srv_req *rq)
{
    if (!srv_shape(rq, 1, 0))
        return L4SRV_ERR_INVALID_ARG;
    struct open_file *f = file_of(rq, rq->w[0]);
    if (!f)
        return L4SRV_ERR_NON_EXISTENT;
    release(f);
    return 0;
}

void files_serve(const struct srv_req *rq, const char *buf)
{
    L4_Word_t word = 0;
    int err;
    switch (rq->label) {
    case FILE_OPEN:
        err = do_open(rq, &word);
        break;
    case FILE_READ:
        do_read(rq);
        return;
    case FILE_WRITE:
        err = do_write(rq, buf, &word);
        break;
    case FILE_SEEK:
        err = do_seek(rq, &word);
        break;
    case FILE_SIZE:
        err = do_size(rq, &word);
        break;
    case FILE_CLOSE:
        srv_reply(rq, (L4_Word_t) do_close(rq), 0, NULL, NULL, 0);
        return;
    default:
        err = L4SRV_ERR_INVALID_ARG;
        break; /* no such operation */
    }
    srv_reply(rq, (L4_Word_t) err, err ? 0 : 1, &word, NULL, 0);
}

void files_cleanup(void)
{
    for (int i = 0; i < MAX_OPEN; i++)
        if (files[i].used)
            release(&files[i]);
    memset(files, 0, sizeof(files));
}

/*
 * `l4sim mount DIR`: the simulator's namespace on a host directory, read
 * only, through FUSE, so `ls` and `cat` in another terminal show /stats
 * live. The FUSE loop runs on the root task's application thread, an L4
 * thread, so every FUSE request becomes ordinary naming and file IPC; the
 * system runs free (not deterministic) so tasks go on between requests.
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <fuse3/fuse.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <l4srv/file.h>
#include <l4srv/naming.h>
#include <l4srv/system.h>
#include <l4srv/task.h>

#include "commands.h"
#include "demo.h"

struct open_file {
    L4_ThreadId_t server;
    L4_Word_t handle;
    off_t pos;
};

static int errno_of(int err)
{
    switch (err) {
    case L4SRV_ERR_NON_EXISTENT:
    case L4SRV_ERR_INVALID_PATH:
        return -ENOENT;
    case L4SRV_ERR_FILE_ACCESS:
    case L4SRV_ERR_NO_PRIVILEGE:
        return -EACCES;
    case L4SRV_ERR_NO_MEM:
        return -ENOMEM;
    case L4SRV_ERR_INVALID_ARG:
        return -EINVAL;
    default:
        return -EIO;
    }
}

/* Open what path names for reading. */
static int open_path(const char *path, struct open_file *f)
{
    struct naming_result r;
    int err = naming_lookup(path, &r);
    if (!err)
        err = file_open(r.server, r.handle, FILE_OPEN_READ, &f->handle);
    f->server = r.server;
    f->pos = 0;
    return err;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    (void) fi;
    struct naming_result r;
    int err = naming_lookup(path, &r);
    if (err)
        return errno_of(err);
    memset(st, 0, sizeof(*st));
    st->st_uid = getuid();
    st->st_gid = getgid();
    if (r.type == NAMING_DIRECTORY) {
        st->st_mode = S_IFDIR | 0555;
        st->st_nlink = 2;
        return 0;
    }
    st->st_nlink = 1;
    /* Services and tasks are names, not files: listed, but nothing to read. */
    bool readable = r.type == NAMING_FILE || r.type == NAMING_MODULE || r.type == NAMING_DEVICE;
    st->st_mode = S_IFREG | (readable ? 0444 : 0);
    struct open_file f;
    L4_Word_t size = 0;
    if (readable && open_path(path, &f) == 0) {
        file_size(f.server, f.handle, &size); /* a generated file: its size now */
        file_close(f.server, f.handle);
    }
    st->st_size = (off_t) size;
    return 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t offset,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void) offset;
    (void) fi;
    (void) flags;
    struct open_file f;
    int err = open_path(path, &f);
    if (err)
        return errno_of(err);
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    /* The listing: one "name type" line per entry; a full 4 KiB read ends on a line. */
    static char text[FILE_IO_MAX + 1];
    size_t got, have = 0;
    while ((err = file_read(f.server, f.handle, text + have, FILE_IO_MAX - have, &got)) == 0) {
        have += got;
        text[have] = 0;
        char *line = text, *nl;
        while ((nl = strchr(line, '\n'))) {
            *nl = 0;
            char *space = strrchr(line, ' ');
            if (space)
                *space = 0;
            fill(buf, line, NULL, 0, 0);
            line = nl + 1;
        }
        have = strlen(line);
        memmove(text, line, have);
        if (have == FILE_IO_MAX)
            break; /* a line longer than any name: not a listing */
    }
    file_close(f.server, f.handle);
    return err == L4SRV_ERR_END_OF_FILE ? 0 : errno_of(err);
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
    if ((fi->flags & O_ACCMODE) != O_RDONLY)
        return -EROFS;
    struct open_file *f = malloc(sizeof(*f));
    if (!f)
        return -ENOMEM;
    int err = open_path(path, f);
    if (err) {
        free(f);
        return errno_of(err);
    }
    fi->fh = (uint64_t) (uintptr_t) f;
    fi->direct_io = 1; /* generated files change size between opens: read what is there */
    return 0;
}

static int op_read(const char *path, char *buf, size_t size, off_t offset,
                   struct fuse_file_info *fi)
{
    (void) path;
    struct open_file *f = (struct open_file *) (uintptr_t) fi->fh;
    if (offset != f->pos) {
        L4_Word_t pos;
        int err = file_seek(f->server, f->handle, (long) offset, FILE_SEEK_SET, &pos);
        if (err)
            return errno_of(err);
        f->pos = (off_t) pos;
    }
    size_t done = 0;
    while (done < size) {
        size_t want = size - done < FILE_IO_MAX ? size - done : FILE_IO_MAX, got = 0;
        int err = file_read(f->server, f->handle, buf + done, want, &got);
        if (err == L4SRV_ERR_END_OF_FILE)
            break;
        if (err)
            return done ? (int) done : errno_of(err);
        done += got;
    }
    f->pos += (off_t) done;
    return (int) done;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
    (void) path;
    struct open_file *f = (struct open_file *) (uintptr_t) fi->fh;
    file_close(f->server, f->handle);
    free(f);
    return 0;
}

static const struct fuse_operations ops = {
    .getattr = op_getattr,
    .readdir = op_readdir,
    .open = op_open,
    .read = op_read,
    .release = op_release,
};

struct mount_run {
    const char *dir;
    bool ticker;
};

/* The root task's application: something to watch, then FUSE until unmounted. */
static int mount_root(void *arg)
{
    struct mount_run *m = arg;
    L4_ThreadId_t task;
    if (m->ticker) {
        int err = task_new("/modules/ticker", "ticker", 0, &task, NULL);
        printf(err ? "l4sim mount: no ticker task (%s)\n"
                   : "l4sim mount: started a ticker task%s\n",
               err ? l4srv_strerror(err) : "");
    }
    char *argv[] = {"l4sim", "-o", "ro,fsname=l4sim,subtype=l4sim", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    struct fuse *fuse = fuse_new(&args, &ops, sizeof(ops), NULL);
    if (!fuse)
        return 1;
    int rc = 1;
    if (fuse_mount(fuse, m->dir) == 0) {
        struct fuse_session *se = fuse_get_session(fuse);
        fuse_set_signal_handlers(se);
        printf("l4sim mount: the namespace is on %s; end with: fusermount3 -u %s\n", m->dir,
               m->dir);
        fflush(stdout);
        rc = fuse_loop(fuse) < 0 ? 1 : 0;
        fuse_remove_signal_handlers(se);
        fuse_unmount(fuse);
    } else {
        fprintf(stderr, "l4sim mount: cannot mount on %s (is FUSE usable here?)\n", m->dir);
    }
    fuse_destroy(fuse);
    return rc;
}

int cmd_mount(int argc, char **argv)
{
    struct mount_run m = {.ticker = true};
    struct l4srv_options opt = {.modules_dir = demo_images_dir()};
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--modules") && i + 1 < argc) {
            opt.modules_dir = argv[++i];
        } else if (!strcmp(argv[i], "--no-ticker")) {
            m.ticker = false;
        } else if (argv[i][0] == '-' || m.dir) {
            fprintf(stderr, "usage: l4sim mount DIR [--modules DIR] [--no-ticker]\n");
            return 2;
        } else {
            m.dir = argv[i];
        }
    }
    struct stat st;
    if (!m.dir || stat(m.dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "l4sim mount: %s is not a directory\n", m.dir ? m.dir : "(none given)");
        return 2;
    }
    if (opt.modules_dir && stat(opt.modules_dir, &st) != 0) {
        fprintf(stderr, "l4sim mount: %s is not a directory\n", opt.modules_dir);
        return 2;
    }
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 0; /* tasks run while FUSE waits for the next request */
    return l4srv_run(&cfg, &opt, mount_root, &m);
}

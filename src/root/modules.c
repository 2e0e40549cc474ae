/*
 * /modules: the boot modules, regular files of one host directory named in
 * the options, listed once at boot and read on demand by files.c. Only
 * names read from that directory become nodes, so no path from a client
 * ever reaches the host; symlinks and subdirectories are left out.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ns.h"
#include "path.h"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Regular files only: lstat semantics, so a symlink out of the directory is skipped. */
static int is_module(int dirfd, const char *name)
{
    struct stat st;
    return path_valid_name(name, strlen(name)) &&
           fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* The directory's module names, sorted so that handles do not depend on readdir order. */
static char **module_names(int dirfd, size_t *count)
{
    DIR *d = fdopendir(dup(dirfd));
    char **names = NULL;
    *count = 0;
    if (!d)
        return NULL;
    for (struct dirent *e; (e = readdir(d));) {
        if (!is_module(dirfd, e->d_name))
            continue;
        char **more = realloc(names, (*count + 1) * sizeof(*names));
        if (!more)
            break;
        names = more;
        if ((names[*count] = strdup(e->d_name)))
            (*count)++;
    }
    closedir(d);
    if (*count > 1)
        qsort(names, *count, sizeof(*names), by_name);
    return names;
}

int modules_load(int parent, const char *host_dir)
{
    if (!host_dir)
        return 0;
    ns_modules_dirfd = open(host_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ns_modules_dirfd < 0) {
        fprintf(stderr, "l4srv: modules directory %s: cannot open it\n", host_dir);
        return -1;
    }
    size_t count;
    char **names = module_names(ns_modules_dirfd, &count);
    int added = 0;
    for (size_t i = 0; i < count; i++) {
        if (ns_add(parent, names[i], strlen(names[i]), NAMING_MODULE, NS_MODULE) >= 0)
            added++;
        free(names[i]);
    }
    free(names);
    return added;
}

void modules_cleanup(void)
{
    if (ns_modules_dirfd >= 0)
        close(ns_modules_dirfd);
    ns_modules_dirfd = -1;
}

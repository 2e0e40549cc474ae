/*
 * Reading a program for the ELF loader: find it with the name service,
 * read it whole through the file protocol (seed 001's "use the file
 * interface: open, read"), and hand the bytes to elf.c. Runs on the task
 * server's thread.
 */
#include <stdio.h>
#include <stdlib.h>

#include <l4/kdebug.h>
#include <l4srv/faultpoint.h>
#include <l4srv/file.h>
#include <l4srv/naming.h>

#include "taskserver.h"

#define IMAGE_FILE_MAX (64UL << 20) /* larger files are refused before reading */

static int read_all(L4_ThreadId_t server, L4_Word_t file, size_t size, unsigned char *buf)
{
    size_t done = 0;
    while (done < size) {
        size_t want = size - done < FILE_IO_MAX ? size - done : FILE_IO_MAX, got = 0;
        if (l4srv_fault("elf/read/io-error")) /* as if the file's server had failed the read */
            return L4SRV_ERR_IO;
        int err = file_read(server, file, buf + done, want, &got);
        if (err == L4SRV_ERR_END_OF_FILE || (!err && !got))
            return L4SRV_ERR_IO; /* shorter than it said */
        if (err)
            return err;
        done += got;
    }
    return L4SRV_OK;
}

int loader_read(const char *path, L4_Word_t room, struct elf_image **out)
{
    struct naming_result found;
    int err = naming_lookup(path, &found);
    if (err)
        return err == L4SRV_ERR_NON_EXISTENT ? L4SRV_ERR_INVALID_PATH : err;
    if (found.type != NAMING_FILE && found.type != NAMING_MODULE)
        return L4SRV_ERR_INVALID_PATH; /* a directory, a service, a task... */
    L4_Word_t file, size = 0;
    err = file_open(found.server, found.handle, FILE_OPEN_READ, &file);
    if (err)
        return L4SRV_ERR_FILE_ACCESS;
    unsigned char *bytes = NULL;
    err = file_size(found.server, file, &size);
    if (!err && size > IMAGE_FILE_MAX)
        err = L4SRV_ERR_NO_MEM;
    if (!err && !(bytes = malloc(size ? size : 1)))
        err = L4SRV_ERR_NO_MEM;
    if (!err)
        err = read_all(found.server, file, size, bytes);
    file_close(found.server, file);
    if (!err) {
        char why[120];
        err = elf_image_load(bytes, size, room, out, why, sizeof(why));
        if (err) {
            char line[TASK_PATH_MAX + sizeof(why) + 32];
            snprintf(line, sizeof(line), "task: cannot load %s: %s", path, why);
            L4_KDB_PrintString(line);
        }
    }
    free(bytes);
    return err;
}

/*
 * The shell's namespace commands: ls and cat, through the name service
 * and the file protocol, the way any client of the system would.
 */
#include <stdio.h>
#include <string.h>

#include <l4srv/file.h>
#include <l4srv/naming.h>

#include "shell.h"

#define CAT_MAX (16 * 1024) /* a device such as /dev/random never ends */

int shell_read_object(L4_ThreadId_t server, L4_Word_t handle, char *buf, size_t cap, size_t *len,
                      bool *truncated)
{
    L4_Word_t file;
    *len = 0;
    *truncated = false;
    buf[0] = 0;
    int err = file_open(server, handle, FILE_OPEN_READ, &file);
    if (err)
        return err;
    while (!err) {
        size_t room = cap - 1 - *len, got;
        if (!room) { /* full: is there more? */
            char probe;
            err = file_read(server, file, &probe, 1, &got);
            *truncated = !err && got > 0;
            break;
        }
        err = file_read(server, file, buf + *len, room < FILE_IO_MAX ? room : FILE_IO_MAX, &got);
        if (!err)
            *len += got;
    }
    buf[*len] = 0;
    int close_err = file_close(server, file);
    if (err == L4SRV_ERR_END_OF_FILE || err == 0)
        err = close_err;
    return err;
}

static const char *type_name(L4_Word_t type)
{
    static const char *const names[NAMING_TYPE_COUNT] = {
        [NAMING_DIRECTORY] = "directory", [NAMING_FILE] = "file",     [NAMING_SERVICE] = "service",
        [NAMING_TASK] = "task",           [NAMING_MODULE] = "module", [NAMING_DEVICE] = "device",
    };
    return type < NAMING_TYPE_COUNT && names[type] ? names[type] : "unknown";
}

/* Resolve path, or complain in terms a user reads; false if it failed. */
static bool lookup(const char *cmd, const char *path, struct naming_result *r)
{
    int err = strlen(path) > NAMING_PATH_MAX ? L4SRV_ERR_INVALID_PATH : naming_lookup(path, r);
    if (err == L4SRV_ERR_NON_EXISTENT)
        complain("%s: %s: no such object (%s)\n", cmd, path, l4srv_strerror(err));
    else if (err == L4SRV_ERR_INVALID_PATH)
        complain("%s: %s: not a valid path: absolute, components separated by single slashes, "
                 "no . or .. (%s)\n",
                 cmd, path, l4srv_strerror(err));
    else if (err)
        complain("%s: %s: %s\n", cmd, path, l4srv_strerror(err));
    return !err;
}

void shell_ls(int argc, char **argv)
{
    static char text[32 * 1024];
    const char *path = argc > 1 ? argv[1] : "/";
    struct naming_result r;
    if (!lookup(argv[0], path, &r))
        return;
    if (r.type != NAMING_DIRECTORY) {
        shell_say("%s  %s\n", path, type_name(r.type));
        return;
    }
    size_t len;
    bool truncated;
    int err = shell_read_object(r.server, r.handle, text, sizeof(text), &len, &truncated);
    if (err) {
        complain("%s: %s: %s\n", argv[0], path, l4srv_strerror(err));
        return;
    }
    for (char *line = text, *end; (end = strchr(line, '\n')); line = end + 1) {
        *end = 0;
        char *space = strrchr(line, ' ');
        unsigned long type = 0;
        if (space) {
            *space = 0;
            shell_number(space + 1, 0, NAMING_TYPE_COUNT, &type);
        }
        shell_say("%-24s %s\n", line, type_name(type));
    }
    if (truncated)
        shell_say("(more entries than ls shows)\n");
}

/* Text as it is; other bytes as '.', so a device's noise cannot upset a terminal. */
static void show_text(char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f)
            text[i] = '.';
    }
    shell_say_bytes(text, len);
    if (len && text[len - 1] != '\n')
        shell_say_bytes("\n", 1);
}

void shell_cat(int argc, char **argv)
{
    (void) argc;
    static char text[CAT_MAX + 1];
    struct naming_result r;
    if (!lookup(argv[0], argv[1], &r))
        return;
    if (r.type == NAMING_DIRECTORY) {
        complain("%s: %s is a directory (ls lists it)\n", argv[0], argv[1]);
        return;
    }
    if (r.type == NAMING_TASK || r.type == NAMING_SERVICE) {
        complain("%s: %s is a %s, not a file\n", argv[0], argv[1], type_name(r.type));
        return;
    }
    size_t len;
    bool truncated;
    int err = shell_read_object(r.server, r.handle, text, sizeof(text), &len, &truncated);
    if (err) {
        complain("%s: %s: %s\n", argv[0], argv[1], l4srv_strerror(err));
        return;
    }
    show_text(text, len);
    if (truncated)
        shell_say("(cat shows the first %d bytes)\n", CAT_MAX);
}

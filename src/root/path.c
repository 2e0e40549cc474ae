/*
 * Path syntax of the naming protocol (path.h). Pure functions: no server
 * state is read or written here.
 */
#include <string.h>

#include <l4srv/naming.h>

#include "path.h"

int path_valid_name(const char *name, size_t len)
{
    if (len == 0 || len > NAMING_NAME_MAX)
        return 0;
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return 0;
    return memchr(name, '/', len) == NULL && memchr(name, 0, len) == NULL;
}

size_t path_component(const char *path, size_t i, size_t len)
{
    size_t n = 0;
    while (i + n < len && path[i + n] != '/')
        n++;
    return n;
}

int path_valid(const char *path, size_t len)
{
    if (len == 0 || len > NAMING_PATH_MAX || memchr(path, 0, len))
        return 0;
    size_t i = path[0] == '/' ? 1 : 0;
    if (i == len)
        return 1; /* "/" */
    while (i <= len) {
        size_t n = path_component(path, i, len);
        if (!path_valid_name(path + i, n))
            return 0;
        i += n + 1;
    }
    return 1;
}

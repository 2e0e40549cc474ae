/*
 * Path syntax of the naming protocol, shared by every server that resolves
 * paths (the name service, the task server's /tasks): what a valid
 * component and a valid path are, and how to step through one.
 */
#ifndef ROOT_PATH_H
#define ROOT_PATH_H

#include <stddef.h>

/* A valid single component: not empty, ".", ".." or too long, no '/' or NUL. */
int path_valid_name(const char *name, size_t len);

/*
 * Every component of path (len bytes, no NUL needed) is a valid name, and
 * the whole is not too long: so "", "//", "a/", "." and ".." never get as
 * far as a walk, wherever they are. A lone "/" is valid.
 */
int path_valid(const char *path, size_t len);

/* The length of the component starting at path[i]. */
size_t path_component(const char *path, size_t i, size_t len);

#endif /* ROOT_PATH_H */

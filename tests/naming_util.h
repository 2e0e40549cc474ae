/*
 * Helpers shared by the name-service suites: whole-file reads through the
 * file protocol, raw requests for malformed-message tests, and a thread
 * that runs one operation as a second client.
 */
#ifndef L4SIM_TESTS_NAMING_UTIL_H
#define L4SIM_TESTS_NAMING_UTIL_H

#include <stddef.h>

#include <l4srv/file.h>
#include <l4srv/naming.h>

#include "harness.h"

/* Resolve path, open it for reading, read it all into buf (NUL-terminated); 0 or an error. */
int u_read_path(const char *path, char *buf, size_t cap, size_t *len);

/* Does the listing of directory path have an entry called name? */
int u_listed(const char *path, const char *name);

/*
 * A raw request to server: label, u words, and (if str) one string item.
 * Returns the reply's label, or -1 if the IPC failed; the reply's first
 * words go to reply (if not NULL).
 */
long u_raw_call(L4_ThreadId_t server, L4_Word_t label, unsigned u, const L4_Word_t *w,
                const void *str, size_t len, L4_Word_t *reply);

/* Run fn(arg) on a second application thread (number H_FIRST_APP + 1); its result. */
int u_as_other_thread(int (*fn)(void *arg), void *arg);

#endif /* L4SIM_TESTS_NAMING_UTIL_H */

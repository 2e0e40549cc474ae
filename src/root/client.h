/*
 * The calling side shared by the client stubs of the root task's servers
 * (naming, file, log): one Call with words and at most one string each way.
 */
#ifndef ROOT_CLIENT_H
#define ROOT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <l4/types.h>

#define CLIENT_MAX_WORDS 10

struct client_msg {
    L4_Word_t label;
    unsigned u;
    L4_Word_t w[CLIENT_MAX_WORDS];
    const void *str; /* a string to send (request) or that arrived (reply), or NULL */
    size_t len;
    bool reply_may_wait; /* a wait by design (task_wait): only the request is timed */
};

/*
 * Call server with rq; the reply goes to *rp, a string in it to rbuf
 * (rcap bytes) if rbuf is not NULL. Returns the reply's label (0 or an
 * l4srv_error), L4SRV_ERR_UNRESPONSIVE if the server did not take the
 * request or answer within the call timeout (<l4srv/call.h>), or
 * L4SRV_ERR_IPC if the IPC failed otherwise. The caller's BR0..BR2 are
 * kept.
 */
int client_call(L4_ThreadId_t server, const struct client_msg *rq, struct client_msg *rp,
                void *rbuf, size_t rcap);

/* Bytes of a NUL-terminated argument, or max + 1 if it is longer than max. */
size_t client_strlen(const char *s, size_t max);

#endif /* ROOT_CLIENT_H */

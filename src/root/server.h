/*
 * The request side of the root task's servers: receive one request (words
 * and at most one string) into a fixed buffer, and reply with a zero send
 * timeout. Nothing here keeps state between requests.
 */
#ifndef ROOT_SERVER_H
#define ROOT_SERVER_H

#include <stddef.h>

#include <l4/types.h>

#define SRV_MAX_WORDS 8 /* untyped words a request may carry */

struct srv_req {
    L4_ThreadId_t from;   /* as delivered: a local ID for a thread of our own space */
    L4_ThreadId_t client; /* its global ID, which names owners: local IDs carry no version */
    L4_Word_t label;
    unsigned u, t;              /* the tag's counts, unchecked */
    L4_Word_t w[SRV_MAX_WORDS]; /* MR1..MRu (the first SRV_MAX_WORDS) */
    int has_str;                /* t == 2 and it is one simple string that landed in the buffer */
    size_t len;                 /* its length */
};

/* Wait for the next request; strings land in buf (cap bytes). Failed receives are skipped. */
void srv_receive(struct srv_req *rq, void *buf, size_t cap);

/* The request has exactly u words and, if want_str, one string (else no typed words). */
int srv_shape(const struct srv_req *rq, unsigned u, int want_str);

/*
 * Reply label (0 or an l4srv_error), n words and, if str, one string.
 * Returns 1 if the client took it: a client that stopped waiting or
 * accepts no string gets nothing, and the caller undoes what it did.
 */
int srv_reply(const struct srv_req *rq, L4_Word_t label, unsigned n, const L4_Word_t *w,
              const void *str, size_t len);

#endif /* ROOT_SERVER_H */

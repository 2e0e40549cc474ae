/*
 * The MM protocol's operations, decoded from a request's words. Each
 * fills a reply or parks the request to be run again later.
 */
#ifndef MMOPS_H
#define MMOPS_H

#include "mmserver.h"
#include "start.h"

#define MM_REQUEST_WORDS 6 /* the most any request carries */

/* A request's one simple string item, where the server keeps its bytes. */
struct mm_string {
    const void *data;
    L4_Word_t len;
    bool present;
};

enum outcome mm_operation(L4_ThreadId_t from, L4_MsgTag_t tag, const L4_Word_t *mr,
                          const struct mm_string *str, struct reply *r);
void mm_main(void *kip);

#endif /* MMOPS_H */

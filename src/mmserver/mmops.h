/*
 * The MM protocol's operations, decoded from a request's words. Each
 * fills a reply or parks the request to be run again later.
 */
#ifndef MMOPS_H
#define MMOPS_H

#include "mmserver.h"
#include "start.h"

#define MM_REQUEST_WORDS 6 /* the most any request carries */

enum outcome mm_operation(L4_ThreadId_t from, L4_MsgTag_t tag, const L4_Word_t *mr,
                          struct reply *r);
void mm_main(void *kip);

#endif /* MMOPS_H */

/*
 * The backing-store (swap) server's protocol: pages in numbered slots of a
 * host file. The MM server is its only client; the encoding is in
 * docs/protocols.md.
 */
#ifndef L4SRV_SWAP_H
#define L4SRV_SWAP_H

#include <l4/types.h>

enum swap_label {
    SWAP_INFO = 0x5301,  /* -> MR1 number of slots */
    SWAP_WRITE = 0x5302, /* MR1 slot, one 4 KiB string item -> label 0 or an error */
    SWAP_READ = 0x5303,  /* MR1 slot -> one 4 KiB string item into the caller's buffer */
};

#define SWAP_PAGE_SIZE 4096

#endif /* L4SRV_SWAP_H */

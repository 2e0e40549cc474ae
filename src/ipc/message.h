/*
 * Message layout checks and the copy of a message between two UTCBs:
 * untyped words, map and grant items (carried out through the mapping
 * database) and string items (as bytes).
 * Only ipc.c uses it.
 */
#ifndef L4SIM_MESSAGE_H
#define L4SIM_MESSAGE_H

#include "kernel.h"

/* Largest string item, in bytes; longer ones are refused as an overflow. */
#define MAX_STRING_BYTES (4UL << 20)

struct xfer_result {
    word_t send_error; /* for the sender's ErrorCode, 0 if fine */
    word_t recv_error; /* for the receiver's ErrorCode, 0 if fine */
};

/* Check the tag and typed items in MR0..; 0 or a send-phase IPC error. */
word_t message_check(const struct l4sim_utcb *src);

/*
 * Fault in, through self's pager, the pages of its window that the strings
 * it is about to send (or the buffers it is about to receive into) lie on,
 * so that the copy itself never meets an unmapped page. 0, or the xfer
 * error for the phase.
 */
word_t message_prefault(struct tcb *self, bool sending);

/* Copy a checked message from src to dst, honouring dst's buffers and
 * carrying out its map and grant items between their spaces. */
struct xfer_result message_copy(struct tcb *src, struct tcb *dst);

#endif /* L4SIM_MESSAGE_H */

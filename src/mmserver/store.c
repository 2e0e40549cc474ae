/*
 * The backing store: pages in numbered slots of an unlinked host file in
 * the temporary directory, served over the swap protocol. It holds page
 * contents and nothing else; which slot is whose is the MM server's affair.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/message.h>
#include <l4srv/swap.h>

#include "store.h"

static struct {
    int fd;
    L4_Word_t slots;
} store = {.fd = -1};

static _Alignas(SWAP_PAGE_SIZE) char page[SWAP_PAGE_SIZE];

static int open_backing_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/l4sim-swap-XXXXXX", dir);
    if (n < 0 || (size_t) n >= sizeof(path))
        return -1;
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path); /* nothing is left behind, whatever happens to us */
    return fd;
}

bool store_open(L4_Word_t slots)
{
    store.fd = open_backing_file();
    store.slots = slots;
    return store.fd >= 0;
}

void store_close(void)
{
    if (store.fd >= 0)
        close(store.fd);
    store.fd = -1;
}

/* One request: the reply goes back in MR0 and up. */
static void serve(L4_MsgTag_t tag)
{
    L4_Word_t slot = 0, label = L4_Label(tag);
    L4_StoreMR(1, &slot);
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    if (label == SWAP_INFO) {
        L4_MsgAppendWord(&msg, store.slots);
    } else if (L4_UntypedWords(tag) < 1 || slot >= store.slots) {
        L4_Set_MsgLabel(&msg, 1); /* bad request: no such slot */
    } else if (label == SWAP_WRITE) {
        L4_Word_t item = 0;
        L4_StoreMR((int) L4_UntypedWords(tag) + 1, &item);
        bool whole = L4_TypedWords(tag) == 2 && (item >> 10) == SWAP_PAGE_SIZE;
        off_t at = (off_t) (slot * SWAP_PAGE_SIZE);
        if (!whole || pwrite(store.fd, page, SWAP_PAGE_SIZE, at) != SWAP_PAGE_SIZE)
            L4_Set_MsgLabel(&msg, 1);
    } else if (label == SWAP_READ) {
        ssize_t got = pread(store.fd, page, SWAP_PAGE_SIZE, (off_t) (slot * SWAP_PAGE_SIZE));
        if (got != SWAP_PAGE_SIZE)
            L4_Set_MsgLabel(&msg, 1); /* never written: the MM server asked for garbage */
        else
            L4_MsgAppendSimpleStringItem(&msg, L4_StringItem(SWAP_PAGE_SIZE, page));
    } else {
        L4_Set_MsgLabel(&msg, 1);
    }
    L4_MsgLoad(&msg);
}

void store_main(void *kip)
{
    (void) kip;
    L4_MsgBuffer_t buf;
    L4_MsgBufferClear(&buf);
    L4_MsgBufferAppendSimpleRcvString(&buf, L4_StringItem(SWAP_PAGE_SIZE, page));
    L4_AcceptStrings(L4_StringItemsAcceptor, &buf);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        serve(tag);
        tag = L4_ReplyWait(from, &from);
    }
}

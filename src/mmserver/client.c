/*
 * Client stubs of the MM protocol: load the words, call the server, check
 * the reply's shape, return its exception. Clients link these; the server
 * never calls them.
 */
#include <string.h>

#include <l4/ipc.h>
#include <l4/message.h>
#include <l4srv/call.h>
#include <l4srv/ids.h>
#include <l4srv/mm.h>

L4_ThreadId_t mm_server(void)
{
    return l4srv_id(L4SRV_MM);
}

static L4_MsgTag_t call_server(void)
{
    L4_Time_t timeout = l4srv_call_timeout();
    return L4_Call_Timeouts(mm_server(), timeout, timeout);
}

/* The reply's exception, or its words (at least n_out of them) into out. */
static int mm_result(L4_MsgTag_t tag, unsigned n_out, L4_Word_t *out)
{
    if (L4_IpcFailed(tag))
        return l4srv_ipc_failure();
    if (L4_Label(tag))
        return L4_Label(tag) < L4SRV_ERR_COUNT ? (int) L4_Label(tag) : L4SRV_ERR_GENERIC;
    if (L4_UntypedWords(tag) < n_out)
        return L4SRV_ERR_GENERIC; /* a reply of the wrong shape */
    for (unsigned i = 0; i < n_out; i++)
        L4_StoreMR((int) i + 1, &out[i]);
    return L4SRV_OK;
}

/* Send label with in[0..n_in), expect at least n_out words back into out. */
static int mm_call(L4_Word_t label, unsigned n_in, const L4_Word_t *in, unsigned n_out,
                   L4_Word_t *out)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    for (unsigned i = 0; i < n_in; i++)
        L4_MsgAppendWord(&msg, in[i]);
    L4_Set_MsgLabel(&msg, label);
    L4_MsgLoad(&msg);
    return mm_result(call_server(), n_out, out);
}

int mm_malloc(L4_Word_t size, L4_Word_t *location)
{
    return mm_call(MM_MALLOC, 1, &size, 1, location);
}

int mm_malloc_priv(L4_Word_t size, L4_Word_t address, L4_Word_t *location)
{
    L4_Word_t in[] = {size, address};
    return mm_call(MM_MALLOC_PRIV, 2, in, 1, location);
}

int mm_malloc_at(L4_Word_t size, L4_Word_t location, L4_Word_t rights, L4_Word_t flags,
                 L4_Word_t *location_out)
{
    L4_Word_t in[] = {size, location, rights, flags};
    return mm_call(MM_MALLOC_AT, 4, in, 1, location_out);
}

static int page_fill(L4_Word_t address, L4_Word_t rights, L4_Word_t flags, const void *data,
                     L4_Word_t size)
{
    if (size > MM_PAGE_FILL_MAX)
        return L4SRV_ERR_INVALID_ARG; /* the server's buffer would fail the IPC itself */
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, address);
    L4_MsgAppendWord(&msg, rights);
    if (flags)
        L4_MsgAppendWord(&msg, flags);
    L4_MsgAppendSimpleStringItem(&msg, L4_StringItem((int) size, (void *) data));
    L4_Set_MsgLabel(&msg, MM_PAGE_FILL);
    L4_MsgLoad(&msg);
    /* The reply maps the page: accept it anywhere in our own space, for this call only. */
    L4_Acceptor_t before = L4_Accepted();
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t tag = call_server();
    L4_Accept(before);
    return mm_result(tag, 0, NULL);
}

int mm_page_fill(L4_Word_t address, L4_Word_t rights, const void *data, L4_Word_t size)
{
    return page_fill(address, rights, 0, data, size);
}

int mm_page_refill(L4_Word_t address, L4_Word_t rights, const void *data, L4_Word_t size)
{
    return page_fill(address, rights, MM_FILL_REPLACE, data, size);
}

int mm_free(L4_Word_t size, L4_Word_t location)
{
    L4_Word_t in[] = {size, location};
    return mm_call(MM_FREE, 2, in, 0, NULL);
}

int mm_pin_priv(L4_Word_t size, L4_Word_t address)
{
    L4_Word_t in[] = {size, address};
    return mm_call(MM_PIN_PRIV, 2, in, 0, NULL);
}

int mm_unpin_priv(L4_Word_t size, L4_Word_t address)
{
    L4_Word_t in[] = {size, address};
    return mm_call(MM_UNPIN_PRIV, 2, in, 0, NULL);
}

int mm_map(L4_Fpage_t page, L4_Word_t offset, L4_Word_t priv, L4_ThreadId_t thread)
{
    L4_Word_t in[] = {page.raw, offset, priv, thread.raw};
    return mm_call(MM_MAP, 4, in, 0, NULL);
}

int mm_unmap(L4_Fpage_t page, L4_Word_t offset, L4_ThreadId_t thread)
{
    L4_Word_t in[] = {page.raw, offset, thread.raw};
    return mm_call(MM_UNMAP, 3, in, 0, NULL);
}

int mm_register_backingstore(L4_ThreadId_t store)
{
    return mm_call(MM_REGISTER_BACKINGSTORE, 1, &store.raw, 0, NULL);
}

int mm_new_as(L4_ThreadId_t thread, L4_Word_t priv, L4_Word_t file_handle,
              L4_ThreadId_t file_server, L4_Word_t *sp, L4_Word_t *ip, L4_Fpage_t *tcb_area)
{
    L4_Word_t in[] = {thread.raw, priv, file_handle, file_server.raw}, out[3];
    int e = mm_call(MM_NEW_AS, 4, in, 3, out);
    if (!e) {
        *sp = out[0];
        *ip = out[1];
        tcb_area->raw = out[2];
    }
    return e;
}

int mm_register_thread(L4_ThreadId_t thread, L4_ThreadId_t space, L4_Word_t flags, L4_Word_t *sp)
{
    L4_Word_t in[] = {thread.raw, space.raw, flags};
    return mm_call(MM_REGISTER_THREAD, 3, in, 1, sp);
}

int mm_deregister_thread(L4_ThreadId_t thread)
{
    return mm_call(MM_DEREGISTER_THREAD, 1, &thread.raw, 0, NULL);
}

int mm_copy_space(L4_ThreadId_t src, L4_ThreadId_t dst)
{
    L4_Word_t in[] = {src.raw, dst.raw};
    return mm_call(MM_COPY_SPACE, 2, in, 0, NULL);
}

int mm_stats(struct mm_stats *out)
{
    L4_Word_t words[sizeof(*out) / sizeof(L4_Word_t)];
    int e = mm_call(MM_STATS, 0, NULL, sizeof(*out) / sizeof(L4_Word_t), words);
    if (!e)
        memcpy(out, words, sizeof(*out));
    return e;
}

int mm_space_stats(L4_ThreadId_t any_thread_of_space, struct mm_space_stats *out)
{
    L4_Word_t words[5];
    int e = mm_call(MM_SPACE_STATS, 1, &any_thread_of_space.raw, 5, words);
    if (!e)
        *out = (struct mm_space_stats){words[0], words[1], words[2], words[3], words[4]};
    return e;
}

int mm_audit(L4_Word_t *broken)
{
    return mm_call(MM_AUDIT, 0, NULL, 1, broken);
}

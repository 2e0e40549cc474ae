/*
 * Swap I/O: the pager queues jobs, worker threads carry them to the backing
 * store and report back. A worker asks for its next job with the report of
 * its last, so the main thread never waits for the store: it answers the
 * faults of the store itself, if need be, while a worker is blocked.
 */
#include <stdlib.h>

#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/message.h>
#include <l4srv/faultpoint.h>
#include <l4srv/swap.h>

#include "mmserver.h"

bool io_start(enum io_op op, uint32_t frame, uint32_t slot)
{
    struct io_job *job = malloc(sizeof(*job));
    if (!job)
        return false;
    *job = (struct io_job){.op = op, .frame = frame, .slot = slot};
    if (mm.jobs_tail)
        mm.jobs_tail->next = job;
    else
        mm.jobs = job;
    mm.jobs_tail = job;
    mm.jobs_in_flight++;
    mm.frames[frame].io_slot = slot;
    return true;
}

/* A page-out finished: every holder of the frame now has the page in the slot, or keeps it. */
static void page_out_done(uint32_t frame, int error, struct holder *h, unsigned n)
{
    if (error) {
        for (unsigned i = 0; i < n; i++) {
            slot_free(h[i].pte->slot);
            h[i].pte->slot = NO_SLOT;
            h[i].pte->class = PAGE_RESIDENT; /* still dirty, still here */
        }
        if (mm.frames[frame].refs == 1 && (mm.frames[frame].flags & FRAME_COW))
            frame_unshare(frame); /* the others left while it was out */
        mm.store_failed = true;
        L4_KDB_PrintString("mm: the backing store failed a page-out: no more paging out");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        h[i].pte->class = PAGE_SWAPPED;
        h[i].pte->frame = NO_FRAME;
        h[i].space->resident--;
        h[i].space->swapped++;
    }
    frames_free(frame, 1);
    mm.stats.page_outs++;
}

/* The report of a worker: the page is in (or out), or stays where it was. */
void io_done(uint32_t frame, int error)
{
    struct frame_info *fi = &mm.frames[frame];
    struct holder h[MAX_SPACES];
    unsigned n = frame_holders(frame, h);
    fi->flags &= (uint8_t) ~FRAME_TRANSIT;
    mm.jobs_in_flight--;
    mm.completed = true;
    if (!n) { /* the page was freed meanwhile: page_release left both to us */
        uint32_t slot = fi->io_slot;
        frames_free(frame, 1);
        slot_free(slot);
        return;
    }
    struct space *s = h[0].space;
    struct pte *p = h[0].pte;
    if (p->class == PAGE_OUT) {
        page_out_done(frame, error, h, n);
    } else if (p->class == PAGE_IN) {
        if (error) {
            p->class = PAGE_SWAPPED;
            p->frame = NO_FRAME;
            p->io_error = 1;
            frames_free(frame, 1);
            return;
        }
        p->class = PAGE_RESIDENT; /* clean: the slot keeps its copy */
        s->swapped--;
        s->resident++;
        mm.stats.page_ins++;
    }
}

/* ------------------------------------------------------------ worker */

static int io_error_of(L4_MsgTag_t tag)
{
    if (L4_IpcFailed(tag))
        return L4_IpcErrorType(L4_ErrorCode()) == L4_IpcErrTimeout ? L4SRV_ERR_UNRESPONSIVE
                                                                   : L4SRV_ERR_IO;
    return L4_Label(tag) ? L4SRV_ERR_IO : L4SRV_OK;
}

static int page_write(L4_ThreadId_t store, L4_Word_t addr, L4_Word_t slot, L4_Time_t timeout)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, slot);
    L4_StringItem_t item = L4_StringItem(SWAP_PAGE_SIZE, (void *) addr);
    L4_MsgAppendSimpleStringItem(&msg, item);
    L4_Set_MsgLabel(&msg, SWAP_WRITE);
    L4_MsgLoad(&msg);
    return io_error_of(L4_Call_Timeouts(store, timeout, timeout));
}

static int page_read(L4_ThreadId_t store, L4_Word_t addr, L4_Word_t slot, L4_Time_t timeout)
{
    L4_MsgBuffer_t buf;
    L4_MsgBufferClear(&buf);
    L4_MsgBufferAppendSimpleRcvString(&buf, L4_StringItem(SWAP_PAGE_SIZE, (void *) addr));
    L4_AcceptStrings(L4_StringItemsAcceptor, &buf);
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, slot);
    L4_Set_MsgLabel(&msg, SWAP_READ);
    L4_MsgLoad(&msg);
    L4_MsgTag_t tag = L4_Call_Timeouts(store, timeout, timeout);
    L4_Accept(L4_UntypedWordsAcceptor);
    int error = io_error_of(tag);
    if (!error && L4_TypedWords(tag) != 2)
        error = L4SRV_ERR_IO; /* the store answered without the page */
    return error;
}

void io_worker_main(void *kip)
{
    (void) kip;
    L4_ThreadId_t mm_main = mm_server();
    L4_Word_t label = MM_IO_READY, frame = 0, error = 0;
    for (;;) {
        L4_Msg_t msg;
        L4_MsgClear(&msg);
        L4_MsgAppendWord(&msg, frame);
        L4_MsgAppendWord(&msg, error);
        L4_Set_MsgLabel(&msg, label);
        L4_MsgLoad(&msg);
        L4_MsgTag_t tag = L4_Call(mm_main);
        if (L4_IpcFailed(tag))
            return; /* the server is gone: so is the system */
        L4_MsgStore(tag, &msg);
        L4_Word_t op = L4_Label(tag), addr = L4_MsgWord(&msg, 0), slot = L4_MsgWord(&msg, 1);
        L4_ThreadId_t store = {.raw = L4_MsgWord(&msg, 2)};
        L4_Time_t timeout = L4_TimePeriod(1000ULL * L4_MsgWord(&msg, 3));
        frame = L4_MsgWord(&msg, 4);
        if (l4srv_fault("mm/swap/io-error")) /* as if the store had failed it */
            error = L4SRV_ERR_IO;
        else
            error = op == IO_WRITE ? page_write(store, addr, slot, timeout)
                                   : page_read(store, addr, slot, timeout);
        label = MM_IO_DONE;
    }
}

/* Hand queued jobs to idle workers. */
void io_dispatch(void)
{
    while (mm.jobs && mm.idle_count) {
        struct io_job *job = mm.jobs;
        L4_ThreadId_t worker = mm.idle_workers[--mm.idle_count];
        mm.jobs = job->next;
        if (!mm.jobs)
            mm.jobs_tail = NULL;
        L4_Msg_t msg;
        L4_MsgClear(&msg);
        L4_MsgAppendWord(&msg, frame_address(job->frame));
        L4_MsgAppendWord(&msg, job->slot);
        L4_MsgAppendWord(&msg, mm.store.raw);
        L4_MsgAppendWord(&msg, mm.io_timeout_ms);
        L4_MsgAppendWord(&msg, job->frame);
        L4_Set_MsgLabel(&msg, job->op);
        L4_MsgLoad(&msg);
        free(job);
        L4_Reply(worker); /* it waits for exactly this; a dead worker would be a bug */
    }
}

void io_fini(void)
{
    while (mm.jobs) {
        struct io_job *job = mm.jobs;
        mm.jobs = job->next;
        free(job);
    }
    mm.jobs_tail = NULL;
}

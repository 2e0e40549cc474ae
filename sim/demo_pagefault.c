/*
 * Demo "pagefault": the X.2 page-fault protocol at kernel level. The root
 * task makes a new space whose thread it pages itself: the thread's first
 * read, its write to a read-only page and its touch after an unmap each
 * arrive at the root as a page-fault IPC, which it answers with a map item
 * of a page it got from sigma0.
 */
#include <stdio.h>
#include <stdlib.h>

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/pagefault.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4sim/l4sim.h>

#include "demo.h"
#include "demo_memory.h"

#define PAGE            4096UL
#define STACK_SIZE      (64 * 1024)
#define TOUCH_OFFSET    0x10008UL        /* where in its window the thread touches */
#define FIRST_VALUE     0x1234UL         /* what the root writes before the first map */
#define LABEL_REPORT    0x7e01           /* the thread tells the root what it saw */
#define LABEL_EXCEPTION 0xffffffffffc0UL /* (-4 << 4) cut to the 48-bit label */
#define MAX_RETRIES     4                /* refused faults the root resumes before giving up */

/* Its KIP and UTCB areas, as the new space will see them. */
#define SPACE_KIP_AREA  L4_FpageLog2(0x1000UL, 12)
#define SPACE_UTCB_BASE 0x100000UL
#define SPACE_UTCB_AREA L4_FpageLog2(SPACE_UTCB_BASE, 14)

/* No wait is endless: a lost message costs a timeout, never a hang. */
#define TIMEOUT L4_TimePeriod(1000 * 1000)

/* Host memory, which every space sees: how the thread finds its page. */
static volatile L4_Word_t touch_address;

/* Tell the root what was read; carry on whatever the answer. */
static void report(L4_Word_t value)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, LABEL_REPORT);
    L4_MsgAppendWord(&msg, value);
    L4_MsgLoad(&msg);
    L4_Call_Timeouts(L4_Pager(), TIMEOUT, TIMEOUT);
}

/*
 * The thread in the new space. Each access below is one machine
 * instruction on a page of its own window; when the page is missing or
 * read-only the kernel stops the thread right there and asks its pager.
 */
static void toucher(void *kip)
{
    (void) kip;
    L4_Set_ExceptionHandler(L4_Pager()); /* a refused fault comes to the root, too */
    volatile L4_Word_t *word = (volatile L4_Word_t *) touch_address;
    L4_Word_t seen = *word; /* first touch: a read */
    report(seen);
    *word = seen + 1; /* a write to a read-only page */
    report(*word);
    report(*word); /* after the root's unmap */
    for (;;)
        L4_Sleep(L4_Never);
}

struct demo_state {
    void *stack;
    L4_ThreadId_t thread;
    L4_Word_t window, window_size; /* the new space's window */
    L4_Word_t ram;                 /* the root's window: physical address 0 */
    L4_Word_t frame;               /* the page the root got from sigma0 */
    enum demo_outcome outcome;
};

static void recovered(struct demo_state *st)
{
    demo_recovered(&st->outcome);
}

static bool failed_ipc(struct demo_state *st, L4_MsgTag_t tag, const char *what)
{
    if (!L4_IpcFailed(tag))
        return false;
    say("%s failed: %s; the root reports it and carries on", what,
        L4_IpcErrorCode_String(L4_ErrorCode()));
    recovered(st);
    return true;
}

static void wrong_result(struct demo_state *st, const char *what)
{
    say("WRONG RESULT: %s", what);
    st->outcome = DEMO_FAILED;
}

static const char *rights_text(L4_Word_t rwx)
{
    static const char *const names[] = {"---", "--x", "-w-", "-wx", "r--", "r-x", "rw-", "rwx"};
    return names[rwx & 7];
}

/* An instruction pointer as a place in the thread's code: the same text every run. */
static const char *ip_text(L4_Word_t ip, char *buf, size_t size)
{
    L4_Word_t start = (L4_Word_t) toucher;
    if (ip >= start && ip - start < PAGE)
        snprintf(buf, size, "toucher+0x%lx", ip - start);
    else
        snprintf(buf, size, "outside toucher");
    return buf;
}

struct fault {
    L4_Word_t access, address, ip;
};

/*
 * Receive the thread's next page fault. A fault the kernel refused without
 * asking (an injected refusal) arrives as an exception IPC instead: the
 * root resumes the thread where it was, so it touches the page again.
 */
static bool await_fault(struct demo_state *st, struct fault *f)
{
    for (int tries = 0; tries <= MAX_RETRIES; tries++) {
        L4_Accept(L4_UntypedWordsAcceptor);
        L4_MsgTag_t tag = L4_Receive_Timeout(st->thread, TIMEOUT);
        if (failed_ipc(st, tag, "waiting for the page fault"))
            return false;
        L4_Msg_t msg;
        L4_MsgStore(tag, &msg);
        if (L4_IsPagefaultTag(tag) && L4_UntypedWords(tag) == 2) {
            f->access = L4_PagefaultAccess(tag);
            f->address = L4_PagefaultAddress(&msg);
            f->ip = L4_PagefaultIp(&msg);
            char ip[32];
            say("page-fault IPC from %lu.%lu: label 0x%lx = (-2<<4) | %lu (%s access), u=%lu "
                "t=%lu\n       MR1 fault address = window+0x%lx, MR2 IP = %s",
                L4_ThreadNo(st->thread), L4_Version(st->thread), (unsigned long) L4_Label(tag),
                f->access, rights_text(f->access), (unsigned long) L4_UntypedWords(tag),
                (unsigned long) L4_TypedWords(tag), f->address - st->window,
                ip_text(f->ip, ip, sizeof(ip)));
            return true;
        }
        if ((L4_Label(tag) & ~0xfUL) == LABEL_EXCEPTION && L4_UntypedWords(tag) >= 4) {
            say("exception IPC instead: the kernel refused the fault at window+0x%lx without "
                "asking the pager;\n       the root resumes the thread at the same IP, so it "
                "touches the page again",
                L4_MsgWord(&msg, 1) - st->window);
            recovered(st);
            L4_Word_t resume[2] = {L4_MsgWord(&msg, 0), L4_MsgWord(&msg, 3)}; /* IP, SP */
            L4_MsgClear(&msg);
            L4_MsgAppendWord(&msg, resume[0]);
            L4_MsgAppendWord(&msg, resume[1]);
            L4_MsgLoad(&msg);
            if (failed_ipc(st, L4_Send_Timeout(st->thread, TIMEOUT), "resuming the thread"))
                return false;
            continue;
        }
        say("unexpected message, label 0x%lx; the root gives up on the thread",
            (unsigned long) L4_Label(tag));
        recovered(st);
        return false;
    }
    say("the fault was refused %d times; the root gives up on the thread", MAX_RETRIES + 1);
    recovered(st);
    return false;
}

/* The thread's next report: what it read. */
static bool await_report(struct demo_state *st, L4_Word_t *value)
{
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Receive_Timeout(st->thread, TIMEOUT);
    if (failed_ipc(st, tag, "waiting for the thread's report"))
        return false;
    if (L4_Label(tag) != LABEL_REPORT || L4_UntypedWords(tag) != 1) {
        say("unexpected message, label 0x%lx; the root gives up on the thread",
            (unsigned long) L4_Label(tag));
        recovered(st);
        return false;
    }
    L4_StoreMR(1, value);
    return true;
}

static bool answer_report(struct demo_state *st)
{
    L4_LoadMR(0, 0);
    return !failed_ipc(st, L4_Send_Timeout(st->thread, TIMEOUT), "the answer to the report");
}

/* The page-fault reply: one map item of the root's frame, no untyped words. */
static bool map_frame(struct demo_state *st, const struct fault *f, L4_Word_t rights)
{
    L4_Fpage_t fpage = L4_FpageAddRights(L4_FpageLog2(st->frame, 12), rights);
    L4_Word_t send_base = f->address & ~(PAGE - 1);
    say("reply: map item, fpage = RAM+0x%lx, 4 KiB, rights %s; send base = "
        "window+0x%lx",
        st->frame - st->ram, rights_text(rights), send_base - st->window);
    L4_MapItem_t item = L4_MapItem(fpage, send_base);
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.t = 2;
    L4_Set_MsgTag(tag);
    L4_LoadMRs(1, 2, item.raw);
    return !failed_ipc(st, L4_Send_Timeout(st->thread, TIMEOUT), "the map reply");
}

/*
 * The sigma0 protocol's "any free page" request, as L4_Sigma0_GetAny
 * sends it, but with timeouts: a lost request must not stop the root.
 */
static L4_Fpage_t sigma0_any_page(struct demo_state *st)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, L4_SIGMA0_LABEL);
    L4_MsgAppendWord(&msg, L4_FpageLog2(~0UL, 12).raw);
    L4_MsgAppendWord(&msg, 0); /* default memory attributes */
    L4_MsgLoad(&msg);
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t tag = L4_Call_Timeouts(L4_Sigma0Id(L4_GetKernelInterface()), TIMEOUT, TIMEOUT);
    L4_Accept(L4_UntypedWordsAcceptor);
    if (failed_ipc(st, tag, "the request to sigma0"))
        return L4_Nilpage;
    L4_Fpage_t got = L4_Nilpage;
    if (L4_TypedWords(tag) == 2)
        L4_StoreMR(2, &got.raw);
    if (L4_IsNilFpage(got)) {
        say("sigma0 gave no page; the root gives up");
        recovered(st);
    }
    return got;
}

static bool check_fault(struct demo_state *st, const struct fault *f, L4_Word_t access)
{
    if (f->access == access && f->address == touch_address)
        return true;
    wrong_result(st, "the fault has the wrong access bits or address");
    return false;
}

static bool make_space(struct demo_state *st)
{
    void *kip = L4_GetKernelInterface();
    L4_ThreadId_t me = L4_Myself();
    st->thread = L4_GlobalId(L4_ThreadIdUserBase(kip) + 8, 1);
    narrate("The root task (thread %lu) makes a new address space: ThreadControl creates thread\n"
            "    %lu.%lu as the first thread of a space of its own, SpaceControl gives the space "
            "its\n    KIP and UTCB areas, and a second ThreadControl names its pager: the root "
            "task.",
            L4_ThreadNo(me), L4_ThreadNo(st->thread), L4_Version(st->thread));
    L4_Fpage_t window;
    if (!L4_ThreadControl(st->thread, st->thread, me, L4_nilthread, (void *) ~0UL) ||
        !L4_SpaceControl(st->thread, 0, SPACE_KIP_AREA, SPACE_UTCB_AREA, L4_nilthread,
                         &window.raw) ||
        !L4_ThreadControl(st->thread, st->thread, me, me, (void *) SPACE_UTCB_BASE)) {
        say("making the space failed: %s", L4_ErrorCode_String(L4_ErrorCode()));
        return false;
    }
    st->window = L4_Address(window);
    st->window_size = L4_Size(window);
    touch_address = st->window + TOUCH_OFFSET;
    say("on l4sim the space is a window of %lu MiB of the host's address space; nothing "
        "is mapped in it yet",
        st->window_size >> 20);
    return true;
}

static bool start_thread(struct demo_state *st)
{
    st->stack = malloc(STACK_SIZE);
    narrate("The root sends the start message (MR1 = IP, MR2 = SP). The thread's code and stack\n"
            "    are host memory, which every space shares; it reads the word at "
            "window+0x%lx,\n    a page nobody has mapped. The host raises SIGSEGV, and the kernel "
            "turns it into\n    a page-fault IPC to the thread's pager, on the thread's behalf.",
            TOUCH_OFFSET);
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, (L4_Word_t) toucher);
    L4_MsgAppendWord(&msg, (L4_Word_t) st->stack + STACK_SIZE);
    L4_MsgLoad(&msg);
    return !failed_ipc(st, L4_Send_Timeout(st->thread, TIMEOUT), "the start message");
}

/* Read fault, map read-only, the thread reads the root's value. */
static bool first_touch(struct demo_state *st)
{
    struct fault f;
    if (!await_fault(st, &f) || !check_fault(st, &f, L4_Readable))
        return false;
    narrate("The root asks sigma0 for a page of RAM (sigma0 protocol, label -6<<4), writes 0x%lx\n"
            "    into it at the offset the thread reads, and answers the fault with a map item:\n"
            "    the page as an fpage with read rights only. The kernel maps it and the thread's\n"
            "    read runs again, this time without a fault.",
            FIRST_VALUE);
    L4_Fpage_t got = sigma0_any_page(st);
    if (L4_IsNilFpage(got))
        return false;
    st->frame = L4_Address(got);
    say("sigma0 mapped RAM+0x%lx to the root (idempotently: physical address = root "
        "address)",
        st->frame - st->ram);
    *(volatile L4_Word_t *) (st->frame + (TOUCH_OFFSET & (PAGE - 1))) = FIRST_VALUE;
    if (!map_frame(st, &f, L4_Readable))
        return false;
    L4_Word_t seen;
    if (!await_report(st, &seen))
        return false;
    say("the thread read 0x%lx", seen);
    if (seen != FIRST_VALUE)
        wrong_result(st, "the thread did not read the root's value");
    return answer_report(st);
}

/* Write fault on the read-only page, map read-write, one frame seen by both. */
static bool write_touch(struct demo_state *st)
{
    narrate("The thread writes 0x%lx to the same word. The page is mapped read-only, so the "
            "write\n    faults too: same address, but now the write bit is set in the label.",
            FIRST_VALUE + 1);
    struct fault f;
    if (!await_fault(st, &f) || !check_fault(st, &f, L4_Writable))
        return false;
    narrate("The root maps the same frame again, now read-write. Rights only ever grow as far as\n"
            "    the sender's own: the root has rwx from sigma0. The thread's write completes.");
    if (!map_frame(st, &f, L4_ReadWriteOnly))
        return false;
    L4_Word_t seen;
    if (!await_report(st, &seen))
        return false;
    L4_Word_t root_sees = *(volatile L4_Word_t *) (st->frame + (TOUCH_OFFSET & (PAGE - 1)));
    say("the thread reads back 0x%lx; the root reads 0x%lx at RAM+0x%lx: one frame, "
        "two mappings",
        seen, root_sees, st->frame - st->ram);
    if (seen != FIRST_VALUE + 1 || root_sees != FIRST_VALUE + 1)
        wrong_result(st, "the write did not reach the frame");
    demo_maps_snapshot();
    return true; /* the thread waits for the answer until the unmap is done */
}

/* Unmap the frame from the thread; its next touch faults again. */
static bool unmap_and_touch(struct demo_state *st)
{
    narrate("The root revokes the page: Unmap of its fpage with rights rwx takes every mapping\n"
            "    derived from the root's (here the thread's) and keeps the root's own; Flush\n"
            "    would take the root's too. In the fpage's rights field the kernel hands back\n"
            "    the page's status bits.");
    L4_Fpage_t status =
        L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(st->frame, 12), L4_FullyAccessible));
    say("the page's status: referenced %s, written %s (on l4sim: by the rights its mappings "
        "had,\n       since the host cannot see single accesses)",
        L4_WasReferenced(status) ? "yes" : "no", L4_WasWritten(status) ? "yes" : "no");
    if (!L4_WasReferenced(status) || !L4_WasWritten(status))
        wrong_result(st, "the access bits miss the thread's read or write");
    if (!answer_report(st))
        return false;

    narrate("The thread reads the word again: the page is gone from its window, so the read\n"
            "    faults once more, and the root maps the frame read-only again.");
    struct fault f;
    if (!await_fault(st, &f) || !check_fault(st, &f, L4_Readable))
        return false;
    if (!map_frame(st, &f, L4_Readable))
        return false;
    L4_Word_t seen;
    if (!await_report(st, &seen))
        return false;
    say("the thread reads 0x%lx: the frame kept its contents while it was unmapped", seen);
    if (seen != FIRST_VALUE + 1)
        wrong_result(st, "the frame lost the thread's write");
    return true; /* left waiting for an answer: deleted below, blocked in IPC */
}

static int demo_root(void *arg)
{
    struct demo_state *st = arg;
    L4_Word_t ram_size;
    l4sim_space_window(L4_Myself(), &st->ram, &ram_size);
    if (!make_space(st))
        return DEMO_FAILED;
    if (start_thread(st) && first_touch(st) && write_touch(st))
        unmap_and_touch(st);

    narrate("The root deletes thread %lu.%lu with ThreadControl; its space goes with its last\n"
            "    thread, and every mapping in the window with it.",
            L4_ThreadNo(st->thread), L4_Version(st->thread));
    if (!L4_ThreadControl(st->thread, L4_nilthread, L4_nilthread, L4_nilthread, (void *) ~0UL))
        wrong_result(st, "deleting the thread failed");
    return (int) st->outcome;
}

static int run(const struct demo_options *opt, struct demo_result *res)
{
    struct l4sim_config cfg;
    demo_begin(opt, &cfg,
               "l4sim demo pagefault: a thread's page faults, answered by its pager with map "
               "items.");
    struct demo_state st = {.outcome = DEMO_OK};
    int rc = l4sim_run(&cfg, demo_root, &st);
    free(st.stack);
    narrate("Shutdown: every thread, space and mapping of the run is gone.");
    return demo_finish("pagefault", &cfg, rc, res);
}

const struct demo demo_pagefault = {
    .name = "pagefault",
    .summary = "page-fault IPC, map items with rights, a write fault, unmap and fault again",
    .run = run,
};

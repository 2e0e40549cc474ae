/*
 * l4sim IPC entries for l4sim-bench: L4_Call / L4_ReplyWait round trips
 * between the root thread and a server thread of the root space (or of a
 * space of its own, on a stack in its window).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/pagefault.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4sim/l4sim.h>

#include "bench.h"
#include "stats.h"

#define STRING_BYTES 4096
#define SERVER_STACK (256UL << 10)
#define STACK_LOG2   18          /* SERVER_STACK as an fpage */
#define STACK_OFFSET (1UL << 20) /* where a window stack lies in the server's window */
#define LABEL_BAD    0xbad       /* the server's answer to a message it did not expect */

enum ipc_kind {
    KIND_WORDS,  /* n untyped words each way */
    KIND_STRING, /* one simple string item there, an empty reply back */
};

/*
 * One entry's run: each boots its own system, in which the root thread is
 * the client (on cpu[0]) and a second thread of its space the server (on
 * cpu[1]).
 */
struct ipc_run {
    const struct bench_params *p;
    struct bench_samples *s;
    enum ipc_kind kind;
    int words;         /* KIND_WORDS: untyped words each way */
    int deterministic; /* one simulated CPU (the server's pinning then changes nothing) */
    int window_stack;  /* the server is a space of its own, on a stack in its window */
    L4_ThreadId_t server;
    L4_Word_t src[__L4_NUM_MRS]; /* what the client loads into MR1.. */
    char *server_stack;          /* SERVER_STACK bytes */
    char *client_buf;            /* KIND_STRING: STRING_BYTES each */
    char *server_buf;
    int server_pin_failed;
};

/* The run in progress: the server thread finds it here (one system per process). */
static struct ipc_run *current_run;

/* ---------------------------------------------------------------- server */

/* Whether the message just received is the one r's client sends. */
static int expected(const struct ipc_run *r, L4_MsgTag_t tag)
{
    if (r->kind == KIND_WORDS)
        return L4_IsMsgTagEqual(tag, bench_tag(0, 0, r->words));
    L4_StringItem_t got;
    L4_StoreMRs(1, 2, got.raw);
    return L4_IsMsgTagEqual(tag, bench_tag(0, 2, 0)) && got.X.string_length == STRING_BYTES &&
           got.X.str.string_ptr == r->server_buf;
}

/*
 * The server: pins itself, then answers every message. KIND_WORDS echoes
 * the words it got (still in its MRs), KIND_STRING replies with no words.
 * It never returns; the end of the run deletes it.
 */
static void ipc_server(void *kip)
{
    (void) kip;
    struct ipc_run *r = current_run;
    if (bench_pin_self(r->p->cpu[1]))
        __atomic_store_n(&r->server_pin_failed, 1, __ATOMIC_RELEASE);
    if (r->kind == KIND_STRING) {
        /* BR0 = strings accepted, BR1..2 = one simple 4 KiB buffer. */
        L4_MsgBuffer_t b;
        L4_MsgBufferClear(&b);
        L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem(STRING_BYTES, r->server_buf));
        L4_AcceptStrings(L4_StringItemsAcceptor, &b);
    }
    L4_ThreadId_t client;
    L4_MsgTag_t tag = L4_Wait(&client);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&client); /* nobody to answer */
            continue;
        }
        if (!expected(r, tag))
            L4_Set_MsgTag(bench_tag(LABEL_BAD, 0, 0));
        else if (r->kind == KIND_WORDS)
            L4_Set_MsgTag(bench_tag(0, 0, r->words));
        else
            L4_Set_MsgTag(L4_Niltag);
        tag = L4_ReplyWait(client, &client);
    }
}

/* ---------------------------------------------------------------- client */

static int call_failed(L4_MsgTag_t tag)
{
    if (L4_IpcFailed(tag))
        fprintf(stderr, "l4sim-bench: L4_Call to the server failed: %s\n",
                L4_IpcErrorCode_String(L4_ErrorCode()));
    else
        fprintf(stderr, "l4sim-bench: unexpected reply, tag %#lx (label %#lx)\n", tag.raw,
                (unsigned long) L4_Label(tag));
    return -1;
}

/* One round trip of n untyped words each way, loaded and checked as a client would. */
static int words_op(void *ctx)
{
    struct ipc_run *r = ctx;
    L4_Set_MsgTag(bench_tag(0, 0, r->words));
    L4_LoadMRs(1, r->words, r->src);
    L4_MsgTag_t tag = L4_Call(r->server);
    L4_Word_t last;
    L4_StoreMR(r->words, &last);
    if (!L4_IsMsgTagEqual(tag, bench_tag(0, 0, r->words)) || last != r->src[r->words - 1])
        return call_failed(tag);
    return 0;
}

/* One 4 KiB simple string item into the server's buffer; an empty reply. */
static int string_op(void *ctx)
{
    struct ipc_run *r = ctx;
    L4_StringItem_t s = L4_StringItem(STRING_BYTES, r->client_buf);
    L4_Set_MsgTag(bench_tag(0, 2, 0));
    L4_LoadMRs(1, 2, s.raw);
    L4_MsgTag_t tag = L4_Call(r->server);
    if (!L4_IsMsgTagEqual(tag, L4_Niltag))
        return call_failed(tag);
    return 0;
}

/* Create the server in our space, next to us. */
static int create_local_server(struct ipc_run *r)
{
    void *kip = L4_GetKernelInterface();
    L4_ThreadId_t me = L4_Myself();
    L4_Word_t utcb = L4_MyLocalId().raw + L4_UtcbSize(kip);
    if (!L4_ThreadControl(r->server, me, me, me, (void *) utcb)) {
        fprintf(stderr, "l4sim-bench: ThreadControl for the server failed: %s\n",
                L4_ErrorCode_String(L4_ErrorCode()));
        return -1;
    }
    return 0;
}

/*
 * Create the server as the first thread of a new space, paged by us, with
 * its stack at *sp in its window (the stack of an MM-paged task).
 */
static int create_space_server(struct ipc_run *r, L4_Word_t *sp)
{
    L4_ThreadId_t me = L4_Myself();
    L4_Word_t base, size;
    if (!L4_ThreadControl(r->server, r->server, me, L4_nilthread, (void *) -1) ||
        !L4_SpaceControl(r->server, 0, L4_FpageLog2(0x1000, 12), L4_FpageLog2(0x100000, 12),
                         L4_nilthread, &base) ||
        !L4_ThreadControl(r->server, r->server, me, me, (void *) 0x100000)) {
        fprintf(stderr, "l4sim-bench: creating the server in a new space failed: %s\n",
                L4_ErrorCode_String(L4_ErrorCode()));
        return -1;
    }
    if (l4sim_space_window(r->server, &base, &size) || size < STACK_OFFSET + SERVER_STACK) {
        fprintf(stderr, "l4sim-bench: the server has no window for its stack\n");
        return -1;
    }
    *sp = base + STACK_OFFSET + SERVER_STACK;
    return 0;
}

/* Answer the server's first page fault by mapping all of its window stack. */
static int map_window_stack(struct ipc_run *r, L4_Word_t sp)
{
    L4_Fpage_t pages = L4_Sigma0_GetAny(L4_nilthread, STACK_LOG2, L4_CompleteAddressSpace);
    if (L4_IsNilFpage(pages)) {
        fprintf(stderr, "l4sim-bench: sigma0 gave no pages for the server's stack\n");
        return -1;
    }
    memset((void *) L4_Address(pages), 0, SERVER_STACK); /* no host fault in a timed call */
    L4_MsgTag_t tag = L4_Receive(r->server);
    if (L4_IpcFailed(tag) || !L4_IsPagefaultTag(tag)) {
        fprintf(stderr, "l4sim-bench: want the server's first page fault, got tag %#lx\n", tag.raw);
        return -1;
    }
    L4_Set_Rights(&pages, L4_ReadWriteOnly);
    L4_MapItem_t item = L4_MapItem(pages, sp - SERVER_STACK);
    L4_Set_MsgTag(bench_tag(0, 2, 0));
    L4_LoadMRs(1, 2, item.raw);
    tag = L4_Send(r->server);
    if (L4_IpcFailed(tag)) {
        fprintf(stderr, "l4sim-bench: mapping the server's stack failed: %s\n",
                L4_IpcErrorCode_String(L4_ErrorCode()));
        return -1;
    }
    return 0;
}

/* Create the server and send it its start message. */
static int start_server(struct ipc_run *r)
{
    L4_ThreadId_t me = L4_Myself();
    /* The root thread is its space's only thread so far: the next number is free. */
    r->server = L4_GlobalId(L4_ThreadNo(me) + 1, 1);
    L4_Word_t sp = (L4_Word_t) r->server_stack + SERVER_STACK;
    if (r->window_stack ? create_space_server(r, &sp) : create_local_server(r))
        return -1;
    L4_Set_MsgTag(bench_tag(0, 0, 2)); /* the start message: MR1 = IP, MR2 = SP */
    L4_LoadMR(1, (L4_Word_t) ipc_server);
    L4_LoadMR(2, sp);
    L4_MsgTag_t tag = L4_Send(r->server);
    if (L4_IpcFailed(tag)) {
        fprintf(stderr, "l4sim-bench: the server's start message failed: %s\n",
                L4_IpcErrorCode_String(L4_ErrorCode()));
        return -1;
    }
    return r->window_stack ? map_window_stack(r, sp) : 0;
}

/* The root thread's function: the client side of the whole entry. */
static int ipc_root(void *arg)
{
    struct ipc_run *r = arg;
    int (*op)(void *) = r->kind == KIND_WORDS ? words_op : string_op;
    if (bench_pin_self(r->p->cpu[0]) || start_server(r))
        return -1;
    /* An untimed first round trip: once it is answered, the server has pinned itself. */
    if (op(r))
        return -1;
    if (__atomic_load_n(&r->server_pin_failed, __ATOMIC_ACQUIRE))
        return -1;
    return bench_time_ops(r->p, r->s, op, r);
}

/* ----------------------------------------------------------------- entries */

/* Boot one system, run the client in it, and release what the run used. */
static int run_system(struct ipc_run *r)
{
    int status = -1;
    r->server_stack = aligned_alloc(64, SERVER_STACK);
    if (r->kind == KIND_STRING) {
        r->client_buf = aligned_alloc(4096, STRING_BYTES);
        r->server_buf = aligned_alloc(4096, STRING_BYTES);
    }
    if (!r->server_stack || (r->kind == KIND_STRING && (!r->client_buf || !r->server_buf))) {
        fprintf(stderr, "l4sim-bench: out of memory\n");
    } else {
        if (r->kind == KIND_STRING) {
            /* Touch both buffers so no page fault lands in a timed copy. */
            memset(r->client_buf, 0x5a, STRING_BYTES);
            memset(r->server_buf, 0, STRING_BYTES);
        }
        for (int i = 0; i < __L4_NUM_MRS; i++)
            r->src[i] = 0x1000UL + (L4_Word_t) i;

        struct l4sim_config cfg;
        l4sim_config_init(&cfg);
        cfg.deterministic = r->deterministic;
        cfg.seed = 1;
        current_run = r;
        int rc = l4sim_run(&cfg, ipc_root, r);
        current_run = NULL;
        if (rc == L4SIM_BOOT_FAILED)
            fprintf(stderr, "l4sim-bench: the simulated system did not boot\n");
        status = rc == 0 ? 0 : -1;
    }
    /* l4sim_run has deleted the server by now: its stack is free. */
    free(r->server_stack);
    free(r->client_buf);
    free(r->server_buf);
    return status;
}

static int ipc_rt(const struct bench_params *p, struct bench_samples *s)
{
    struct ipc_run r = {.p = p, .s = s, .kind = KIND_WORDS, .words = 2};
    return run_system(&r);
}

static int ipc_rt_63w(const struct bench_params *p, struct bench_samples *s)
{
    struct ipc_run r = {.p = p, .s = s, .kind = KIND_WORDS, .words = 63};
    return run_system(&r);
}

static int string_rt_4k(const struct bench_params *p, struct bench_samples *s)
{
    struct ipc_run r = {.p = p, .s = s, .kind = KIND_STRING};
    return run_system(&r);
}

static int ipc_rt_wstack(const struct bench_params *p, struct bench_samples *s)
{
    struct ipc_run r = {.p = p, .s = s, .kind = KIND_WORDS, .words = 2, .window_stack = 1};
    return run_system(&r);
}

static int ipc_rt_det(const struct bench_params *p, struct bench_samples *s)
{
    struct ipc_run r = {.p = p, .s = s, .kind = KIND_WORDS, .words = 2, .deterministic = 1};
    return run_system(&r);
}

/*
 * Scheduling decisions per second of wall time in deterministic mode: an
 * ipc_rt_det run, divided by the wall time it took. Every decision is a
 * kernel entry or a block; most round trips hand the one CPU over twice.
 */
static int det_switches_per_s(const struct bench_params *p, struct bench_figure *f)
{
    struct bench_samples s;
    stats_init(&s);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = ipc_rt_det(p, &s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    stats_free(&s);
    if (rc)
        return -1;
    struct l4sim_stats st;
    l4sim_get_stats(&st);
    double wall = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
    f->value = (unsigned long long) ((double) st.sched_decisions / wall);
    f->nextra = 2;
    f->extra[0].key = "decisions";
    f->extra[0].value = st.sched_decisions;
    f->extra[1].key = "wall_us";
    f->extra[1].value = (unsigned long long) (wall * 1e6);
    return 0;
}

static const struct bench_entry entries[] = {
    {"ipc_rt", "L4_Call / L4_ReplyWait round trip, 2 untyped words each way", ipc_rt, NULL},
    {"ipc_rt_63w", "L4_Call / L4_ReplyWait round trip, 63 untyped words each way", ipc_rt_63w,
     NULL},
    {"string_rt_4k", "L4_Call with one 4 KiB simple string item, empty reply", string_rt_4k, NULL},
    {"ipc_rt_wstack", "ipc_rt with the server in a space of its own, on a stack in its window",
     ipc_rt_wstack, NULL},
    {"ipc_rt_det", "ipc_rt in deterministic mode (one simulated CPU, seed 1)", ipc_rt_det, NULL},
    {"det_switches_per_s", "deterministic scheduling decisions per wall-clock second", NULL,
     det_switches_per_s},
};

const struct bench_family bench_ipc = {entries, sizeof(entries) / sizeof(entries[0])};

/*
 * The region mapper: the first thread of every task's space and the pager
 * of all the others (seed 000, Sawmill dataspaces). A fault is decoded,
 * its region found, its rights checked, and the region's provider asked
 * for the page: the MM server for anonymous memory and stacks, the ELF
 * image (built here page by page, handed to the MM server to hold) for
 * the program. The provider maps into this space, which is the faulting
 * thread's space too, so the reply to the thread carries nothing.
 *
 * It runs task-server code and never allocates, locks or blocks on
 * anything but IPC, so the task server may kill it at any instant.
 */
#include <string.h>

#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/message.h>
#include <l4/pagefault.h>
#include <l4/thread.h>
#include <l4srv/call.h>
#include <l4srv/ids.h>
#include <l4srv/mm.h>

#include "../root/server.h"
#include "taskserver.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#define RM_OWN_STACK       0x40000UL /* the MM server's main stack of the space: ours */
#define RM_EXCEPTION_LABEL ((L4_Word_t) -4 << 4 & 0xffffffffffffUL) /* kernel exception IPC */

const char *rm_fault_name(L4_Word_t reason)
{
    switch (reason) {
    case RM_FAULT_UNMAPPED:
        return "page fault outside every region";
    case RM_FAULT_RIGHTS:
        return "access the region does not allow";
    case RM_FAULT_OVERFLOW:
        return "stack overflow";
    case RM_FAULT_REFUSED:
        return "no page for it (out of memory or I/O error)";
    case RM_FAULT_OUTSIDE:
        return "access outside the task's address space";
    default:
        return "fault";
    }
}

static L4_Word_t page_of(L4_Word_t addr)
{
    return addr & ~(PAGE_SIZE - 1);
}

/* ------------------------------------------------------- providers */

/*
 * Ask the MM server for the page as if we had faulted on it ourselves.
 * Returns 0 when it mapped the page, L4SRV_ERR_NON_EXISTENT for a page
 * of the image nobody filled yet, another error when it refused.
 */
static int mm_page(L4_Word_t addr, L4_Word_t ip, unsigned access)
{
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(page_of(addr), PAGE_SHIFT)));
    L4_MsgTag_t tag = L4_PagefaultTag(access);
    L4_LoadMR(0, tag.raw);
    L4_LoadMR(1, addr);
    L4_LoadMR(2, ip);
    L4_Time_t timeout = l4srv_call_timeout();
    tag = L4_Call_Timeouts(mm_server(), timeout, timeout);
    L4_Accept(L4_UntypedWordsAcceptor);
    if (L4_IpcFailed(tag))
        return l4srv_ipc_failure();
    if (L4_TypedWords(tag))
        return L4SRV_OK;
    return L4_Label(tag) == L4SRV_ERR_NON_EXISTENT ? L4SRV_ERR_NON_EXISTENT : L4SRV_ERR_NO_MEM;
}

/* Build the image's page at addr and hand it to the MM server, which maps it here. */
static int image_fill(struct rm_state *st, L4_Word_t addr, unsigned rights)
{
    L4_Word_t offset = page_of(addr) - st->image_base;
    elf_fill_page(st->image, offset, st->image_base, st->page);
    return mm_page_fill(page_of(addr), rights, st->page, PAGE_SIZE);
}

static int image_page(struct rm_state *st, L4_Word_t addr, L4_Word_t ip, unsigned access)
{
    unsigned rights = elf_page_rights(st->image, page_of(addr) - st->image_base);
    if (!rights || (access & ~rights))
        return L4SRV_ERR_NO_PRIVILEGE;
    int err = mm_page(addr, ip, access);
    if (err == L4SRV_ERR_NON_EXISTENT)
        err = image_fill(st, addr, rights);
    return err;
}

/*
 * Under Valgrind only: once one executable page of the image is mapped,
 * map all of them. Valgrind reads code ahead while it translates (an
 * instruction that runs over the end of a page, a call it follows), and a
 * read of an unmapped page there kills Valgrind itself instead of raising
 * a page fault the task could take.
 */
static void valgrind_map_text(struct rm_state *st, L4_Word_t addr, L4_Word_t ip)
{
    L4_Word_t span = elf_image_span(st->image);
    if (!RUNNING_ON_VALGRIND ||
        !(elf_page_rights(st->image, page_of(addr) - st->image_base) & L4_eXecutable))
        return;
    for (L4_Word_t off = 0; off < span; off += PAGE_SIZE)
        if (elf_page_rights(st->image, off) & L4_eXecutable)
            image_page(st, st->image_base + off, ip, L4_Readable); /* errors show when run */
}

/* ------------------------------------------------------------ faults */

static void report(struct rm_state *st, L4_ThreadId_t thread, L4_Word_t addr, L4_Word_t ip,
                   enum rm_fault why)
{
    L4_LoadMR(0, (L4_Word_t) RMI_FAULT << 16 | 4);
    L4_LoadMR(1, thread.raw);
    L4_LoadMR(2, addr);
    L4_LoadMR(3, ip);
    L4_LoadMR(4, why);
    L4_Send(st->server); /* the task server ends the task; the thread stays blocked till then */
}

static void fault(struct rm_state *st, L4_ThreadId_t from, L4_Word_t addr, L4_Word_t ip,
                  unsigned access)
{
    struct rm_region *r = rm_find(st, addr);
    if (!r) {
        report(st, from, addr, ip, rm_in_guard(st, addr) ? RM_FAULT_OVERFLOW : RM_FAULT_UNMAPPED);
        return;
    }
    if (access & ~r->rights) {
        report(st, from, addr, ip, RM_FAULT_RIGHTS);
        return;
    }
    int err =
        r->kind == RM_REGION_IMAGE ? image_page(st, addr, ip, access) : mm_page(addr, ip, access);
    if (err) {
        report(st, from, addr, ip,
               err == L4SRV_ERR_NO_PRIVILEGE ? RM_FAULT_RIGHTS : RM_FAULT_REFUSED);
        return;
    }
    if (r->kind == RM_REGION_IMAGE)
        valgrind_map_text(st, addr, ip);
    L4_LoadMR(0, 0);
    L4_Reply(from);
}

/* --------------------------------------------------------- regions */

static int attach(struct rm_state *st, L4_Word_t size, unsigned rights, unsigned kind, bool guarded,
                  L4_Word_t limit, L4_Word_t *where)
{
    size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (!size || size > st->size || !(rights & L4_FullyAccessible) ||
        (rights & ~L4_FullyAccessible))
        return L4SRV_ERR_INVALID_ARG;
    if (st->nregions == RM_MAX_REGIONS)
        return L4SRV_ERR_NO_MEM;
    L4_Word_t at = rm_place(st, size, guarded, limit);
    if (!at)
        return L4SRV_ERR_NO_MEM;
    L4_Word_t got;
    int err = mm_malloc_at(size, at, rights, kind == RM_REGION_IMAGE ? MM_ALLOC_FILLED : 0, &got);
    if (err)
        return err;
    rm_insert(st, at, size, kind, rights, guarded);
    *where = at;
    return L4SRV_OK;
}

static void detach(struct rm_state *st, struct rm_region *r)
{
    mm_free(r->size, r->start);
    rm_remove(st, r);
}

/* The top of the part of the window tasks may use: our own stack is above. */
static L4_Word_t user_top(const struct rm_state *st)
{
    return st->base + st->size - RM_OWN_STACK;
}

static L4_Word_t heap_limit(const struct rm_state *st)
{
    return user_top(st) - PAGE_SIZE - MAIN_STACK_SIZE - PAGE_SIZE;
}

/* ------------------------------------------------------ thread starts */

static bool own_thread(const struct rm_state *st, L4_ThreadId_t t)
{
    for (unsigned i = 0; i < TASK_MAX_THREADS; i++)
        if (st->threads[i].raw == t.raw && !L4_IsNilThread(t))
            return true;
    return false;
}

static bool note_thread(struct rm_state *st, L4_ThreadId_t t)
{
    for (unsigned i = 0; i < TASK_MAX_THREADS; i++)
        if (L4_IsNilThread(st->threads[i])) {
            st->threads[i] = t;
            return true;
        }
    return false;
}

/*
 * Lay out the start of a thread at the top of [lo, hi): the command line,
 * then the task_startup block at the 16-byte aligned initial SP. The
 * stack is ours too (one space), so plain stores fault it in from the MM
 * server like any of our own pages. Returns the SP.
 */
static L4_Word_t lay_out_start(struct rm_state *st, L4_Word_t lo, L4_Word_t hi, L4_Word_t kind,
                               L4_Word_t arg0, L4_Word_t arg1, const char *cmdline, size_t len)
{
    char *line = (char *) (hi - len - 1);
    memcpy(line, cmdline, len);
    line[len] = 0;
    struct task_startup *block =
        (struct task_startup *) (((L4_Word_t) line - sizeof(struct task_startup)) & ~15UL);
    *block = (struct task_startup){.kind = kind,
                                   .cmdline = line,
                                   .arg = {arg0, arg1},
                                   .task = st->self.raw,
                                   .image = st->image_base,
                                   .stack_lo = lo};
    return (L4_Word_t) block;
}

/* RMI_START: give thread a stack (unless sp), its startup block, us as pager, and run it. */
static int start_thread(struct rm_state *st, L4_ThreadId_t t, L4_Word_t ip, L4_Word_t sp,
                        L4_Word_t kind, L4_Word_t arg0, L4_Word_t arg1, const char *cmdline,
                        size_t len)
{
    if (!own_thread(st, t) && !note_thread(st, t))
        return L4SRV_ERR_NO_MEM;
    if (!sp) {
        L4_Word_t lo, size = THREAD_STACK;
        struct rm_region *r;
        int err;
        if (kind == TASK_STARTUP_MAIN || kind == TASK_STARTUP_FORK) {
            /* The main stack sits just below us, growing down towards the heap. */
            lo = user_top(st) - PAGE_SIZE - MAIN_STACK_SIZE;
            r = rm_find(st, lo);
            if (!r) {
                err = mm_malloc_at(MAIN_STACK_SIZE, lo, L4_ReadWriteOnly, 0, &lo);
                if (err)
                    return err;
                r = rm_insert(st, lo, MAIN_STACK_SIZE, RM_REGION_STACK, L4_ReadWriteOnly, true);
            }
            size = MAIN_STACK_SIZE;
        } else {
            err = attach(st, THREAD_STACK, L4_ReadWriteOnly, RM_REGION_STACK, true, heap_limit(st),
                         &lo);
            if (err)
                return err;
            r = rm_find(st, lo);
        }
        r->owner = t;
        sp = lay_out_start(st, lo, lo + size, kind, arg0, arg1, cmdline, len);
    }
    L4_ThreadId_t pager = st->self;
    L4_ExchangeRegisters(t,
                         L4_EXREGS_HALTFLAG_FLAG | L4_EXREGS_SEND_FLAG | L4_EXREGS_RECV_FLAG |
                             L4_EXREGS_SP_FLAG | L4_EXREGS_IP_FLAG | L4_EXREGS_PAGER_FLAG,
                         sp, ip, 0, 0, pager, NULL, NULL, NULL, NULL, NULL, NULL);
    return L4SRV_OK;
}

static void thread_gone(struct rm_state *st, L4_ThreadId_t t)
{
    for (unsigned i = 0; i < TASK_MAX_THREADS; i++)
        if (st->threads[i].raw == t.raw)
            st->threads[i] = L4_nilthread;
    for (unsigned i = 0; i < st->nregions; i++)
        if (st->regions[i].kind == RM_REGION_STACK && st->regions[i].owner.raw == t.raw) {
            detach(st, &st->regions[i]);
            return;
        }
}

/* RMI_LOAD: forget every region but ours (Exec), then attach image, filling it now if eager. */
static int load(struct rm_state *st, struct elf_image *image, L4_Word_t flags)
{
    for (unsigned i = st->nregions; i-- > 0;) {
        struct rm_region *r = &st->regions[i];
        if (r->start != st->base + st->size - RM_OWN_STACK)
            detach(st, r); /* everything but our own stack */
    }
    for (unsigned i = 0; i < TASK_MAX_THREADS; i++)
        st->threads[i] = L4_nilthread;
    st->image = image;
    L4_Word_t span = elf_image_span(image);
    int err = attach(st, span, L4_FullyAccessible, RM_REGION_IMAGE, false, heap_limit(st),
                     &st->image_base);
    if (err || !(flags & TASK_LOAD_EAGER))
        return err;
    for (L4_Word_t off = 0; off < span && !err; off += PAGE_SIZE) {
        unsigned rights = elf_page_rights(image, off);
        if (rights)
            err = image_fill(st, st->image_base + off, rights);
    }
    return err;
}

/* RMI_FORK_COPY: the child gets our regions (but our own stack) and our image. */
static int fork_copy(struct rm_state *st, struct rm_state *child)
{
    child->image = st->image;
    child->image_base = st->image_base - st->base + child->base;
    for (unsigned i = 0; i < st->nregions; i++) {
        const struct rm_region *r = &st->regions[i];
        if (r->kind == RM_REGION_STACK && L4_IsNilThread(r->owner))
            continue; /* ours: the child's region mapper has its own */
        struct rm_region *c = rm_insert(child, r->start - st->base + child->base, r->size, r->kind,
                                        r->rights, r->guarded);
        if (!c)
            return L4SRV_ERR_NO_MEM;
        c->owner = L4_nilthread; /* its thread stayed with the parent */
    }
    return L4SRV_OK;
}

/*
 * RMI_FORKED: our pages are copy-on-write copies of the parent's, and the
 * words its relocations name hold the parent's addresses. Each such page
 * the parent had filled is rebased into a private copy; pages it never
 * touched get our base when they are filled.
 */
static int forked(struct rm_state *st, L4_Word_t parent_base)
{
    L4_Word_t span = elf_image_span(st->image);
    for (L4_Word_t off = 0; off < span; off += PAGE_SIZE) {
        unsigned rights = elf_page_rights(st->image, off);
        if (!rights || !elf_page_has_relocs(st->image, off))
            continue;
        L4_Word_t addr = st->image_base + off;
        int err = mm_page(addr, 0, L4_Readable);
        if (err == L4SRV_ERR_NON_EXISTENT)
            continue;
        if (err)
            return err;
        memcpy(st->page, (const void *) addr, PAGE_SIZE);
        elf_rebase_page(st->image, off, parent_base, st->image_base, st->page);
        err = mm_page_refill(addr, rights, st->page, PAGE_SIZE);
        if (err)
            return err;
    }
    return L4SRV_OK;
}

/* ---------------------------------------------------------- requests */

static int region_request(struct rm_state *st, L4_Word_t label, const L4_Word_t *mr, unsigned u,
                          L4_Word_t *out, unsigned *words)
{
    *words = 0;
    switch (label) {
    case RM_ATTACH:
        if (u < 3)
            return L4SRV_ERR_INVALID_ARG;
        *words = 1;
        return attach(st, mr[0], (unsigned) mr[1], RM_REGION_ANON, mr[2] & RM_ATTACH_GUARDED,
                      heap_limit(st), &out[0]);
    case RM_DETACH: {
        struct rm_region *r = u >= 1 ? rm_find(st, mr[0]) : NULL;
        if (!r || r->start != mr[0] || r->kind != RM_REGION_ANON)
            return L4SRV_ERR_INVALID_ARG; /* only what attach gave: not the image, not stacks */
        detach(st, r);
        return L4SRV_OK;
    }
    case RM_FIND: {
        struct rm_region *r = u >= 1 ? rm_find(st, mr[0]) : NULL;
        if (!r)
            return L4SRV_ERR_NON_EXISTENT;
        out[0] = r->start;
        out[1] = r->size;
        out[2] = r->rights | (L4_Word_t) r->kind << 8;
        out[3] = r->kind == RM_REGION_IMAGE ? r->start - st->image_base : 0;
        *words = 4;
        return L4SRV_OK;
    }
    default:
        return L4SRV_ERR_INVALID_ARG;
    }
}

static int server_request(struct rm_state *st, L4_Word_t label, const L4_Word_t *mr, unsigned u,
                          const char *cmdline, size_t len)
{
    switch (label) {
    case RMI_START:
        if (u < 6)
            return L4SRV_ERR_INVALID_ARG;
        return start_thread(st, (L4_ThreadId_t){.raw = mr[0]}, mr[1], mr[2], mr[3], mr[4], mr[5],
                            cmdline, len);
    case RMI_THREAD_GONE:
        thread_gone(st, (L4_ThreadId_t){.raw = mr[0]});
        return L4SRV_OK;
    case RMI_LOAD:
        return load(st, (struct elf_image *) mr[0], mr[1]);
    case RMI_FORK_COPY:
        return fork_copy(st, (struct rm_state *) mr[0]);
    case RMI_FORKED:
        return forked(st, mr[0]);
    default:
        return L4SRV_ERR_INVALID_ARG;
    }
}

/* Take our state from the task server's first message; nothing else is ours before it. */
static struct rm_state *rm_init(void)
{
    for (;;) {
        struct srv_req rq;
        srv_receive(&rq, NULL, 0);
        /* Only the task server's word is a pointer we may follow. */
        if (rq.client.raw == l4srv_id(L4SRV_TASK).raw && rq.label == RMI_INIT &&
            srv_shape(&rq, 1, 0) && rq.w[0]) {
            struct rm_state *st = (struct rm_state *) rq.w[0];
            st->self = L4_Myself();
            rm_insert(st, st->base + st->size - RM_OWN_STACK, RM_OWN_STACK, RM_REGION_STACK,
                      L4_ReadWriteOnly, true);
            srv_reply(&rq, L4SRV_OK, 0, NULL, NULL, 0);
            return st;
        }
        srv_reply(&rq, L4SRV_ERR_NON_EXISTENT, 0, NULL, NULL, 0); /* not started yet */
    }
}

void rm_main(void *kip)
{
    (void) kip;
    struct rm_state *st = rm_init();
    char cmdline[TASK_CMDLINE_MAX + 1];
    for (;;) {
        struct srv_req rq;
        srv_receive(&rq, cmdline, TASK_CMDLINE_MAX);
        L4_MsgTag_t tag = {.raw = rq.label << 16 | (L4_Word_t) rq.t << 6 | rq.u};
        if (L4_IsPagefaultTag(tag) && srv_shape(&rq, 2, 0) && own_thread(st, rq.client)) {
            fault(st, rq.client, rq.w[0], rq.w[1], (unsigned) L4_PagefaultAccess(tag));
            continue;
        }
        if (rq.label == RM_EXCEPTION_LABEL && srv_shape(&rq, 4, 0) && own_thread(st, rq.client)) {
            report(st, rq.client, rq.w[1], rq.w[0], RM_FAULT_OUTSIDE); /* no reply: it stays */
            continue;
        }
        L4_Word_t out[4] = {0};
        unsigned words = 0;
        int err;
        if (rq.label == RM_PING)
            err = L4SRV_OK;
        else if (rq.from.raw == st->server.raw)
            err = server_request(st, rq.label, rq.w, rq.u, cmdline, rq.has_str ? rq.len : 0);
        else if (own_thread(st, rq.client) && !rq.t)
            err = region_request(st, rq.label, rq.w, rq.u, out, &words);
        else
            err = L4SRV_ERR_NO_PRIVILEGE;
        srv_reply(&rq, (L4_Word_t) err, words, out, NULL, 0);
    }
}

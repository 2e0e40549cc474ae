/*
 * Demo "boot": the standard system comes up server by server. A watcher on
 * the kernel trace recognises each step in the kernel's own events and
 * explains it just before the line that shows it; once the system is up,
 * the root task asks the servers what they hold and checks the answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/kip.h>
#include <l4/thread.h>
#include <l4srv/ids.h>
#include <l4srv/mm.h>
#include <l4srv/naming.h>
#include <l4srv/system.h>

#include "demo.h"
#include "demo_sys.h"

/* The system threads in the order the boot creates them (src/root/system.c). */
static const struct boot_server {
    enum l4srv_thread offset;
    const char *name;
} boot_order[] = {
    {L4SRV_MM, "MM server"},
    {L4SRV_MM_IO, "swap-I/O worker"},
    {L4SRV_MM_IO + 1, "swap-I/O worker"},
    {L4SRV_TASK, "task server"},
    {L4SRV_SWAP, "backing store"},
    {L4SRV_NAMING, "name service"},
    {L4SRV_LOG, "log service"},
    {L4SRV_NAMING_AUX, "random device"},
};
#define SERVERS (sizeof(boot_order) / sizeof(boot_order[0]))

/* One trace line taken apart: "t=T kind A [-> B | <- B | B] [label=0xL ...] [text]". */
struct event {
    char kind[24];
    unsigned long a, b; /* thread numbers; 0 when absent */
    unsigned long label;
    bool has_label;
    const char *text; /* what follows the first thread of a note */
};

/* What the watcher has seen so far; it runs under the kernel's trace lock. */
static struct boot_watch {
    l4sim_trace_fn next; /* the display demo_begin installed, or NULL */
    void *next_ctx;
    size_t ram_bytes;
    unsigned long sigma0, root;
    unsigned long created[SERVERS + 4]; /* server threads in creation order */
    unsigned ncreated;
    unsigned sigma0_requests, sigma0_maps;
    bool asked_sigma0, took_memory, registered_store, mounted, up;
} watch;

static const char *parse_thread(const char *p, unsigned long *no)
{
    char *end;
    unsigned long n = strtoul(p, &end, 10);
    if (end == p || *end != '.')
        return NULL;
    strtoul(end + 1, &end, 10);
    *no = n;
    return end;
}

static bool parse_event(const char *line, size_t len, char *buf, size_t cap, struct event *ev)
{
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, line, len);
    buf[len] = 0;
    memset(ev, 0, sizeof(*ev));
    const char *p = strchr(buf, ' ');
    if (strncmp(buf, "t=", 2) || !p)
        return false;
    p++;
    size_t k = strcspn(p, " ");
    if (k >= sizeof(ev->kind))
        return false;
    memcpy(ev->kind, p, k);
    p += k;
    if (*p == ' ') {
        const char *q = parse_thread(p + 1, &ev->a);
        p = q ? q : p;
    }
    ev->text = *p == ' ' ? p + 1 : p;
    if (!strncmp(p, " -> ", 4) || !strncmp(p, " <- ", 4))
        p += 3;
    if (*p == ' ' && ev->a) {
        const char *q = parse_thread(p + 1, &ev->b);
        p = q ? q : p;
    }
    const char *label = strstr(p, " label=0x");
    if (label) {
        ev->label = strtoul(label + 9, NULL, 16);
        ev->has_label = true;
    }
    return true;
}

static unsigned long offset_of(unsigned long thread)
{
    return thread - watch.root;
}

/* A thread the root task (or, for the store, the task server) creates. */
static void server_created(const struct event *ev)
{
    if (offset_of(ev->a) >= L4SRV_FIRST_FREE)
        return; /* the demo's own threads */
    if (watch.ncreated < sizeof(watch.created) / sizeof(watch.created[0]))
        watch.created[watch.ncreated++] = ev->a;
    switch (offset_of(ev->a)) {
    case L4SRV_MM:
        narrate("The root task creates the MM server: thread %lu (root + %d, L4SRV_MM in "
                "<l4srv/ids.h>),\n"
                "    a thread of the root task's own space made with ThreadControl. Its pager is "
                "sigma0.\n"
                "    It will own the memory and be the pager of every task: a task's page fault\n"
                "    becomes a message to it.",
                ev->a, L4SRV_MM);
        break;
    case L4SRV_MM_IO:
        narrate("Two swap-I/O workers follow, threads %lu and %lu (root + %d and + %d): they "
                "carry pages\n"
                "    to and from the backing store, so the MM server never waits for the disk "
                "itself.",
                ev->a, ev->a + 1, L4SRV_MM_IO, L4SRV_MM_IO + 1);
        break;
    case L4SRV_TASK:
        narrate("The root task creates the task server: thread %lu (root + %d, L4SRV_TASK), "
                "pager sigma0.\n"
                "    It loads programs, creates and kills tasks and keeps their records. First "
                "it asks\n"
                "    the MM server how much memory there is (MM_STATS, label 0x4d20), to size the "
                "backing store.",
                ev->a, L4SRV_TASK);
        break;
    case L4SRV_SWAP:
        narrate("The task server creates the backing store: thread %lu (root + %d, "
                "L4SRV_SWAP), pager sigma0.\n"
                "    It keeps pages in a host file when the MM server must make room in RAM.",
                ev->a, L4SRV_SWAP);
        break;
    case L4SRV_NAMING:
        narrate("The root task creates the name service: thread %lu (root + %d, L4SRV_NAMING), "
                "pager sigma0.\n"
                "    It holds the root of the namespace: /modules /services /logs /dev /stats.",
                ev->a, L4SRV_NAMING);
        break;
    case L4SRV_LOG:
        narrate("The root task creates the log service: thread %lu (root + %d, L4SRV_LOG). It "
                "registers\n"
                "    itself as /services/log: resolve /services (0x4e01), mk_object (0x4e02), "
                "register (0x4e04),\n"
                "    opens /logs/system (0x4601), then tells the root task it is ready (label "
                "0x4e7f).",
                ev->a, L4SRV_LOG);
        break;
    case L4SRV_NAMING_AUX:
        narrate("Last, the random device: thread %lu (root + %d, L4SRV_NAMING_AUX) registers "
                "itself as\n"
                "    /dev/random the same way and says it is ready.",
                ev->a, L4SRV_NAMING_AUX);
        break;
    default:
        break;
    }
}

/* Before line is shown: the step it begins, if any. */
static void explain(const struct event *ev)
{
    if (!strcmp(ev->kind, "boot")) {
        narrate("The kernel boots: it makes %zu MiB of simulated RAM, the kernel interface "
                "page (KIP)\n"
                "    and the two address spaces it knows from the start: sigma0's and the root "
                "task's.",
                watch.ram_bytes >> 20);
    } else if (!strcmp(ev->kind, "thread.create") && ev->a && !ev->b) {
        if (!watch.sigma0) {
            watch.sigma0 = ev->a;
            narrate("sigma0 is thread %lu, the first user thread (UserBase in the KIP). It owns "
                    "every frame\n"
                    "    of RAM and hands each out once; it is the root pager, where every chain "
                    "of pagers ends.",
                    ev->a);
        } else if (!watch.root) {
            watch.root = ev->a;
            narrate("The root task is thread %lu (UserBase + 2). Its pager is sigma0, which maps "
                    "it RAM one\n"
                    "    to one (physical address p at address p). It starts every other server "
                    "as a thread\n"
                    "    of its own space, in the order of the Karlsruhe system.",
                    ev->a);
        }
    } else if (!strcmp(ev->kind, "thread.create") && watch.root && ev->a > watch.root &&
               (ev->b == watch.root ||
                (ev->b == watch.root + L4SRV_TASK && offset_of(ev->a) == L4SRV_SWAP))) {
        server_created(ev);
    } else if (!strcmp(ev->kind, "send") && ev->a == watch.root + L4SRV_MM &&
               ev->b == watch.sigma0 && watch.sigma0) {
        watch.sigma0_requests++;
        if (!watch.asked_sigma0) {
            watch.asked_sigma0 = true;
            narrate("The MM server asks sigma0 for memory: GetAny requests (label "
                    "0xffffffffffa0, -6<<4).\n"
                    "    sigma0 answers each with a map item of 4 MiB while it can, then smaller "
                    "pieces;\n"
                    "    each 'map' line puts a piece into the MM server's space.");
        }
    } else if (!strcmp(ev->kind, "map") && ev->a == watch.root + L4SRV_MM &&
               ev->b == watch.sigma0) {
        watch.sigma0_maps++;
    } else if (!strcmp(ev->kind, "note") && ev->a == watch.root + L4SRV_MM &&
               strstr(ev->text, "took conventional memory") && !watch.took_memory) {
        watch.took_memory = true;
        narrate("The MM server took %u pieces of memory from sigma0 in %u requests and built "
                "its free list.\n"
                "    The root task's MM_STATS call (label 0x4d20) is answered only now: that "
                "is how it\n"
                "    knows the MM server is ready.",
                watch.sigma0_maps, watch.sigma0_requests);
    } else if (!strcmp(ev->kind, "send") && ev->has_label &&
               ev->label == MM_REGISTER_BACKINGSTORE && !watch.registered_store) {
        watch.registered_store = true;
        narrate("The task server registers the store with the MM server "
                "(MM_REGISTER_BACKINGSTORE, 0x4d10).\n"
                "    The MM server checks it by asking how many slots it has (SWAP_INFO, "
                "0x5301), answers,\n"
                "    and the task server tells the root task it is ready (label 0x5400).");
    } else if (!strcmp(ev->kind, "send") && ev->a == watch.root &&
               ev->b == watch.root + L4SRV_TASK && ev->has_label && ev->label == 0x543f &&
               !watch.mounted) {
        watch.mounted = true;
        narrate("The root task asks the task server to mount its directories (label 0x543f). "
                "The task\n"
                "    server makes /tasks in the name service with mk_object (0x4e02) and binds "
                "it to itself\n"
                "    with register (0x4e04); then /stats/tasks. Paths under them are now its "
                "to answer.");
    } else if (!strcmp(ev->kind, "note") && ev->a == watch.root && strstr(ev->text, "system up") &&
               !watch.up) {
        watch.up = true;
        narrate("Every server is up. The root task runs the application: the rest of this "
                "demo.");
    }
}

static void watch_trace(const char *line, size_t len, void *ctx)
{
    (void) ctx;
    char buf[256];
    struct event ev;
    if (parse_event(line, len, buf, sizeof(buf), &ev))
        explain(&ev);
    if (watch.next)
        watch.next(line, len, watch.next_ctx);
}

struct boot_demo {
    enum demo_outcome outcome;
};

static void wrong(struct boot_demo *d, const char *what)
{
    printf("    -> WRONG RESULT: %s\n", what);
    d->outcome = DEMO_FAILED;
}

static void report_error(struct boot_demo *d, const char *what, int err)
{
    printf("    -> %s failed: %s; the root task reports it and carries on\n", what,
           l4srv_strerror(err));
    demo_recovered(&d->outcome);
}

/* The creation order and every server's pager, as the kernel says. */
static void check_threads(struct boot_demo *d)
{
    narrate("The root task checks the boot: the thread numbers in creation order, and each "
            "server's\n"
            "    pager as ExchangeRegisters reads it.");
    L4_ThreadId_t sigma0 = L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1);
    unsigned long root = l4srv_root_threadno();
    printf("    boot order:");
    for (unsigned i = 0; i < watch.ncreated; i++)
        printf(" %lu", watch.created[i]);
    printf("\n");
    bool order_ok = watch.ncreated == SERVERS && watch.root == root;
    for (unsigned i = 0; i < SERVERS; i++) {
        L4_ThreadId_t tid = l4srv_id(boot_order[i].offset);
        L4_ThreadId_t pager = L4_PagerOf(tid);
        printf("    thread %-4lu root + %-2d %-16s pager %lu%s\n", L4_ThreadNo(tid),
               boot_order[i].offset, boot_order[i].name, L4_ThreadNo(pager),
               L4_IsThreadEqual(pager, sigma0) ? " (sigma0)" : "");
        if (!L4_IsThreadEqual(pager, sigma0))
            wrong(d, "a server's pager is not sigma0");
        if (i < watch.ncreated && watch.created[i] != L4_ThreadNo(tid))
            order_ok = false;
    }
    if (!order_ok)
        wrong(d, "the servers did not start in the boot order");
}

static void check_memory(struct boot_demo *d)
{
    narrate("The root task asks the MM server for its figures (MM_STATS, label 0x4d20).");
    struct mm_stats st;
    int err = GUARDED(mm_stats(&st));
    if (err) {
        report_error(d, "MM_STATS", err);
        return;
    }
    printf("    -> %llu frames of 4 KiB (%llu KiB) taken from sigma0: %llu free, %llu in use\n"
           "    -> %llu swap slots in the backing store; %llu spaces, %llu threads registered\n",
           (unsigned long long) st.frames_total, (unsigned long long) st.frames_total * 4,
           (unsigned long long) st.frames_free, (unsigned long long) st.frames_used,
           (unsigned long long) st.swap_slots, (unsigned long long) st.spaces,
           (unsigned long long) st.threads);
    if (!st.frames_total || st.frames_free + st.frames_used != st.frames_total)
        wrong(d, "the MM server's frames do not add up");
    if (st.swap_slots != 4 * st.frames_total)
        wrong(d, "the backing store is not registered with 4 slots per frame");
}

static void check_names(struct boot_demo *d)
{
    static const struct {
        const char *path;
        enum l4srv_thread server;
        const char *who;
    } names[] = {
        {"/services/log", L4SRV_LOG, "the log service"},
        {"/tasks", L4SRV_TASK, "the task server"},
        {"/dev/random", L4SRV_NAMING_AUX, "the random device"},
        {"/stats/system", L4SRV_NAMING, "the name service"},
    };
    narrate("The root task resolves one name of each server that registered (naming_lookup):\n"
            "    the answer names the thread that implements the object.");
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct naming_result r;
        int err = GUARDED(naming_lookup(names[i].path, &r));
        if (err) {
            report_error(d, names[i].path, err);
            continue;
        }
        printf("    %-14s -> thread %lu (%s), handle 0x%lx\n", names[i].path, L4_ThreadNo(r.server),
               names[i].who, r.handle);
        if (!L4_IsThreadEqual(r.server, l4srv_id(names[i].server)))
            wrong(d, "a name is answered by the wrong server");
    }
}

static int boot_app(void *arg)
{
    struct boot_demo *d = arg;
    check_threads(d);
    narrate("The root task starts a watchdog, thread %lu: a call of the root task that gets no "
            "answer\n"
            "    for a second (a lost message) is canceled with ExchangeRegisters and reported.",
            l4srv_root_threadno() + DEMO_WATCHDOG_OFFSET);
    if (!demo_watchdog_start())
        return DEMO_FAILED;
    check_memory(d);
    check_names(d);
    demo_guard_rest();
    return (int) d->outcome;
}

static int run(const struct demo_options *opt, struct demo_result *res)
{
    struct l4sim_config cfg;
    demo_begin(opt, &cfg, "l4sim demo boot: the standard servers come up one by one.");
    memset(&watch, 0, sizeof(watch));
    watch.next = cfg.trace_sink;
    watch.next_ctx = cfg.trace_ctx;
    watch.ram_bytes = cfg.phys_mem_size;
    cfg.trace_sink = watch_trace;
    cfg.trace_ctx = NULL;
    struct boot_demo d = {DEMO_OK};
    int rc = demo_run_system(&cfg, NULL, boot_app, &d);
    narrate("Shutdown: the kernel ends every server thread; their memory and records go too.");
    return demo_finish("boot", &cfg, rc, res);
}

const struct demo demo_boot = {
    .name = "boot",
    .summary = "sigma0, root task, MM, task server, store, names: each step explained",
    .run = run,
};

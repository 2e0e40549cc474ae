/*
 * Helpers shared by the MM server's suites: the accounting checker and the
 * agents (see mm_util.h). Agents run in MM-paged spaces, so everything
 * they touch in their window is a real page fault.
 */
#include <string.h>

#include <l4srv/system.h>

#include "mm_util.h"

struct mm_stats stats(void)
{
    struct mm_stats st;
    memset(&st, 0, sizeof(st));
    H_EQ(mm_stats(&st), L4SRV_OK);
    return st;
}

void check_accounting(void)
{
    struct mm_stats st = stats();
    H_EQ(st.frames_free + st.frames_used, st.frames_total);
    L4_Word_t broken = ~0UL;
    H_EQ(mm_audit(&broken), L4SRV_OK);
    H_EQ(broken, 0); /* the trace names what broke */
}

struct checked {
    int (*body)(void *arg);
    void *arg;
};

static int checked_body(void *arg)
{
    struct checked *c = arg;
    int result = c->body(c->arg);
    check_accounting();
    return result;
}

int run_checked(const struct l4sim_config *cfg, const struct l4srv_options *opt,
                int (*body)(void *arg), void *arg)
{
    struct checked c = {body, arg};
    if (cfg)
        return h_run_system_config(cfg, opt, checked_body, &c);
    return h_run_system(opt, checked_body, &c);
}

struct l4sim_config small_ram_config(void)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.phys_mem_size = SMALL_RAM;
    return cfg;
}

/* ------------------------------------------------------------ the agent */

L4_Word_t pattern(L4_Word_t addr, L4_Word_t seed)
{
    L4_Word_t x = (addr >> 3) * 0x9e3779b97f4a7c15ULL + seed;
    return x ^ (x >> 29);
}

/* A page fault as a region mapper forwards one: an ordinary IPC, acceptor open on our space. */
static void pagefault_ipc(L4_Word_t addr, L4_Word_t access, L4_Word_t *r)
{
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_LoadMR(0, L4_PagefaultTag(access).raw);
    L4_LoadMR(1, addr);
    L4_LoadMR(2, 0);
    L4_MsgTag_t tag = L4_Call(mm_server());
    L4_Accept(L4_UntypedWordsAcceptor);
    r[0] = L4_IpcFailed(tag) ? ~0UL : L4_Label(tag);
    r[1] = L4_TypedWords(tag);
    r[2] = L4_UntypedWords(tag);
    r[3] = 0;
    if (!L4_IpcFailed(tag) && L4_TypedWords(tag) == 2)
        L4_StoreMR((int) L4_UntypedWords(tag) + 2, &r[3]);
}

static char too_long[2 * MM_PAGE_FILL_MAX];

/* A page fill of the wrong shape; the reply's label (~0 if the IPC failed) and ErrorCode. */
static void raw_fill(L4_Word_t addr, L4_Word_t rights, L4_Word_t how, L4_Word_t *r)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, addr);
    if (how != RAW_NO_WORDS)
        L4_MsgAppendWord(&msg, rights);
    if (how != RAW_NO_STRING)
        L4_MsgAppendSimpleStringItem(
            &msg, L4_StringItem(how == RAW_TOO_LONG ? (int) sizeof(too_long) : 16, too_long));
    L4_Set_MsgLabel(&msg, MM_PAGE_FILL);
    L4_MsgLoad(&msg);
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t tag = L4_Call(mm_server());
    L4_Accept(L4_UntypedWordsAcceptor);
    r[0] = L4_IpcFailed(tag) ? ~0UL : L4_Label(tag);
    r[1] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
}

static void agent_check(const L4_Word_t *w, L4_Word_t *r, bool prefix)
{
    L4_Word_t a = w[0];
    for (; a < w[0] + w[1]; a += sizeof(L4_Word_t)) {
        bool differs = *(volatile L4_Word_t *) a != pattern(a - w[3], w[2]);
        if (prefix && differs)
            break;
        r[0] += differs;
    }
    if (!prefix)
        return;
    r[0] = a - w[0];
    for (; a < w[0] + w[1]; a += sizeof(L4_Word_t))
        r[1] += *(volatile L4_Word_t *) a != 0;
}

static void agent_do(L4_Word_t op, const L4_Word_t *w, L4_Word_t *r)
{
    switch (op) {
    case A_MALLOC:
        r[0] = (L4_Word_t) mm_malloc(w[0], &r[1]);
        break;
    case A_MALLOC_PRIV:
        r[0] = (L4_Word_t) mm_malloc_priv(w[0], w[1], &r[1]);
        break;
    case A_FREE:
        r[0] = (L4_Word_t) mm_free(w[0], w[1]);
        break;
    case A_PIN:
        r[0] = (L4_Word_t) mm_pin_priv(w[0], w[1]);
        break;
    case A_UNPIN:
        r[0] = (L4_Word_t) mm_unpin_priv(w[0], w[1]);
        break;
    case A_MAP:
        r[0] =
            (L4_Word_t) mm_map((L4_Fpage_t){.raw = w[0]}, w[1], w[2], (L4_ThreadId_t){.raw = w[3]});
        break;
    case A_UNMAP:
        r[0] = (L4_Word_t) mm_unmap((L4_Fpage_t){.raw = w[0]}, w[1], (L4_ThreadId_t){.raw = w[2]});
        break;
    case A_READ:
        r[0] = *(volatile L4_Word_t *) w[0];
        break;
    case A_WRITE:
        *(volatile L4_Word_t *) w[0] = w[1];
        break;
    case A_FILL:
        for (L4_Word_t a = w[0]; a < w[0] + w[1]; a += sizeof(L4_Word_t))
            *(volatile L4_Word_t *) a = pattern(a - w[3], w[2]);
        break;
    case A_CHECK:
    case A_PREFIX:
        agent_check(w, r, op == A_PREFIX);
        break;
    case A_ZERO:
        for (L4_Word_t a = w[0]; a < w[0] + w[1]; a += sizeof(L4_Word_t))
            r[0] += *(volatile L4_Word_t *) a != 0;
        break;
    case A_STATS: {
        struct mm_space_stats st;
        r[0] = (L4_Word_t) mm_space_stats(L4_Myself(), &st);
        r[1] = st.resident;
        r[2] = st.swapped;
        r[3] = st.faults;
        break;
    }
    case A_MALLOC_AT:
        r[0] = (L4_Word_t) mm_malloc_at(w[0], w[1], w[2], w[3], &r[1]);
        break;
    case A_PAGE_FILL:
        r[0] = (L4_Word_t) mm_page_fill(w[0], w[1], (const void *) w[2], w[3]);
        break;
    case A_PF_IPC:
        pagefault_ipc(w[0], w[1], r);
        break;
    case A_EXEC:
        r[0] = ((L4_Word_t(*)(void)) w[0])();
        break;
    case A_COPY:
        r[0] =
            (L4_Word_t) mm_copy_space((L4_ThreadId_t){.raw = w[0]}, (L4_ThreadId_t){.raw = w[1]});
        break;
    case A_RAW_FILL:
        raw_fill(w[0], w[1], w[2], r);
        break;
    default:
        r[0] = ~0UL;
    }
}

void agent(void *kip)
{
    (void) kip;
    L4_Set_ExceptionHandler(h_root());
    for (;;) {
        L4_Accept(L4_UntypedWordsAcceptor);
        L4_MsgTag_t tag = L4_Receive(h_root());
        if (L4_IpcFailed(tag))
            continue;
        L4_Word_t w[4] = {0, 0, 0, 0}, r[4] = {0, 0, 0, 0};
        L4_StoreMRs(1, 4, w);
        agent_do(L4_Label(tag), w, r);
        h_load_words(0, 4, r);
        L4_Send(h_root());
    }
}

L4_MsgTag_t ask(L4_ThreadId_t a, L4_Word_t op, L4_Word_t w0, L4_Word_t w1, L4_Word_t w2,
                L4_Word_t w3, L4_Word_t *r)
{
    L4_Word_t w[4] = {w0, w1, w2, w3};
    h_load_words(op, 4, w);
    L4_MsgTag_t tag = L4_Call(a);
    H_IPC_OK(tag);
    if (r)
        L4_StoreMRs(1, 4, r);
    return tag;
}

L4_Word_t ask_mm(L4_ThreadId_t a, L4_Word_t op, L4_Word_t w0, L4_Word_t w1, L4_Word_t w2,
                 L4_Word_t w3, L4_Word_t *out)
{
    L4_Word_t r[4] = {~0UL, 0, 0, 0};
    L4_MsgTag_t tag = ask(a, op, w0, w1, w2, w3, r);
    H_CHECK(!h_is_exception(tag));
    if (out)
        *out = r[1];
    return r[0];
}

void settle(const L4_ThreadId_t *agents, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned round = 0; round < 2; round++)
            ask(agents[i], A_STATS, 0, 0, 0, 0, NULL);
}

L4_Word_t agent_malloc(L4_ThreadId_t a, L4_Word_t size)
{
    L4_Word_t at = 0, e = ask_mm(a, A_MALLOC, size, 0, 0, 0, &at);
    if (e != L4SRV_OK) {
        h_fail_at(__FILE__, __LINE__, "malloc(%lu) failed: %s", size, l4srv_strerror((int) e));
        L4_Sleep(L4_Never); /* the watchdog ends the run, and the check fails it */
    }
    return at;
}

void expect_refused(L4_ThreadId_t a, L4_Word_t op, L4_Word_t addr, L4_Word_t value)
{
    L4_MsgTag_t tag = ask(a, op, addr, value, 0, 0, NULL);
    H_CHECK(h_is_exception(tag));
}

void end_tasks(const L4_ThreadId_t *tasks, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        H_EQ(mm_deregister_thread(tasks[i]), L4SRV_OK);
    struct mm_stats st = stats();
    H_EQ(st.frames_free, st.frames_total);
    H_EQ(st.swap_used, 0);
    H_EQ(st.spaces, 0);
    H_EQ(st.threads, 0);
    check_accounting();
}

L4_Word_t main_stack(L4_ThreadId_t t)
{
    L4_Word_t size, base = h_window(t, &size);
    return base + size - MAIN_STACK;
}

L4_ThreadId_t pinned_agent(unsigned n)
{
    L4_ThreadId_t t = h_task_priv(n, agent, NULL, true);
    H_EQ(ask_mm(t, A_PIN, MAIN_STACK, main_stack(t), 0, 0, NULL), L4SRV_OK);
    return t;
}

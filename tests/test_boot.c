/*
 * Boot and shutdown: l4sim_run's result, repeated runs without leaks, bad
 * configurations and environment settings, nested runs, and the KIP as
 * seen through the X.2 API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <l4/sigma0.h>

#include "harness.h"

static int return_42(void *arg)
{
    (void) arg;
    return 42;
}

static int return_arg(void *arg)
{
    return *(int *) arg;
}

static void run_returns_root_value(void **state)
{
    (void) state;
    assert_int_equal(h_run(return_42, NULL), 42);
    int v = -7;
    assert_int_equal(h_run(return_arg, &v), -7);
}

/* ---------------------------------------------------------------- leaks */

static void leak_echo(void *kip)
{
    (void) kip;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    while (L4_IpcSucceeded(tag))
        tag = L4_ReplyWait(from, &from);
}

static void leak_block_forever(void *kip)
{
    (void) kip;
    L4_Receive(h_root()); /* the root never sends: blocked at shutdown */
}

static void leak_return(void *kip)
{
    (void) kip;
}

static void leak_send_to_inactive(void *kip)
{
    (void) kip;
    L4_LoadMR(0, 0);
    L4_Send(h_tid(4, 1));
}

/* A system with threads in every kind of state when the root returns. */
static int busy_system(void *arg)
{
    int round = *(int *) arg;
    L4_ThreadId_t echo = h_spawn(0, leak_echo, NULL);
    h_spawn(1, leak_block_forever, NULL);
    h_spawn(2, leak_return, NULL);
    h_spawn_space(3, leak_echo, NULL);
    L4_ThreadId_t inactive = h_tid(4, 1), me = L4_Myself();
    H_CHECK(L4_ThreadControl(inactive, me, me, L4_nilthread, h_root_utcb(inactive)));
    L4_LoadMR(0, 1);
    L4_LoadMR(1, (L4_Word_t) round);
    H_IPC_OK(L4_Call(echo));
    /* A sender queued at the inactive thread. */
    h_spawn(5, leak_send_to_inactive, NULL);
    h_wait_state(h_tid(5, 1), H_STATE_SENDING);
    return round;
}

static void run_repeats_without_leaking_threads_or_fds(void **state)
{
    (void) state;
    /* A detached thread of an earlier run may still be leaving the host. */
    int tasks = h_settled_tasks(1), fds = h_count_fds();
    assert_true(tasks > 0);
    assert_true(fds > 0);
    for (int round = 0; round < 20; round++) {
        assert_int_equal(h_run(busy_system, &round), round);
        assert_int_equal(h_settled_tasks(tasks), tasks);
        assert_int_equal(h_count_fds(), fds);
    }
}

static void trace_sink(const char *line, size_t len, void *ctx)
{
    (void) line;
    (void) len;
    (*(int *) ctx)++;
}

static void run_with_trace_file_closes_it(void **state)
{
    (void) state;
    int fds = h_count_fds();
    char path[] = "/tmp/l4sim-test-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int lines = 0;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.trace_path = path;
    cfg.trace_sink = trace_sink;
    cfg.trace_ctx = &lines;
    for (int round = 0; round < 3; round++)
        assert_int_equal(h_run_config(&cfg, busy_system, &round), round);
    unlink(path);
    assert_true(lines > 0);
    assert_int_equal(h_count_fds(), fds);
}

/* --------------------------------------------------------- bad configs */

static int nested_result;
static int nested_called;

static int never_runs(void *arg)
{
    (void) arg;
    nested_called = 1;
    return 0;
}

static int try_nested_run(void *arg)
{
    (void) arg;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    nested_result = l4sim_run(&cfg, never_runs, NULL);
    /* The outer system still works. */
    H_CHECK(L4_ThreadNo(L4_Myself()) == h_user_base() + 2);
    return 5;
}

static void nested_run_from_root_fails(void **state)
{
    (void) state;
    nested_result = 0;
    nested_called = 0;
    assert_int_equal(h_run(try_nested_run, NULL), 5);
    assert_int_equal(nested_result, L4SIM_BOOT_FAILED);
    assert_int_equal(nested_called, 0);
    assert_int_equal(h_run(return_42, NULL), 42);
}

static void invalid_config_fails_cleanly(void **state)
{
    (void) state;
    /* A detached thread of an earlier run may still be leaving the host. */
    int tasks = h_settled_tasks(1), fds = h_count_fds();
    struct l4sim_config cfg;

    l4sim_config_init(&cfg);
    cfg.max_threads = 0;
    assert_int_equal(l4sim_run(&cfg, never_runs, NULL), L4SIM_BOOT_FAILED);

    l4sim_config_init(&cfg);
    cfg.user_stack_size = 1024;
    assert_int_equal(l4sim_run(&cfg, never_runs, NULL), L4SIM_BOOT_FAILED);

    l4sim_config_init(&cfg);
    cfg.trace_path = "/nonexistent-dir/l4sim-trace";
    assert_int_equal(l4sim_run(&cfg, never_runs, NULL), L4SIM_BOOT_FAILED);

    l4sim_config_init(&cfg);
    cfg.policy = (enum l4sim_policy) 7;
    assert_int_equal(l4sim_run(&cfg, never_runs, NULL), L4SIM_BOOT_FAILED);

    l4sim_config_init(&cfg);
    assert_int_equal(l4sim_run(NULL, never_runs, NULL), L4SIM_BOOT_FAILED);
    assert_int_equal(l4sim_run(&cfg, NULL, NULL), L4SIM_BOOT_FAILED);

    assert_int_equal(nested_called, 0);
    assert_int_equal(h_settled_tasks(tasks), tasks);
    assert_int_equal(h_count_fds(), fds);
    /* Nothing is left half-booted. */
    assert_int_equal(h_run(return_42, NULL), 42);
}

/* ------------------------------------------------------ the environment */

static char captured[2048];

/* l4sim_config_init into *cfg with stderr going to `captured`. */
static void config_init_captured(struct l4sim_config *cfg)
{
    char path[] = "/tmp/l4sim-test-stderr-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    l4sim_config_init(cfg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    memset(captured, 0, sizeof(captured));
    ssize_t n = pread(fd, captured, sizeof(captured) - 1, 0);
    close(fd);
    assert_true(n >= 0);
}

static unsigned count_of(const char *text, const char *what)
{
    unsigned n = 0;
    for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static void set_env(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

/*
 * L4SIM_SEED and L4SIM_POLICY: good values are taken silently (and the
 * seed is the run's); a malformed one is ignored, with a warning naming
 * it, once however often the configuration is made.
 */
static void environment_mistakes_are_named_once_and_ignored(void **state)
{
    (void) state;
    char *old_seed = getenv("L4SIM_SEED") ? strdup(getenv("L4SIM_SEED")) : NULL;
    char *old_policy = getenv("L4SIM_POLICY") ? strdup(getenv("L4SIM_POLICY")) : NULL;
    struct l4sim_config cfg;

    setenv("L4SIM_SEED", "0x10", 1);
    setenv("L4SIM_POLICY", "rr", 1);
    config_init_captured(&cfg);
    assert_int_equal(cfg.seed, 16);
    assert_int_equal(cfg.policy, L4SIM_POLICY_RR);
    assert_string_equal(captured, "");
    setenv("L4SIM_SEED", "77", 1);
    setenv("L4SIM_POLICY", "random", 1);
    config_init_captured(&cfg);
    assert_int_equal(cfg.seed, 77);
    assert_int_equal(cfg.policy, L4SIM_POLICY_RANDOM);
    assert_string_equal(captured, "");
    assert_int_equal(h_run(return_42, NULL), 42);
    assert_int_equal(h_stats().seed, 77);

    setenv("L4SIM_SEED", "12x", 1);
    setenv("L4SIM_POLICY", "fifo", 1);
    config_init_captured(&cfg);
    assert_int_equal(cfg.seed, 0);
    assert_int_equal(cfg.policy, L4SIM_POLICY_RANDOM);
    assert_non_null(strstr(captured, "L4SIM_SEED=12x ignored"));
    assert_non_null(strstr(captured, "L4SIM_POLICY=fifo ignored"));
    assert_int_equal(count_of(captured, "\n"), 2);
    config_init_captured(&cfg);
    assert_string_equal(captured, "");
    setenv("L4SIM_SEED", "-5", 1);
    config_init_captured(&cfg);
    assert_int_equal(cfg.seed, 0);

    set_env("L4SIM_SEED", old_seed);
    set_env("L4SIM_POLICY", old_policy);
    free(old_seed);
    free(old_policy);
}

/* ------------------------------------------------------------------ KIP */

#define TEST_PHYS_MEM (64UL << 20)

struct kip_seen {
    L4_Word_t phys_base;
    L4_Word_t magic, api_version, api_flags, supplier, system_base, user_base, id_bits;
    L4_Word_t utcb_size, utcb_align_log2, utcb_area_log2, kip_area_log2;
    L4_Word_t page_mask, page_rights, processors, mem_descs;
    L4_Word_t kernel_id, kernel_desc_id;
    char version_string[64];
    int conventional_ram; /* descriptors of type conventional, physical, [0, RAM) */
    L4_Word_t myself, pager, local_id, kip_from_thread;
    void *kip;
};

static struct kip_seen seen;

static void report_kip(void *kip)
{
    seen.kip_from_thread = (L4_Word_t) kip;
    L4_LoadMR(0, 0);
    L4_Send(h_root());
}

static int read_kip(void *arg)
{
    (void) arg;
    L4_Word_t version, flags, id;
    void *kip = L4_KernelInterface(&version, &flags, &id);
    seen.kip = kip;
    seen.magic = ((L4_KernelInterfacePage_t *) kip)->magic;
    seen.api_version = version;
    seen.api_flags = flags;
    seen.supplier = L4_KernelSupplier(kip);
    seen.system_base = L4_ThreadIdSystemBase(kip);
    seen.user_base = L4_ThreadIdUserBase(kip);
    seen.id_bits = L4_ThreadIdBits(kip);
    seen.utcb_size = L4_UtcbSize(kip);
    seen.utcb_align_log2 = L4_UtcbAlignmentLog2(kip);
    seen.utcb_area_log2 = L4_UtcbAreaSizeLog2(kip);
    seen.kip_area_log2 = L4_KipAreaSizeLog2(kip);
    seen.page_mask = L4_PageSizeMask(kip);
    seen.page_rights = L4_PageRights(kip);
    seen.kernel_id = id;
    seen.kernel_desc_id = l4sim_api_kernel_desc(kip)->KernelId.raw;
    strncpy(seen.version_string, L4_KernelVersionString(kip), sizeof(seen.version_string) - 1);
    seen.processors = L4_NumProcessors(kip);
    seen.mem_descs = L4_NumMemoryDescriptors(kip);
    /* Physical memory is the root's window: physical address p is host address p. */
    L4_Word_t window_size;
    H_EQ(l4sim_space_window(L4_Myself(), &seen.phys_base, &window_size), 0);
    H_CHECK(window_size >= TEST_PHYS_MEM);
    for (L4_Word_t i = 0; i < seen.mem_descs; i++) {
        L4_MemoryDesc_t *m = L4_MemoryDesc(kip, i);
        if (m && !L4_IsMemoryDescVirtual(m) && L4_MemoryDescType(m) == L4_ConventionalMemoryType &&
            L4_MemoryDescLow(m) == seen.phys_base &&
            L4_MemoryDescHigh(m) == seen.phys_base + TEST_PHYS_MEM - 1)
            seen.conventional_ram++;
    }
    H_CHECK(L4_MemoryDesc(kip, seen.mem_descs) == NULL);
    H_EQ(version, L4_ApiVersion());
    seen.myself = L4_Myself().raw;
    seen.pager = L4_Pager().raw;
    seen.local_id = L4_MyLocalId().raw;

    h_spawn(0, report_kip, NULL);
    H_IPC_OK(L4_Receive(h_tid(0, 1)));
    return 0;
}

static void kip_describes_the_kernel(void **state)
{
    (void) state;
    memset(&seen, 0, sizeof(seen));
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.phys_mem_size = TEST_PHYS_MEM;
    assert_int_equal(h_run_config(&cfg, read_kip, NULL), 0);

    /* X.2's values, written out rather than taken from <l4/kip.h>. */
    assert_int_equal(seen.magic, 0x4be6344c); /* "L4\346K" */
    L4_ApiVersion_t v = {.raw = seen.api_version};
    assert_int_equal(v.x.version, 0x84); /* X.2 */
    L4_ApiFlags_t f = {.raw = seen.api_flags};
    assert_int_equal(f.x.ww, 1); /* 64-bit */
    assert_int_equal(f.x.ee, 0); /* little-endian */
    /* KernelInterface's kernel ID is the kernel descriptor's: l4sim's own 0x2a, subid 0. */
    L4_KernelId_t kid = {.raw = seen.kernel_id};
    assert_int_equal(seen.kernel_id, seen.kernel_desc_id);
    assert_int_equal(kid.x.id, 0x2a);
    assert_int_equal(kid.x.subid, 0);
    assert_int_equal(seen.kernel_id >> 16 & 0xffff, L4_KID_L4SIM);
    assert_int_equal(seen.supplier, L4_SUPL_L4SIM);
    assert_non_null(strstr(seen.version_string, "l4sim"));
    /* Pages may be mapped readable, writable and executable. */
    assert_int_equal(seen.page_rights, 7);
    L4_Word_t l4sm = 0;
    memcpy(&l4sm, "l4sm", 4);
    assert_int_equal(seen.supplier, l4sm);
    assert_int_equal(seen.system_base, 16);
    assert_int_equal(seen.user_base, 32);
    assert_int_equal(seen.id_bits, 32);
    assert_int_equal(seen.utcb_size, 1024);
    assert_int_equal(seen.utcb_align_log2, 10);
    assert_true(seen.utcb_area_log2 >= 10);
    assert_int_equal(seen.kip_area_log2, 12);
    assert_true(seen.page_mask & 0x1000);
    assert_int_equal(seen.page_mask & 0xfff, 0);
    assert_int_equal(seen.processors, 1);
    assert_true(seen.mem_descs >= 1);
    assert_int_equal(seen.conventional_ram, 1);
    /* The root is UserBase + 2, version 1; its pager is sigma0 (UserBase). */
    L4_ThreadId_t me = {.raw = seen.myself}, pager = {.raw = seen.pager};
    assert_int_equal(L4_ThreadNo(me), 32 + 2);
    assert_true(L4_IsGlobalId(me));
    assert_int_equal(L4_ThreadNo(pager), 32);
    assert_int_equal(seen.local_id, 0x100000);
    /* Threads get the KIP as their argument. */
    assert_int_equal(seen.kip_from_thread, (L4_Word_t) seen.kip);
}

/*
 * Every entry point the KIP links to, X.2's and l4sim's extensions alike:
 * the word plus the KIP's address is the function, and an ELF image's way
 * to its UTCB (word 64) finds the same UTCB the TLS variable names.
 */
static int follow_kip_links(void *arg)
{
    (void) arg;
    const L4_Word_t *kip = L4_GetKernelInterface();
    const struct {
        unsigned word;
        void (*entry)(void);
    } links[] = {
        {L4SIM_KIP_SPACE_CONTROL, (void (*)(void)) l4sim_sys_space_control},
        {L4SIM_KIP_THREAD_CONTROL, (void (*)(void)) l4sim_sys_thread_control},
        {L4SIM_KIP_PROCESSOR_CONTROL, (void (*)(void)) l4sim_sys_processor_control},
        {L4SIM_KIP_MEMORY_CONTROL, (void (*)(void)) l4sim_sys_memory_control},
        {L4SIM_KIP_IPC, (void (*)(void)) l4sim_sys_ipc},
        {L4SIM_KIP_LIPC, (void (*)(void)) l4sim_sys_lipc},
        {L4SIM_KIP_UNMAP, (void (*)(void)) l4sim_sys_unmap},
        {L4SIM_KIP_EXCHANGE_REGISTERS, (void (*)(void)) l4sim_sys_exchange_registers},
        {L4SIM_KIP_SYSTEM_CLOCK, (void (*)(void)) l4sim_sys_system_clock},
        {L4SIM_KIP_THREAD_SWITCH, (void (*)(void)) l4sim_sys_thread_switch},
        {L4SIM_KIP_SCHEDULE, (void (*)(void)) l4sim_sys_schedule},
        {L4SIM_KIP_UTCB, (void (*)(void)) l4sim_sys_utcb},
        {L4SIM_KIP_KDB_PRINT, (void (*)(void)) l4sim_sys_kdb_print},
        {L4SIM_KIP_FAULT_QUERY, (void (*)(void)) l4sim_sys_fault_query},
        {L4SIM_KIP_THREAD_STATS, (void (*)(void)) l4sim_sys_thread_stats},
    };
    for (unsigned i = 0; i < sizeof(links) / sizeof(links[0]); i++)
        H_EQ(kip[links[i].word] + (L4_Word_t) kip, (L4_Word_t) links[i].entry);
    /* The X.2 words are where Pistachio's KIP layout has them. */
    H_EQ(L4SIM_KIP_IPC * sizeof(L4_Word_t), offsetof(L4_KernelInterfacePage_t, Ipc));
    H_EQ(L4SIM_KIP_SCHEDULE * sizeof(L4_Word_t), offsetof(L4_KernelInterfacePage_t, Schedule));
    typedef struct l4sim_utcb *utcb_fn(void);
    utcb_fn *utcb = (utcb_fn *) (kip[L4SIM_KIP_UTCB] + (L4_Word_t) kip);
    H_EQ(utcb(), l4sim_utcb());
    H_EQ(utcb()->my_global_id, L4_Myself().raw);
    return 0;
}

static void kip_links_every_entry_point(void **state)
{
    (void) state;
    assert_int_equal(h_run(follow_kip_links, NULL), 0);
}

/*
 * sigma0 maps physical pages idempotently to the root: page p appears at
 * address p, where the root can use it. Pages outside RAM are refused, and
 * a request without a receive window fails as a message overflow.
 */
static int call_sigma0(void *arg)
{
    (void) arg;
    L4_Word_t base, size;
    H_EQ(l4sim_space_window(L4_Myself(), &base, &size), 0);
    L4_Fpage_t want = L4_FpageLog2(base + 5 * 4096, 12);
    L4_Fpage_t got = L4_Sigma0_GetPage(h_sigma0(), want);
    H_CHECK(!L4_IsNilFpage(got));
    H_EQ(L4_Address(got), base + 5 * 4096);
    volatile L4_Word_t *p = (L4_Word_t *) (base + 5 * 4096);
    *p = 0x1234;
    H_EQ(*p, 0x1234);

    L4_Fpage_t any = L4_Sigma0_GetAny(h_sigma0(), 16, L4_CompleteAddressSpace);
    H_CHECK(!L4_IsNilFpage(any));
    H_EQ(L4_SizeLog2(any), 16);
    H_CHECK(L4_Address(any) >= base && L4_Address(any) < base + size);

    /* Outside physical memory there is nothing to give. */
    H_CHECK(L4_IsNilFpage(L4_Sigma0_GetPage(h_sigma0(), L4_FpageLog2(base + size, 12))));

    L4_LoadMR(0, 0);
    L4_Accept(L4_UntypedWordsAcceptor);
    H_IPC_FAILS(L4_Call(h_sigma0()), H_ERR_RECV(L4_IpcErrMsgOverflow));
    return 0;
}

static void sigma0_answers_the_root(void **state)
{
    (void) state;
    assert_int_equal(h_run(call_sigma0, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_returns_root_value),
        cmocka_unit_test(run_repeats_without_leaking_threads_or_fds),
        cmocka_unit_test(run_with_trace_file_closes_it),
        cmocka_unit_test(nested_run_from_root_fails),
        cmocka_unit_test(invalid_config_fails_cleanly),
        cmocka_unit_test(environment_mistakes_are_named_once_and_ignored),
        cmocka_unit_test(kip_describes_the_kernel),
        cmocka_unit_test(kip_links_every_entry_point),
        cmocka_unit_test(sigma0_answers_the_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Booting and tearing down one simulated system: configuration, the KIP,
 * sigma0 and the root thread, then waiting for the root function and
 * releasing everything the run created.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults.h"
#include "kernel.h"
#include "memory.h"

#define SIGMA0_STACK_SIZE (64UL << 10)
#define MAX_THREADS_LIMIT (1UL << 20)

static _Atomic bool system_running;
static struct l4sim_stats last_stats;

/* What the root thread runs, handed over from l4sim_run. */
static int (*boot_root_fn)(void *);
static void *boot_root_arg;
static void *root_stack, *sigma0_stack;
static unsigned root_stack_id, sigma0_stack_id; /* for valgrind, see stack_register */
static int trace_file = -1;

/*
 * A malformed environment setting is ignored, as before, but no longer
 * silently: it is named on stderr, once per process, however often the
 * configuration is initialised (a test suite does it for every run).
 */
static void warn_ignored(_Atomic bool *warned, const char *name, const char *value,
                         const char *expected)
{
    if (!atomic_exchange(warned, true))
        fprintf(stderr, "l4sim: %s=%s ignored: %s\n", name, value, expected);
}

/* A seed is a whole number: decimal, 0x hex or 0 octal, as strtoull reads them. */
static bool parse_seed(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s || *end || errno || strchr(s, '-'))
        return false;
    *out = v;
    return true;
}

KERNEL_API void l4sim_config_init(struct l4sim_config *cfg)
{
    static _Atomic bool bad_seed, bad_policy;
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_threads = 1024;
    cfg->phys_mem_size = 256UL << 20;
    cfg->window_size = 64UL << 20;
    cfg->max_spaces = 64;
    cfg->user_stack_size = 1UL << 20;
    cfg->trace_fd = -1;
    cfg->kernel_entry_cost_us = 1;
    const char *det = getenv("L4SIM_DETERMINISTIC");
    if (det && *det)
        cfg->deterministic = strcmp(det, "0") != 0;
    const char *seed = getenv("L4SIM_SEED");
    if (seed && *seed && !parse_seed(seed, &cfg->seed))
        warn_ignored(&bad_seed, "L4SIM_SEED", seed, "a seed is a whole number (decimal or 0x hex)");
    const char *policy = getenv("L4SIM_POLICY");
    if (policy && !strcmp(policy, "rr"))
        cfg->policy = L4SIM_POLICY_RR;
    else if (policy && *policy && strcmp(policy, "random") != 0)
        warn_ignored(&bad_policy, "L4SIM_POLICY", policy, "the policies are random and rr");
    const char *trace = getenv("L4SIM_TRACE");
    if (trace && (!strcmp(trace, "1") || !strcmp(trace, "stderr")))
        cfg->trace_fd = 2;
    else if (trace && *trace && strcmp(trace, "0") != 0)
        cfg->trace_path = trace;
    const char *faults = getenv("L4SIM_FAULTS");
    if (faults && *faults)
        cfg->faults = faults;
}

static void root_entry(void *kip)
{
    (void) kip;
    kernel.root_result = boot_root_fn(boot_root_arg);
    invariants_check_at_rest(true);
    sched_stop_world(current_tcb);
    atomic_store_explicit(&kernel.root_done, 1, memory_order_release);
    sched_futex_wake(&kernel.root_done, 1);
}

void boot_root_deadlocked(void)
{
    uint32_t expected = 0;
    if (atomic_compare_exchange_strong(&kernel.root_done, &expected, 3))
        sched_futex_wake(&kernel.root_done, 1);
}

void boot_root_gone(void)
{
    uint32_t expected = 0;
    if (atomic_compare_exchange_strong(&kernel.root_done, &expected, 2))
        sched_futex_wake(&kernel.root_done, 1);
}

static bool config_valid(const struct l4sim_config *cfg)
{
    if (cfg->max_threads < 3 || cfg->max_threads > MAX_THREADS_LIMIT) {
        fprintf(stderr, "l4sim: max_threads must be between 3 and %lu (got %u)\n",
                MAX_THREADS_LIMIT, cfg->max_threads);
        return false;
    }
    if (cfg->phys_mem_size % 4096 || cfg->phys_mem_size > (64UL << 30)) {
        fprintf(stderr, "l4sim: phys_mem_size must be a multiple of 4 KiB up to 64 GiB (got %zu)\n",
                cfg->phys_mem_size);
        return false;
    }
    if (cfg->window_size < (1UL << 16) || cfg->window_size > (1UL << 36) || cfg->max_spaces < 1 ||
        cfg->max_spaces > 65536) {
        fprintf(stderr, "l4sim: window_size must be 64 KiB..64 GiB and max_spaces 1..65536\n");
        return false;
    }
    if (cfg->policy != L4SIM_POLICY_RANDOM && cfg->policy != L4SIM_POLICY_RR) {
        fprintf(stderr, "l4sim: policy must be L4SIM_POLICY_RANDOM or L4SIM_POLICY_RR (got %d)\n",
                (int) cfg->policy);
        return false;
    }
    if (cfg->user_stack_size < 16384) {
        fprintf(stderr, "l4sim: user_stack_size must be at least 16 KiB (got %zu)\n",
                cfg->user_stack_size);
        return false;
    }
    return true;
}

/* sigma0 and the root share the physical window: sigma0 owns every frame
 * in it, the root sees what sigma0 maps to it at the same addresses. */
static struct space *boot_space(bool sigma0)
{
    struct space *s = space_alloc();
    if (s) {
        s->is_sigma0 = sigma0;
        if (window_attach(s, true) != 0) {
            s->live = false;
            return NULL;
        }
    }
    word_t err;
    /* The same layout for every boot space: KIP at 4 KiB, 1024 UTCBs at 1 MiB. */
    if (s && !space_set_areas(s, 0x1000UL | (12UL << 4), 0x100000UL | (20UL << 4), &err)) {
        s->live = false;
        return NULL;
    }
    if (s)
        trace_event(TR_SPACE_CREATE, ID_NIL, ID_NIL, 0, "boot space");
    return s;
}

/* The run's counters as they stand; the memory figures separately, since
 * teardown takes them only once the windows are gone. */
static void collect_counters(struct l4sim_stats *out)
{
    out->ipc_count = atomic_load(&kernel.ipc_count);
    out->trace_events = trace_count();
    out->trace_hash = trace_hash();
    out->threads_created = atomic_load(&kernel.threads_created);
    out->page_faults = atomic_load(&kernel.page_faults);
    out->exceptions = atomic_load(&kernel.exceptions);
    out->sched_decisions = sched_decisions();
    out->virtual_time_us = clock_now_us();
    out->seed = kernel.cfg.seed;
    out->deadlocked = sched_deadlocked();
    out->faults_fired = faults_fired_total();
    /* Counted per thread until its slot is released: live threads' too. */
    uint64_t dropped = atomic_load(&kernel.sends_dropped);
    for (word_t no = THREADNO_USER_BASE; kernel.tcbs && no < kernel.tcb_count; no++)
        dropped += __atomic_load_n(&kernel.tcbs[no].sends_dropped, __ATOMIC_RELAXED);
    out->ipc_dropped = dropped;
    out->invariants_broken = invariants_broken();
}

static void collect_memory(struct l4sim_stats *out)
{
    struct mem_stats m;
    mem_get_stats(&m);
    out->mappings = m.mappings;
    out->host_vmas = m.host_vmas;
    out->vma_budget = m.vma_budget;
}

static void teardown(void)
{
    sched_wait_idle(); /* deterministic mode: the run ends at a reproducible point */
    threads_kill_all();
    trace_event(TR_SHUTDOWN, ID_NIL, ID_NIL, 0, NULL);
    collect_counters(&last_stats);
    trace_shutdown();
    spaces_free_all();
    sched_shutdown();
    /* What the windows still hold after teardown: nothing, or a leak. */
    collect_memory(&last_stats);
    last_stats.ipc_dropped = atomic_load(&kernel.sends_dropped);
    invariants_check_teardown(last_stats.mappings);
    last_stats.invariants_broken = invariants_broken();
    faults_shutdown();
    mem_shutdown();
    kip_free();
    free(kernel.tcbs);
    free(kernel.spaces);
    stack_deregister(root_stack_id);
    stack_deregister(sigma0_stack_id);
    root_stack_id = sigma0_stack_id = 0;
    free(root_stack);
    free(sigma0_stack);
    root_stack = sigma0_stack = NULL;
    if (trace_file >= 0)
        close(trace_file);
    trace_file = -1;
    kernel.tcbs = NULL;
    kernel.spaces = NULL;
    kernel.booted = false;
}

static bool boot(const struct l4sim_config *cfg)
{
    memset(&kernel, 0, sizeof(kernel));
    kernel.cfg = *cfg;
    if (cfg->trace_path) {
        trace_file = open(cfg->trace_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (trace_file < 0) {
            perror(cfg->trace_path);
            return false;
        }
        if (kernel.cfg.trace_fd < 0)
            kernel.cfg.trace_fd = trace_file;
    }
    clock_boot();
    kernel.tcb_count = THREADNO_USER_BASE + cfg->max_threads;
    kernel.tcbs = calloc(kernel.tcb_count, sizeof(struct tcb));
    if (!kernel.tcbs || sched_boot(cfg) != 0) {
        fprintf(stderr, "l4sim: out of host memory while booting\n");
        return false;
    }
    trace_boot(&kernel.cfg);
    kernel.space_count = cfg->max_threads;
    kernel.spaces = calloc(kernel.space_count, sizeof(struct space));
    sigma0_stack = malloc(SIGMA0_STACK_SIZE);
    root_stack = malloc(cfg->user_stack_size);
    if (!kernel.tcbs || !kernel.spaces || !sigma0_stack || !root_stack) {
        fprintf(stderr, "l4sim: out of host memory while booting\n");
        return false;
    }
    root_stack_id = stack_register(root_stack, cfg->user_stack_size);
    sigma0_stack_id = stack_register(sigma0_stack, SIGMA0_STACK_SIZE);
    kernel.booted = true;
    thread_install_signals();
    trace_event(TR_BOOT, ID_NIL, ID_NIL, 0, "l4sim X.2");

    if (mem_boot(cfg) != 0 || kip_build() != 0) {
        fprintf(stderr, "l4sim: cannot set up simulated memory\n");
        return false;
    }
    struct space *sigma0_space = boot_space(true);
    kernel.root_space = boot_space(false);
    if (!sigma0_space || !kernel.root_space) {
        fprintf(stderr, "l4sim: cannot create the boot spaces\n");
        return false;
    }
    word_t sigma0_sp = (word_t) sigma0_stack + SIGMA0_STACK_SIZE;
    word_t root_sp = (word_t) root_stack + cfg->user_stack_size;
    if (!thread_create_boot(THREADNO_SIGMA0, sigma0_space, ID_NIL, (word_t) sigma0_main,
                            sigma0_sp) ||
        !thread_create_boot(THREADNO_ROOT, kernel.root_space, id_make(THREADNO_SIGMA0, 1),
                            (word_t) root_entry, root_sp)) {
        fprintf(stderr, "l4sim: cannot start sigma0 and the root thread\n");
        return false;
    }
    sched_dispatch();
    return true;
}

KERNEL_API int l4sim_run(const struct l4sim_config *cfg, int (*root)(void *arg), void *arg)
{
    if (!cfg || !root) {
        fprintf(stderr, "l4sim_run: needs a configuration and a root function\n");
        return L4SIM_BOOT_FAILED;
    }
    if (!config_valid(cfg))
        return L4SIM_BOOT_FAILED;
    if (atomic_exchange(&system_running, true)) {
        fprintf(stderr, "l4sim_run: a system is already running in this process\n");
        return L4SIM_BOOT_FAILED;
    }
    if (faults_boot(cfg) != 0) {
        atomic_store(&system_running, false);
        return L4SIM_BOOT_FAILED;
    }
    invariants_boot();
    boot_root_fn = root;
    boot_root_arg = arg;
    int result = L4SIM_BOOT_FAILED;
    if (boot(cfg)) {
        uint32_t done;
        while ((done = atomic_load_explicit(&kernel.root_done, memory_order_acquire)) == 0)
            sched_futex_wait(&kernel.root_done, 0);
        if (done == 1)
            result = kernel.root_result;
        else if (done == 3) {
            sched_wait_idle(); /* every thread is blocked: the state is at rest */
            invariants_check_at_rest(false);
            result = L4SIM_DEADLOCK;
        } else
            fprintf(stderr, "l4sim: the root thread was deleted before its function returned\n");
    }
    teardown();
    atomic_store(&system_running, false);
    return result;
}

KERNEL_API void l4sim_get_stats(struct l4sim_stats *out)
{
    if (kernel.booted) {
        collect_counters(out);
        collect_memory(out);
    } else {
        *out = last_stats;
    }
}

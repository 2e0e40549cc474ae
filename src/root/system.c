/*
 * The root task of a standard system: it starts the servers in the order
 * of the seed, narrating each step into the trace, then runs the
 * application. It never serves requests itself.
 */
#include <stdio.h>

#include <l4/kdebug.h>
#include <l4/thread.h>
#include <l4sim/faults.h>
#include <l4srv/errors.h>
#include <l4srv/mm.h>
#include <l4srv/system.h>

#include "../mmserver/start.h"
#include "../taskserver/start.h"
#include "root.h"

struct boot {
    const struct l4srv_options *opt;
    uint64_t seed; /* the configuration's seed: the random device's, too */
    int (*app)(void *arg);
    void *arg;
};

/*
 * The servers' invariants, checked by the kernel when the application
 * returns (l4sim_invariant_add). A server that cannot answer gives no
 * verdict: that is the fault's doing, which the run reports already.
 */
static int frames_accounted(void *ctx, char *why, size_t cap)
{
    (void) ctx;
    struct mm_stats st;
    L4_Word_t broken = 0;
    if (mm_stats(&st) || mm_audit(&broken))
        return 0;
    if (st.frames_free + st.frames_used != st.frames_total) {
        snprintf(why, cap, "%llu free + %llu used frames, of %llu",
                 (unsigned long long) st.frames_free, (unsigned long long) st.frames_used,
                 (unsigned long long) st.frames_total);
        return 1;
    }
    if (st.swap_used > st.swap_slots || broken) {
        snprintf(why, cap, "%llu of %llu swap slots used; %lu table checks broken (trace)",
                 (unsigned long long) st.swap_used, (unsigned long long) st.swap_slots,
                 (unsigned long) broken);
        return 1;
    }
    return 0;
}

static int tasks_reclaimed(void *ctx, char *why, size_t cap)
{
    (void) ctx;
    L4_Word_t leaked = 0;
    L4_ThreadId_t first;
    if (task_audit(&leaked, &first) || !leaked)
        return 0;
    snprintf(why, cap, "%lu ended task%s still %s a space at the MM server (region mapper %lu.%lu)",
             (unsigned long) leaked, leaked == 1 ? "" : "s", leaked == 1 ? "has" : "have",
             (unsigned long) L4_ThreadNo(first), (unsigned long) L4_Version(first));
    return 1;
}

static int root_main(void *arg)
{
    struct boot *boot = arg;
    L4_KDB_PrintString("root: starting the MM server");
    if (!mm_start(boot->opt->swap_timeout_ms)) {
        fprintf(stderr, "l4srv: the MM server did not start\n");
        return L4SIM_BOOT_FAILED;
    }
    L4_KDB_PrintString("root: starting the task service");
    if (!task_start(boot->opt))
        return L4SIM_BOOT_FAILED;
    /* Name service (seed 001), then the services that register in it. */
    L4_KDB_PrintString("root: starting the name service: /modules /services /logs /dev /stats");
    if (!naming_start(boot->opt))
        return L4SIM_BOOT_FAILED;
    L4_KDB_PrintString("root: the task service mounts /tasks and /stats/tasks");
    int err = task_mount();
    if (err) {
        fprintf(stderr, "l4srv: the task service could not mount /tasks: %s\n",
                l4srv_strerror(err));
        return L4SIM_BOOT_FAILED;
    }
    if (!services_start(boot->seed))
        return L4SIM_BOOT_FAILED;
    l4sim_invariant_add("mm: frame accounting (free + used = total) and tables", frames_accounted,
                        NULL);
    l4sim_invariant_add("task: every ended task's memory reclaimed", tasks_reclaimed, NULL);
    L4_KDB_PrintString("root: system up, running the application");
    l4sim_system_up();
    return boot->app(boot->arg);
}

int l4srv_run(const struct l4sim_config *cfg, const struct l4srv_options *opt,
              int (*app)(void *arg), void *arg)
{
    static const struct l4srv_options defaults;
    struct boot boot = {
        .opt = opt ? opt : &defaults, .seed = cfg ? cfg->seed : 0, .app = app, .arg = arg};
    struct l4sim_config booting;
    if (cfg) {
        booting = *cfg;
        booting.boot_phase = 1; /* faults wait for l4sim_system_up in root_main */
    }
    int result = l4sim_run(cfg ? &booting : NULL, root_main, &boot);
    naming_cleanup();
    task_fini();
    mm_fini();
    root_free_stacks();
    return result;
}

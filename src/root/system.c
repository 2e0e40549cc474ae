/*
 * The root task of a standard system: it starts the servers in the order
 * of the seed, narrating each step into the trace, then runs the
 * application. It never serves requests itself.
 */
#include <stdio.h>

#include <l4/kdebug.h>
#include <l4/thread.h>
#include <l4srv/errors.h>
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
    L4_KDB_PrintString("root: system up, running the application");
    return boot->app(boot->arg);
}

int l4srv_run(const struct l4sim_config *cfg, const struct l4srv_options *opt,
              int (*app)(void *arg), void *arg)
{
    static const struct l4srv_options defaults;
    struct boot boot = {
        .opt = opt ? opt : &defaults, .seed = cfg ? cfg->seed : 0, .app = app, .arg = arg};
    int result = l4sim_run(cfg, root_main, &boot);
    naming_cleanup();
    task_fini();
    mm_fini();
    root_free_stacks();
    return result;
}

/*
 * What every demo shares: its configuration, the classification of its
 * outcome, and the summary it prints. Uses only the public headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4sim/faults.h>

#include "demo.h"

const struct demo *const demo_table[] = {&demo_ipc};
const unsigned demo_count = sizeof(demo_table) / sizeof(demo_table[0]);

const struct demo *demo_find(const char *name)
{
    for (unsigned i = 0; i < demo_count; i++)
        if (!strcmp(demo_table[i]->name, name))
            return demo_table[i];
    return NULL;
}

const char *demo_outcome_name(enum demo_outcome o)
{
    static const char *const names[] = {"ok", "recovered", "failed", "deadlock", "crash"};
    return (unsigned) o < sizeof(names) / sizeof(names[0]) ? names[o] : "crash";
}

void demo_config(const struct demo_options *opt, struct l4sim_config *cfg)
{
    l4sim_config_init(cfg);
    /* Demos replay exactly: deterministic unless L4SIM_DETERMINISTIC=0. */
    if (!getenv("L4SIM_DETERMINISTIC"))
        cfg->deterministic = 1;
    if (opt->seed_given) { /* a seed is for replaying: always deterministic */
        cfg->deterministic = 1;
        cfg->seed = opt->seed;
    } else if (cfg->deterministic && !getenv("L4SIM_SEED"))
        cfg->seed = 1;
    if (opt->faults)
        cfg->faults = opt->faults;
}

static void print_fired(void)
{
    bool any = false;
    for (unsigned i = 0; i < l4sim_fault_point_count(); i++) {
        struct l4sim_fault_point p;
        if (l4sim_fault_point_get(i, &p) == 0 && p.fired) {
            printf("%s%s x%llu", any ? ", " : "    faults fired: ", p.name,
                   (unsigned long long) p.fired);
            any = true;
        }
    }
    if (any)
        printf("\n");
}

int demo_finish(const char *name, const struct l4sim_config *cfg, int rc, struct demo_result *res)
{
    l4sim_get_stats(&res->stats);
    const struct l4sim_stats *s = &res->stats;
    if (rc == L4SIM_DEADLOCK)
        res->outcome = DEMO_DEADLOCK;
    else if (rc == DEMO_OK || rc == DEMO_RECOVERED)
        res->outcome = (enum demo_outcome) rc;
    else
        res->outcome = DEMO_FAILED; /* a wrong result, or the system did not boot */
    if (s->invariants_broken && res->outcome != DEMO_DEADLOCK)
        res->outcome = DEMO_FAILED;

    printf("    summary: %llu threads created, %llu messages, %llu trace events\n",
           (unsigned long long) s->threads_created, (unsigned long long) s->ipc_count,
           (unsigned long long) s->trace_events);
    if (cfg->deterministic)
        printf("    virtual time %llu us, %llu scheduling decisions, trace hash %016llx\n",
               (unsigned long long) s->virtual_time_us, (unsigned long long) s->sched_decisions,
               (unsigned long long) s->trace_hash);
    if (cfg->faults && *cfg->faults)
        printf("    faults: %s (%llu fired, %llu messages dropped)\n", cfg->faults,
               (unsigned long long) s->faults_fired, (unsigned long long) s->ipc_dropped);
    print_fired();
    if (s->invariants_broken)
        printf("    invariants broken:\n%s\n", l4sim_invariant_report());
    if (res->outcome == DEMO_OK)
        printf("\ndemo %s: ok\n", name);
    else if (res->outcome == DEMO_RECOVERED)
        printf("\ndemo %s: recovered (an error was reported and handled)\n", name);
    else
        printf("\ndemo %s: FAILED (%s, %d)\n", name, demo_outcome_name(res->outcome), rc);
    fflush(stdout);
    return res->outcome == DEMO_OK || res->outcome == DEMO_RECOVERED ? 0 : 1;
}

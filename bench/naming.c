/*
 * Name-service entries for l4sim-bench: one resolve request of a
 * three-part path ("/stats/system": "/", "stats", "system") to the root
 * task's name server, in a system booted with l4srv_run.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include <l4srv/naming.h>
#include <l4srv/system.h>

#include "bench.h"

struct naming_run {
    const struct bench_params *p;
    struct bench_samples *s;
};

static int resolve_op(void *ctx)
{
    (void) ctx;
    struct naming_result r;
    return naming_resolve(naming_server(), "/stats/system", NAMING_ROOT, &r) || r.parts != 3;
}

/* The application: the root thread is the client; the name server runs where the host puts it. */
static int naming_app(void *arg)
{
    struct naming_run *r = arg;
    if (bench_pin_self(r->p->cpu[0]))
        return -1;
    return bench_time_ops(r->p, r->s, resolve_op, r);
}

static int resolve_3part(const struct bench_params *p, struct bench_samples *s)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 0;
    struct naming_run r = {.p = p, .s = s};
    int rc = l4srv_run(&cfg, NULL, naming_app, &r);
    if (rc != 0)
        fprintf(stderr, "l4sim-bench: resolve_3part: the run returned %d\n", rc);
    return rc == 0 ? 0 : -1;
}

static const struct bench_entry entries[] = {
    {"resolve_3part", "naming_resolve of /stats/system (three parts) at the root name server",
     resolve_3part, NULL},
};

const struct bench_family bench_naming = {entries, sizeof(entries) / sizeof(entries[0])};

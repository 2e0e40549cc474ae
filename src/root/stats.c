/*
 * /stats: files whose text is made when they are opened. The root task's
 * own generators are listed here; other servers add theirs as device
 * nodes under /stats (mk_object DEVICE + register), so nothing here needs
 * to know about tasks. It must never change what it reports on.
 */
#include <inttypes.h>
#include <string.h>

#include <l4/schedule.h>
#include <l4sim/l4sim.h>
#include <l4srv/mm.h>

#include "genfile.h"
#include "ns.h"

struct stats_file {
    const char *name;
    ns_generator generate;
};

static const struct stats_file root_files[] = {
    {"system", stats_system},
};

void stats_populate(int parent)
{
    for (size_t i = 0; i < sizeof(root_files) / sizeof(root_files[0]); i++) {
        const struct stats_file *sf = &root_files[i];
        int slot = ns_add(parent, sf->name, strlen(sf->name), NAMING_FILE, NS_GENERATED);
        if (slot >= 0)
            ns_nodes[slot].generate = sf->generate;
    }
}

static void line(struct gentext *t, const char *key, uint64_t value)
{
    gentext_put(t, "%s %" PRIu64 "\n", key, value);
}

/* Frames come from the MM server; without one the file says so and goes on. */
static void frames(struct gentext *t)
{
    struct mm_stats mm;
    int err = mm_stats(&mm);
    if (err) {
        gentext_put(t, "frames unavailable (%s)\n", l4srv_strerror(err));
        return;
    }
    line(t, "frames_total", mm.frames_total);
    line(t, "frames_free", mm.frames_free);
    line(t, "frames_used", mm.frames_used);
    line(t, "frames_swapped", mm.swap_used);
}

/*
 * System-wide counters. The kernel's come from l4sim_get_stats: the one
 * place a root-task server reads the simulator directly, because a real
 * X.2 kernel has no such call (docs/design.md).
 */
size_t stats_system(char *buf, size_t cap)
{
    struct l4sim_stats k;
    l4sim_get_stats(&k);
    struct gentext t = {.buf = buf, .cap = cap};
    line(&t, "uptime_us", L4_SystemClock().raw);
    line(&t, "ipc_total", k.ipc_count);
    line(&t, "page_faults", k.page_faults);
    line(&t, "exceptions", k.exceptions);
    line(&t, "threads_created", k.threads_created);
    line(&t, "mappings", k.mappings);
    frames(&t);
    return t.len;
}

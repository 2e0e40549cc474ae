/*
 * /stats: files whose text is made when they are opened. The root task's
 * own generators are listed here; other servers add theirs as device
 * nodes under /stats (mk_object DEVICE + register), so nothing here needs
 * to know about tasks. It must never change what it reports on.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <l4/schedule.h>
#include <l4sim/l4sim.h>
#include <l4srv/mm.h>

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

/* Append formatted text at pos; stops short of cap, so a full buffer only cuts the text. */
static size_t put(char *buf, size_t cap, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t put(char *buf, size_t cap, size_t pos, const char *fmt, ...)
{
    if (pos + 1 >= cap)
        return pos;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + pos, cap - pos, fmt, ap);
    va_end(ap);
    if (n < 0)
        return pos;
    return pos + (size_t) n < cap ? pos + (size_t) n : cap - 1;
}

static size_t line(char *buf, size_t cap, size_t pos, const char *key, uint64_t value)
{
    return put(buf, cap, pos, "%s %" PRIu64 "\n", key, value);
}

/* Frames come from the MM server; without one the file says so and goes on. */
static size_t frames(char *buf, size_t cap, size_t pos)
{
    struct mm_stats mm;
    int err = mm_stats(&mm);
    if (err) {
        return put(buf, cap, pos, "frames unavailable (%s)\n", l4srv_strerror(err));
    }
    pos = line(buf, cap, pos, "frames_total", mm.frames_total);
    pos = line(buf, cap, pos, "frames_free", mm.frames_free);
    pos = line(buf, cap, pos, "frames_used", mm.frames_used);
    return line(buf, cap, pos, "frames_swapped", mm.swap_used);
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
    size_t pos = 0;
    pos = line(buf, cap, pos, "uptime_us", L4_SystemClock().raw);
    pos = line(buf, cap, pos, "ipc_total", k.ipc_count);
    pos = line(buf, cap, pos, "page_faults", k.page_faults);
    pos = line(buf, cap, pos, "exceptions", k.exceptions);
    pos = line(buf, cap, pos, "threads_created", k.threads_created);
    pos = line(buf, cap, pos, "mappings", k.mappings);
    return frames(buf, cap, pos);
}

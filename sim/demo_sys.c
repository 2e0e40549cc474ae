/*
 * The watchdog and the file reads the system demos share (demo_sys.h).
 * The watchdog only reads two counters the root task writes: host memory
 * outside the windows is visible to every thread of the simulation.
 */
#include <stdatomic.h>
#include <stdio.h>

#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4srv/file.h>
#include <l4srv/naming.h>
#include <l4srv/system.h>

#include "demo_sys.h"

#define WATCH_PERIOD L4_TimePeriod(1000 * 1000)

static struct {
    L4_ThreadId_t root;
    atomic_uint calls;    /* guarded calls begun */
    atomic_bool busy;     /* one is under way */
    atomic_uint canceled; /* calls the watchdog canceled */
    unsigned canceled_before;
} guard;

/* Cancel the root task's call if the same one is still waiting a whole period later. */
static void watchdog(void *kip)
{
    (void) kip;
    for (;;) {
        unsigned call = atomic_load(&guard.calls);
        bool busy = atomic_load(&guard.busy);
        L4_Sleep(WATCH_PERIOD);
        if (!busy || !atomic_load(&guard.busy) || atomic_load(&guard.calls) != call)
            continue;
        atomic_fetch_add(&guard.canceled, 1);
        L4_ExchangeRegisters(guard.root, L4_EXREGS_SEND_FLAG | L4_EXREGS_RECV_FLAG, 0, 0, 0, 0,
                             L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL);
    }
}

bool demo_watchdog_start(void)
{
    guard.root = L4_Myself();
    atomic_store(&guard.calls, 0);
    atomic_store(&guard.busy, false);
    atomic_store(&guard.canceled, 0);
    return l4srv_spawn_local(l4srv_id(DEMO_WATCHDOG_OFFSET), watchdog, L4_Pager(),
                             L4SRV_STACK_SIZE) != 0;
}

void demo_guard_enter(void)
{
    guard.canceled_before = atomic_load(&guard.canceled);
    atomic_fetch_add(&guard.calls, 1);
    atomic_store(&guard.busy, true);
}

void demo_guard_rest(void)
{
    demo_guard_enter();
}

int demo_guard_leave(int err)
{
    atomic_store(&guard.busy, false);
    if (atomic_load(&guard.canceled) != guard.canceled_before)
        printf("    -> no answer for a second (a lost message?): the watchdog canceled the "
               "call\n");
    return err;
}

int demo_read_path(const char *path, char *buf, size_t cap, size_t *len)
{
    struct naming_result r;
    L4_Word_t file;
    *len = 0;
    buf[0] = 0;
    int err = GUARDED(naming_lookup(path, &r));
    if (!err)
        err = GUARDED(file_open(r.server, r.handle, FILE_OPEN_READ, &file));
    if (err)
        return err;
    while (!err && *len + 1 < cap) {
        size_t room = cap - 1 - *len, got = 0;
        err = GUARDED(
            file_read(r.server, file, buf + *len, room < FILE_IO_MAX ? room : FILE_IO_MAX, &got));
        *len += err ? 0 : got;
    }
    buf[*len] = 0;
    int closed = GUARDED(file_close(r.server, file));
    return err == L4SRV_ERR_END_OF_FILE || !err ? closed : err;
}

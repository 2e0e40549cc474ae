/*
 * Space membership from trace lines. The kernel's `thread.create NEW
 * CREATOR` names the creator, not the space: a `space.create NEW` just
 * before it says NEW got a new space; otherwise NEW is taken to join its
 * creator's space (what ThreadControl callers mostly do) until a page
 * fault shows its window (`addr=w<N>+...` is always in the faulting
 * thread's own window) and puts it right. Fixed tables only: this runs in
 * the trace sink.
 */

#include <l4srv/ids.h>

#include "trace_spaces.h"

#define MAX_WINDOWS   4096
#define NO_SPACE      (-1)
#define NO_WINDOW     (-1)
#define DEFAULT_SIGMA 32 /* UserBase, until the boot lines say otherwise */

struct thread_entry {
    int space; /* NO_SPACE: never created in this trace */
    bool live;
    bool new_space_pending; /* space.create named it; its thread.create follows */
};

struct space_entry {
    bool live;
    bool boot; /* sigma0's and the root's: their windows are not learnt */
    int window;
    unsigned threads;
};

static struct thread_entry threads[TRACE_MAX_THREADS];
static struct space_entry spaces[TRACE_MAX_THREADS];
static int window_owner[MAX_WINDOWS];
static long sigma0_no; /* -1: not seen yet */
static bool standard_system;
static long last_emptied, deleted_now;

void trace_spaces_reset(bool standard)
{
    for (unsigned i = 0; i < TRACE_MAX_THREADS; i++) {
        threads[i] = (struct thread_entry){.space = NO_SPACE};
        spaces[i] = (struct space_entry){.window = NO_WINDOW};
    }
    for (unsigned w = 0; w < MAX_WINDOWS; w++)
        window_owner[w] = NO_SPACE;
    sigma0_no = -1;
    standard_system = standard;
    last_emptied = deleted_now = -1;
}

void trace_spaces_set_standard(bool standard)
{
    standard_system = standard;
}

static unsigned long root_no(void)
{
    return (unsigned long) (sigma0_no >= 0 ? sigma0_no : DEFAULT_SIGMA) + 2;
}

/* The role of the standard system's thread at root + offset. */
static const char *server_role(unsigned long offset)
{
    if (offset == L4SRV_MM)
        return "mm";
    if (offset >= L4SRV_MM_IO && offset < L4SRV_MM_IO + L4SRV_MM_IO_COUNT)
        return "mm-io";
    if (offset == L4SRV_SWAP)
        return "swap";
    if (offset == L4SRV_TASK)
        return "task";
    if (offset == L4SRV_NAMING)
        return "naming";
    if (offset >= L4SRV_NAMING_AUX && offset < L4SRV_LOG)
        return "naming-aux";
    return offset == L4SRV_LOG ? "log" : NULL;
}

const char *trace_thread_role(unsigned long no)
{
    unsigned long root = root_no();
    if (no == root - 2)
        return "sigma0";
    if (no == root)
        return "root";
    return standard_system && no > root ? server_role(no - root) : NULL;
}

static void set_window(int space, int window)
{
    if (window < 0 || window >= MAX_WINDOWS)
        return;
    spaces[space].window = window;
    window_owner[window] = space;
}

static void start_space(unsigned long no, bool boot)
{
    spaces[no] = (struct space_entry){.live = true, .boot = boot, .window = NO_WINDOW};
    if (boot && no == root_no())
        set_window((int) no, 0); /* the root's window is the physical window, w0 */
}

static void join(unsigned long no, int space)
{
    struct thread_entry *t = &threads[no];
    if (t->live && t->space != NO_SPACE && spaces[t->space].threads)
        spaces[t->space].threads--;
    t->space = space;
    t->live = true;
    spaces[space].threads++;
}

static void thread_created(const struct trace_line *l)
{
    unsigned long no = l->a.no;
    bool from_boot = !l->b.valid;
    if (from_boot && sigma0_no < 0)
        sigma0_no = (long) no;
    int space = NO_SPACE;
    if (l->space.valid && trace_thread_tracked(l->space.no) && l->space.no != no)
        space = threads[l->space.no].space;
    else if (!l->space.valid && !threads[no].new_space_pending && !from_boot && l->b.no != no &&
             trace_thread_tracked(l->b.no))
        space = threads[l->b.no].space;
    if (space == NO_SPACE || !spaces[space].live) {
        start_space(no, from_boot);
        space = (int) no;
    }
    threads[no].new_space_pending = false;
    join(no, space);
}

static void thread_deleted(unsigned long no)
{
    struct thread_entry *t = &threads[no];
    if (!t->live || t->space == NO_SPACE)
        return;
    t->live = false; /* keeps its space: later lines about it still match space= */
    if (spaces[t->space].threads && --spaces[t->space].threads == 0)
        last_emptied = t->space;
}

static void space_deleted(void)
{
    deleted_now = last_emptied;
    if (last_emptied < 0)
        return;
    struct space_entry *s = &spaces[last_emptied];
    if (s->window >= 0 && window_owner[s->window] == last_emptied)
        window_owner[s->window] = NO_SPACE;
    s->live = false;
    s->window = NO_WINDOW;
    last_emptied = -1;
}

/* The one live space, not a boot space, whose window is still unknown. */
static int sole_windowless_space(void)
{
    int found = NO_SPACE;
    for (int s = 0; s < TRACE_MAX_THREADS; s++) {
        if (!spaces[s].live || spaces[s].boot || spaces[s].window != NO_WINDOW)
            continue;
        if (found != NO_SPACE)
            return NO_SPACE;
        found = s;
    }
    return found;
}

/* A page fault of thread no at window w: its space is the one owning w. */
static void window_seen(unsigned long no, int window)
{
    int space = threads[no].space;
    if (space == NO_SPACE || window < 0 || window >= MAX_WINDOWS || spaces[space].window == window)
        return;
    int owner = window_owner[window];
    if (owner != NO_SPACE && spaces[owner].live) {
        join(no, owner);
    } else if (spaces[space].window == NO_WINDOW && !spaces[space].boot) {
        set_window(space, window);
    } else if ((owner = sole_windowless_space()) != NO_SPACE) {
        set_window(owner, window);
        join(no, owner);
    }
}

void trace_spaces_observe(const struct trace_line *l)
{
    deleted_now = -1;
    bool tracked = l->a.valid && trace_thread_tracked(l->a.no);
    switch (l->kind) {
    case TK_SPACE_CREATE:
        if (tracked)
            threads[l->a.no].new_space_pending = true;
        break;
    case TK_SPACE_DELETE:
        space_deleted();
        break;
    case TK_THREAD_CREATE:
        if (tracked)
            thread_created(l);
        break;
    case TK_THREAD_DELETE:
        if (tracked)
            thread_deleted(l->a.no);
        break;
    case TK_PAGEFAULT:
        if (tracked)
            window_seen(l->a.no, l->window);
        break;
    default:
        break;
    }
}

unsigned long trace_space_of(unsigned long no)
{
    if (!trace_thread_tracked(no) || threads[no].space == NO_SPACE)
        return no;
    return (unsigned long) threads[no].space;
}

long trace_space_deleted(void)
{
    return deleted_now;
}

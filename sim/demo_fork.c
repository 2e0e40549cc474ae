/*
 * Demo "fork": copy on write. The cow image writes N pages and forks
 * through the task server; the child writes some of the pages and the
 * parent others. Between the stages the root reads from the MM server how
 * many of each side's pages are still shared and how many became private,
 * and at the end each side says whether it saw only its own values.
 */
#include <stdio.h>

#include <l4/thread.h>
#include <l4srv/mm.h>
#include <l4srv/system.h>
#include <l4srv/task.h>

#include "demo.h"
#include "demo_memory.h"

#define IMAGE         "cow"
#define PAGES         8 /* the parent writes these before the fork */
#define CHILD_WRITES  3 /* pages 0..2 */
#define PARENT_WRITES 2 /* pages 3..4 */

/* The image's stages (tests/images/cow.c). */
enum {
    COW_SET_UP = 1,
    COW_FORKED,
    COW_CHILD_READY,
    COW_CHILD_WROTE,
    COW_PARENT_WROTE,
    COW_CHILD_CHECKED,
    COW_PARENT_CHECKED,
};

struct side {
    const char *name;
    L4_ThreadId_t task;
    struct mm_space_stats now, before;
};

struct demo_state {
    enum demo_outcome outcome;
    struct conductor cond;
    struct side parent, child;
};

static void wrong_result(struct demo_state *st, const char *what)
{
    say("WRONG RESULT: %s", what);
    st->outcome = DEMO_FAILED;
}

/* A figure the root measured between two stages: meaningless once they overlapped. */
static void measured_wrong(struct demo_state *st, const char *what)
{
    if (st->cond.overlapped)
        say("(not checked, the stages overlapped: %s)", what);
    else
        wrong_result(st, what);
}

static void recovered(struct demo_state *st)
{
    demo_recovered(&st->outcome);
}

/* Read a side's figures from the MM server; false after saying why not. */
static bool read_side(struct demo_state *st, struct side *s)
{
    s->before = s->now;
    int err = mm_space_stats(s->task, &s->now);
    if (err) {
        say("mm_space_stats(%s) failed: %s; the root gives up", s->name, l4srv_strerror(err));
        recovered(st);
        return false;
    }
    return true;
}

static void show_side(const struct side *s)
{
    say("%-6s (task %lu.%lu): %2llu pages resident: %2llu shared with the other side, %2llu "
        "private",
        s->name, L4_ThreadNo(s->task), L4_Version(s->task), (unsigned long long) s->now.resident,
        (unsigned long long) s->now.shared, (unsigned long long) (s->now.resident - s->now.shared));
}

static bool show_both(struct demo_state *st)
{
    if (!read_side(st, &st->parent) || !read_side(st, &st->child))
        return false;
    show_side(&st->parent);
    show_side(&st->child);
    return true;
}

/* After a side wrote `writes` shared pages, both sides must hold that many fewer shared. */
static void check_unshared(struct demo_state *st, unsigned writes)
{
    const struct side *sides[2] = {&st->parent, &st->child};
    for (int i = 0; i < 2; i++) {
        const struct side *s = sides[i];
        say("%s: shared %llu -> %llu, private %llu -> %llu: %llu pages became private", s->name,
            (unsigned long long) s->before.shared, (unsigned long long) s->now.shared,
            (unsigned long long) (s->before.resident - s->before.shared),
            (unsigned long long) (s->now.resident - s->now.shared),
            (unsigned long long) (s->before.shared - s->now.shared));
        if (s->before.shared - s->now.shared != writes)
            measured_wrong(st, "the write did not unshare exactly the pages written");
    }
}

static bool start_parent(struct demo_state *st, struct checkpoint *set_up)
{
    narrate("The standard servers are up. The root asks the task server to start /modules/%s:\n"
            "    it makes a space through the MM server, whose region mapper loads the image a\n"
            "    page at a time. The program writes a different value into each of %d pages.",
            IMAGE, PAGES);
    char cmdline[64];
    snprintf(cmdline, sizeof(cmdline), "%s %d %d %d report", IMAGE, PAGES, CHILD_WRITES,
             PARENT_WRITES);
    int err = task_new("/modules/" IMAGE, cmdline, 0, &st->parent.task, NULL);
    if (err) {
        say("task_new failed: %s", l4srv_strerror(err));
        recovered(st);
        st->parent.task = L4_nilthread;
        return false;
    }
    if (!conductor_await(&st->cond, COW_SET_UP, set_up) || !read_side(st, &st->parent))
        return false;
    show_side(&st->parent);
    if (st->parent.now.shared != 0)
        measured_wrong(st, "the parent shares pages before any fork");
    return true;
}

static bool fork_it(struct demo_state *st, const struct checkpoint *set_up,
                    struct checkpoint *forked, struct checkpoint *ready)
{
    narrate("The parent forks (l4rt_fork: Fork to the task server). The task server makes a new\n"
            "    space, and the MM server's copy_space puts every page of the parent's regions\n"
            "    (all but its stack) into it at the same window offsets, copy on write: both\n"
            "    spaces now map the same frames, and neither may write them.");
    if (!conductor_release(&st->cond, set_up) || !conductor_await(&st->cond, COW_FORKED, forked) ||
        !conductor_await(&st->cond, COW_CHILD_READY, ready))
        return false;
    st->child.task.raw = forked->a;
    say("the child is task %lu.%lu; its first thread %lu.%lu is waiting at its first stage",
        L4_ThreadNo(st->child.task), L4_Version(st->child.task), L4_ThreadNo(ready->from),
        L4_Version(ready->from));
    if (!show_both(st))
        return false;
    struct mm_stats mm;
    int err = mm_stats(&mm);
    if (err) {
        say("mm_stats failed: %s", l4srv_strerror(err));
        recovered(st);
    } else {
        say("the MM server counts %llu frames held by more than one space: the %d pages the\n"
            "       parent wrote, and the program's code, data and heap it had touched",
            (unsigned long long) mm.frames_shared, PAGES);
    }
    if (st->parent.now.shared < PAGES || st->parent.now.shared != st->child.now.shared)
        measured_wrong(st, "the fork did not share the written pages between both sides");
    demo_maps_snapshot();
    return true;
}

static bool child_writes(struct demo_state *st, struct checkpoint *ready,
                         struct checkpoint *child_wrote)
{
    narrate("The child writes pages 0-%d. Each first write hits a read-only copy-on-write page:\n"
            "    a page fault (write bit set) from the child's thread %lu to its pager, the\n"
            "    region mapper %lu, which forwards it to the MM server (thread %lu). The frame\n"
            "    has another holder, so the server copies it and maps the copy writable into\n"
            "    the child; the parent is left the only holder of the old frame.",
            CHILD_WRITES - 1, L4_ThreadNo(ready->from), L4_ThreadNo(st->child.task),
            L4_ThreadNo(mm_server()));
    if (!conductor_release(&st->cond, ready) ||
        !conductor_await(&st->cond, COW_CHILD_WROTE, child_wrote) || !show_both(st))
        return false;
    check_unshared(st, CHILD_WRITES);
    return true;
}

static bool parent_writes(struct demo_state *st, struct checkpoint *forked,
                          struct checkpoint *parent_wrote)
{
    narrate("The parent writes pages %d-%d: the same copy on write, from the other side.",
            CHILD_WRITES, CHILD_WRITES + PARENT_WRITES - 1);
    if (!conductor_release(&st->cond, forked) ||
        !conductor_await(&st->cond, COW_PARENT_WROTE, parent_wrote) || !show_both(st))
        return false;
    check_unshared(st, PARENT_WRITES);
    return true;
}

/* Each side counts the pages holding its own value; all must. */
static bool side_checks(struct demo_state *st, struct checkpoint *wrote, L4_Word_t stage,
                        const char *name)
{
    struct checkpoint checked;
    if (!conductor_release(&st->cond, wrote) || !conductor_await(&st->cond, stage, &checked))
        return false;
    say("the %s reports %lu of %d pages right, %lu wrong", name, checked.a, PAGES, checked.b);
    if (checked.a != PAGES || checked.b != 0)
        wrong_result(st, "a side saw a value that is not its own");
    return conductor_release(&st->cond, &checked);
}

static void wait_parent(struct demo_state *st)
{
    narrate("The parent waits for the child, then ends; the root waits for the parent\n"
            "    (task_wait). Their frames go back to the MM server.");
    L4_Word_t state = 0, status = 0;
    int err = task_wait(st->parent.task, &state, &status);
    if (err) {
        say("task_wait failed: %s", l4srv_strerror(err));
        recovered(st);
        return;
    }
    if (state == TASK_CRASHED || state == TASK_KILLED) {
        /* A fault ended it, and the task server said so: handled, not wrong. */
        if (state == TASK_CRASHED)
            say("the parent crashed (at %#lx), and task_wait reports it", status);
        else
            say("the parent was killed, and task_wait reports it");
        recovered(st);
        return;
    }
    say("the parent ended in state %lu (%s) with status %lu", state,
        state == TASK_EXITED ? "exited" : "not exited", status);
    /* cow's status 1 says Fork failed, 4 that the child did not exit: an
     * error the program met and reported. 2 and 3 say someone saw a wrong value. */
    if (state == TASK_EXITED && (status == 1 || status == 4)) {
        say("the cow program reports that %s", status == 1 ? "Fork failed" : "its child crashed");
        recovered(st);
    } else if (state != TASK_EXITED || status != 0) {
        wrong_result(st, "the cow program did not exit with status 0");
    }
}

static int fork_root(void *arg)
{
    struct demo_state *st = arg;
    st->cond.outcome = &st->outcome;
    struct checkpoint set_up, forked, ready, child_wrote, parent_wrote;
    bool done = false;
    if (start_parent(st, &set_up) && fork_it(st, &set_up, &forked, &ready) &&
        child_writes(st, &ready, &child_wrote) && parent_writes(st, &forked, &parent_wrote)) {
        narrate("Each side reads all %d pages: the child must see its own values in pages 0-%d\n"
                "    and the original ones elsewhere, the parent its own in pages %d-%d.",
                PAGES, CHILD_WRITES - 1, CHILD_WRITES, CHILD_WRITES + PARENT_WRITES - 1);
        if (side_checks(st, &child_wrote, COW_CHILD_CHECKED, "child") &&
            side_checks(st, &parent_wrote, COW_PARENT_CHECKED, "parent")) {
            wait_parent(st);
            done = true;
        }
    }
    if (!done && !L4_IsNilThread(st->parent.task)) {
        say_task_state("parent", st->parent.task);
        if (!L4_IsNilThread(st->child.task))
            say_task_state("child", st->child.task);
    }
    return (int) st->outcome;
}

static int run(const struct demo_options *opt, struct demo_result *res)
{
    const char *images = demo_image_dir_with("fork", IMAGE);
    if (!images) { /* nothing to run: no summary either */
        *res = (struct demo_result){.outcome = DEMO_FAILED};
        return 1;
    }
    struct l4sim_config cfg;
    demo_begin(opt, &cfg, "l4sim demo fork: copy on write, counted in shared and private pages.");
    struct demo_state st = {.outcome = DEMO_OK,
                            .parent = {.name = "parent", .task = L4_nilthread},
                            .child = {.name = "child", .task = L4_nilthread}};
    demo_echo_task_lines(opt, &cfg);
    struct l4srv_options sys = {.modules_dir = images};
    int rc = demo_run_system(&cfg, &sys, fork_root, &st);
    narrate("Shutdown: every task, thread, space and frame of the run is gone.");
    return demo_finish("fork", &cfg, rc, res);
}

const struct demo demo_fork = {
    .name = "fork",
    .summary = "fork with copy on write: shared and private pages on each side",
    .run = run,
};

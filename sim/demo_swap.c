/*
 * Demo "swap": memory pressure. With a small simulated RAM, the swapper
 * image writes more pages than there are frames, so the MM server pages
 * some out to the backing store; reading them all back pages them in. The
 * root shows the MM server's figures at each stage, and the program checks
 * that every word survived the round trip.
 */
#include <stdio.h>

#include <l4/thread.h>
#include <l4srv/mm.h>
#include <l4srv/system.h>
#include <l4srv/task.h>

#include "demo.h"
#include "demo_memory.h"

#define IMAGE    "swapper"
#define RAM_SIZE (256UL * 1024) /* 64 frames */
#define PAGES    96             /* the program's heap pages: half again as many */

/* The image's stages (tests/images/swapper.c). */
enum { SWAP_ALLOCATED = 1, SWAP_WRITTEN, SWAP_CHECKED };

struct demo_state {
    enum demo_outcome outcome;
    struct conductor cond;
    L4_ThreadId_t task;
    struct mm_stats mm;
    struct mm_space_stats space;
};

static void wrong_result(struct demo_state *st, const char *what)
{
    say("WRONG RESULT: %s", what);
    st->outcome = DEMO_FAILED;
}

static void recovered(struct demo_state *st)
{
    demo_recovered(&st->outcome);
}

/* The MM server's figures, and the task's when it has one; false after saying why not. */
static bool show_memory(struct demo_state *st)
{
    int err = mm_stats(&st->mm);
    if (!err && !L4_IsNilThread(st->task))
        err = mm_space_stats(st->task, &st->space);
    if (err) {
        say("asking the MM server failed: %s; the root gives up", l4srv_strerror(err));
        recovered(st);
        return false;
    }
    const struct mm_stats *m = &st->mm;
    say("RAM: %llu frames, %llu free; swap: %llu of %llu slots used; %llu zero-filled, "
        "%llu paged out, %llu paged in",
        (unsigned long long) m->frames_total, (unsigned long long) m->frames_free,
        (unsigned long long) m->swap_used, (unsigned long long) m->swap_slots,
        (unsigned long long) m->zero_fills, (unsigned long long) m->page_outs,
        (unsigned long long) m->page_ins);
    if (!L4_IsNilThread(st->task))
        say("the swapper task: %llu pages resident, %llu only in swap, %llu page faults",
            (unsigned long long) st->space.resident, (unsigned long long) st->space.swapped,
            (unsigned long long) st->space.faults);
    return true;
}

static bool start_task(struct demo_state *st, struct checkpoint *allocated)
{
    narrate("The root starts /modules/%s, which asks for %d pages of heap (%d KiB): its region\n"
            "    mapper attaches anonymous memory from the MM server. Nothing is resident yet;\n"
            "    a page gets a frame at its first touch.",
            IMAGE, PAGES, PAGES * 4);
    char cmdline[64];
    snprintf(cmdline, sizeof(cmdline), "%s %d report", IMAGE, PAGES);
    int err = task_new("/modules/" IMAGE, cmdline, 0, &st->task, NULL);
    if (err) {
        say("task_new failed: %s", l4srv_strerror(err));
        recovered(st);
        st->task = L4_nilthread;
        return false;
    }
    return conductor_await(&st->cond, SWAP_ALLOCATED, allocated) && show_memory(st);
}

static bool write_all(struct demo_state *st, struct checkpoint *allocated,
                      struct checkpoint *written)
{
    narrate("The program writes a pattern over every word of its %d pages. Each first touch is\n"
            "    a page fault the MM server answers with a zeroed frame. When no frame is free,\n"
            "    its clock (second chance) picks pages not touched lately and pages them out:\n"
            "    the backing store gets a copy, the page is unmapped, the frame is reused.",
            PAGES);
    uint64_t outs_before = st->mm.page_outs;
    if (!conductor_release(&st->cond, allocated) ||
        !conductor_await(&st->cond, SWAP_WRITTEN, written) || !show_memory(st))
        return false;
    if (st->mm.page_outs <= outs_before || st->space.swapped == 0)
        wrong_result(st, "more pages than frames were written, yet none went to swap");
    return true;
}

static bool read_back(struct demo_state *st, struct checkpoint *written)
{
    narrate("The program reads all %d pages back and checks every word. A page that is only in\n"
            "    swap faults again; the MM server reads it from the backing store (page-in) into\n"
            "    a frame, paging out others to make room.",
            PAGES);
    uint64_t ins_before = st->mm.page_ins;
    struct checkpoint checked;
    if (!conductor_release(&st->cond, written) ||
        !conductor_await(&st->cond, SWAP_CHECKED, &checked) || !show_memory(st))
        return false;
    say("the program found %lu pages intact, %lu damaged", checked.a, checked.b);
    if (checked.a != PAGES || checked.b != 0)
        wrong_result(st, "pages came back from swap damaged");
    if (st->mm.page_ins <= ins_before)
        wrong_result(st, "pages were in swap, yet none was paged in");
    return conductor_release(&st->cond, &checked);
}

static void wait_task(struct demo_state *st)
{
    narrate("The program frees its heap and exits; the root waits for it (task_wait). Its\n"
            "    frames and swap slots go back to the MM server.");
    L4_Word_t state = 0, status = 0;
    int err = task_wait(st->task, &state, &status);
    if (err) {
        say("task_wait failed: %s", l4srv_strerror(err));
        recovered(st);
        return;
    }
    say("the swapper ended in state %lu (%s) with status %lu", state,
        state == TASK_EXITED ? "exited" : "not exited", status);
    if (state != TASK_EXITED || status != 0)
        wrong_result(st, "the swapper did not exit with status 0");
    st->task = L4_nilthread;
    if (show_memory(st) && st->mm.swap_used != 0)
        wrong_result(st, "swap slots are still in use after the task ended");
}

static int swap_root(void *arg)
{
    struct demo_state *st = arg;
    st->cond.outcome = &st->outcome;
    narrate("The standard servers are up on a small RAM of %lu KiB; the backing store holds\n"
            "    the pages that do not fit.",
            RAM_SIZE / 1024);
    struct checkpoint allocated, written;
    if (show_memory(st) && start_task(st, &allocated) && write_all(st, &allocated, &written) &&
        read_back(st, &written))
        wait_task(st);
    else if (!L4_IsNilThread(st->task))
        say_task_state("swapper", st->task);
    return (int) st->outcome;
}

static int run(const struct demo_options *opt, struct demo_result *res)
{
    const char *images = demo_image_dir_with("swap", IMAGE);
    if (!images) { /* nothing to run: no summary either */
        *res = (struct demo_result){.outcome = DEMO_FAILED};
        return 1;
    }
    struct l4sim_config cfg;
    demo_begin(opt, &cfg,
               "l4sim demo swap: more pages than RAM, paged out to the backing store and back.");
    cfg.phys_mem_size = RAM_SIZE;
    struct demo_state st = {.outcome = DEMO_OK, .task = L4_nilthread};
    demo_echo_task_lines(opt, &cfg);
    struct l4srv_options sys = {.modules_dir = images};
    int rc = demo_run_system(&cfg, &sys, swap_root, &st);
    narrate("Shutdown: every task, thread, space, frame and swap slot of the run is gone.");
    return demo_finish("swap", &cfg, rc, res);
}

const struct demo demo_swap = {
    .name = "swap",
    .summary = "memory pressure: page-out to the backing store, page-in, data intact",
    .run = run,
};

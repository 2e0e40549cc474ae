/*
 * One trace sink feeding every view: it parses each line once, keeps the
 * thread-to-space table up to date, applies the filter and hands the line
 * on. Every line gets a place on the JSON time axis: its trace time in µs,
 * plus 10 ns for each earlier line in the same µs, so events of one µs
 * keep their order.
 */
#include <stdio.h>
#include <unistd.h>

#include "trace_filter.h"
#include "trace_json.h"
#include "trace_msc.h"
#include "trace_spaces.h"
#include "trace_term.h"
#include "trace_view.h"

#define SAME_US_STEP_NS 10
#define SAME_US_MAX     99 /* later lines of a crowded µs share the last place */

static struct {
    bool open;
    struct trace_filter filter;
    bool show;
    trace_view_hook hook;
    void *hook_ctx;
    uint64_t lines, t, same_us;
    const char *json_path;
} view;

void trace_view_set_hook(trace_view_hook hook, void *ctx)
{
    view.hook = hook;
    view.hook_ctx = ctx;
}

void trace_view_set_standard_system(bool standard)
{
    trace_spaces_set_standard(standard);
}

static void sink(const char *text, size_t len, void *ctx)
{
    (void) ctx;
    struct trace_line l;
    trace_line_parse(text, len, &l);
    trace_spaces_observe(&l);
    trace_term_count(&l);
    view.lines++;
    if (l.kind != TK_OTHER && l.t > view.t) {
        view.t = l.t;
        view.same_us = 0;
    } else if (view.same_us < SAME_US_MAX) {
        view.same_us++; /* free-running lines may arrive a µs late: never go back */
    }
    bool pass = trace_filter_match(&view.filter, &l);
    if (pass) {
        trace_term_line(&l);
        trace_json_event(&l, view.t * 1000 + view.same_us * SAME_US_STEP_NS);
        trace_msc_event(&l);
    }
    if (view.hook)
        view.hook(&l, pass && view.show, view.hook_ctx);
}

l4sim_trace_fn trace_view_open(const struct demo_options *opt, bool deterministic, bool *failed,
                               char *err, size_t errlen)
{
    *failed = false;
    view.open = false;
    view.show = opt->trace;
    view.lines = view.t = view.same_us = 0;
    view.json_path = opt->json_path;
    trace_spaces_reset(false);
    if (trace_filter_parse(opt->filter, &view.filter, err, errlen) != 0 ||
        (opt->json_path && trace_json_open(opt->json_path, err, errlen) != 0) ||
        ((opt->msc_path || opt->svg_path) &&
         trace_msc_open(opt->msc_path, opt->svg_path, err, errlen) != 0)) {
        *failed = true;
        trace_json_close(0);
        return NULL;
    }
    struct trace_term_options term = {
        .show = opt->trace,
        .color = opt->color,
        .step = opt->step,
        .progress = !(opt->trace && isatty(STDOUT_FILENO)) && isatty(STDERR_FILENO),
        .virtual_time = deterministic,
    };
    trace_term_open(&term);
    view.open = true;
    bool wanted = opt->trace || opt->json_path || opt->msc_path || opt->svg_path || term.progress ||
                  view.hook;
    return wanted ? sink : NULL;
}

void trace_view_quiet(void)
{
    trace_term_quiet();
}

int trace_view_close(void)
{
    if (!view.open)
        return 0;
    view.open = false;
    view.hook = NULL;
    trace_term_close();
    trace_json_close(view.lines);
    if (view.json_path)
        printf("    trace: %s (Chrome trace-event JSON: ui.perfetto.dev or chrome://tracing)\n",
               view.json_path);
    fflush(stdout);
    return trace_msc_close();
}

/*
 * `l4sim campaign`: one run of a demo scenario per seed, each in a forked
 * child (at most -j at once) so a crash or hang stays in its run. Children
 * report through a pipe; the parent classifies, writes JSON Lines in seed
 * order, and prints a summary, fault-point coverage and replay commands.
 * The parent never boots a system itself, so it stays single-threaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <l4sim/faults.h>

#include "campaign.h"
#include "demo.h"

#define MAX_POINTS      32
#define MAX_SEEDS       10000000UL
#define MAX_JOBS        256
#define MAX_REPLAYS     5
#define DEFAULT_TIMEOUT 60

/* What a child sends back: one write, well under PIPE_BUF. */
struct record {
    int outcome;
    unsigned invariants_broken;
    uint64_t trace_hash, virtual_us, faults_fired, ipc_dropped;
    unsigned points;
    uint64_t hits[MAX_POINTS], fired[MAX_POINTS];
};

struct run {
    uint64_t seed;
    bool done, has_record, timed_out;
    int outcome, signal;
    uint64_t wall_us;
    struct record rec;
};

struct child {
    pid_t pid;
    int fd;
    size_t index;
    uint64_t start_us;
    size_t got;
    struct record rec;
};

struct campaign {
    const struct demo *scenario;
    const char *spec;
    uint64_t *seeds;
    size_t nseeds;
    unsigned jobs;
    unsigned timeout_s;
    FILE *out;
    struct run *runs;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* ---------------------------------------------------------------- seeds */

static bool parse_u64(const char *s, const char *end, uint64_t *out)
{
    if (s == end)
        return false;
    uint64_t v = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t) (*s - '0');
    }
    *out = v;
    return true;
}

/* "1-1000", "7", or a comma-separated list of both. */
static int parse_seeds(const char *text, struct campaign *c)
{
    size_t cap = 0;
    for (const char *p = text; *p;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *dash = memchr(p, '-', (size_t) (end - p));
        uint64_t lo, hi;
        if (dash ? !parse_u64(p, dash, &lo) || !parse_u64(dash + 1, end, &hi)
                 : !parse_u64(p, end, &lo))
            return -1;
        if (!dash)
            hi = lo;
        if (hi < lo || hi - lo >= MAX_SEEDS || c->nseeds + (hi - lo + 1) > MAX_SEEDS)
            return -1;
        size_t need = c->nseeds + (size_t) (hi - lo + 1);
        if (need > cap) {
            cap = need * 2;
            uint64_t *n = realloc(c->seeds, cap * sizeof(*n));
            if (!n)
                return -1;
            c->seeds = n;
        }
        for (uint64_t s = lo;; s++) {
            c->seeds[c->nseeds++] = s;
            if (s == hi)
                break;
        }
        p = comma ? comma + 1 : end;
    }
    return c->nseeds ? 0 : -1;
}

/* ---------------------------------------------------------------- child */

static void fill_record(const struct demo_result *res, struct record *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->outcome = (int) res->outcome;
    rec->invariants_broken = res->stats.invariants_broken;
    rec->trace_hash = res->stats.trace_hash;
    rec->virtual_us = res->stats.virtual_time_us;
    rec->faults_fired = res->stats.faults_fired;
    rec->ipc_dropped = res->stats.ipc_dropped;
    unsigned n = l4sim_fault_point_count();
    rec->points = n < MAX_POINTS ? n : MAX_POINTS;
    for (unsigned i = 0; i < rec->points; i++) {
        struct l4sim_fault_point p;
        l4sim_fault_point_get(i, &p);
        rec->hits[i] = p.hits;
        rec->fired[i] = p.fired;
    }
}

static void run_child(const struct campaign *c, uint64_t seed, int fd)
{
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    /* Campaigns replay: deterministic, and nothing from the caller's environment. */
    setenv("L4SIM_DETERMINISTIC", "1", 1);
    unsetenv("L4SIM_TRACE");
    struct demo_options opt = {
        .trace = false, .color = false, .faults = c->spec, .seed_given = true, .seed = seed};
    struct demo_result res;
    memset(&res, 0, sizeof(res));
    narrate_reset();
    c->scenario->run(&opt, &res);
    struct record rec;
    fill_record(&res, &rec);
    ssize_t n = write(fd, &rec, sizeof(rec));
    _exit(n == (ssize_t) sizeof(rec) ? 0 : 3);
}

static int start_child(const struct campaign *c, size_t index, struct child *ch)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        run_child(c, c->seeds[index], p[1]);
    }
    close(p[1]);
    memset(ch, 0, sizeof(*ch));
    ch->pid = pid;
    ch->fd = p[0];
    ch->index = index;
    ch->start_us = now_us();
    return 0;
}

/* The child's pipe reached end of file: reap it and classify the run. */
static void finish_child(struct campaign *c, struct child *ch, bool timed_out)
{
    int status = 0;
    while (waitpid(ch->pid, &status, 0) < 0 && errno == EINTR)
        ;
    close(ch->fd);
    struct run *r = &c->runs[ch->index];
    r->done = true;
    r->wall_us = now_us() - ch->start_us;
    r->timed_out = timed_out;
    r->has_record = ch->got == sizeof(ch->rec);
    if (r->has_record)
        r->rec = ch->rec;
    if (timed_out) {
        r->outcome = DEMO_DEADLOCK; /* no progress within the wall-time limit */
    } else if (WIFSIGNALED(status)) {
        r->outcome = DEMO_CRASH;
        r->signal = WTERMSIG(status);
    } else if (!r->has_record || WEXITSTATUS(status) != 0) {
        r->outcome = DEMO_CRASH;
    } else {
        r->outcome = ch->rec.outcome;
    }
}

/* ---------------------------------------------------------------- output */

static void point_name(unsigned i, const char **name)
{
    struct l4sim_fault_point p;
    *name = l4sim_fault_point_get(i, &p) == 0 ? p.name : "?";
}

static void write_jsonl(const struct campaign *c, const struct run *r)
{
    if (!c->out)
        return;
    fprintf(c->out, "{\"seed\":%llu,\"scenario\":\"%s\",\"outcome\":\"%s\"",
            (unsigned long long) r->seed, c->scenario->name, demo_outcome_name(r->outcome));
    const struct record *rec = &r->rec;
    fprintf(c->out, ",\"faults_fired\":%llu,\"fired\":{",
            (unsigned long long) (r->has_record ? rec->faults_fired : 0));
    bool first = true;
    for (unsigned i = 0; r->has_record && i < rec->points; i++) {
        if (!rec->fired[i])
            continue;
        const char *name;
        point_name(i, &name);
        fprintf(c->out, "%s\"%s\":%llu", first ? "" : ",", name,
                (unsigned long long) rec->fired[i]);
        first = false;
    }
    fprintf(c->out, "}");
    if (r->has_record)
        fprintf(c->out,
                ",\"ipc_dropped\":%llu,\"invariants_broken\":%u,\"trace_hash\":\"%016llx\","
                "\"virtual_us\":%llu",
                (unsigned long long) rec->ipc_dropped, rec->invariants_broken,
                (unsigned long long) rec->trace_hash, (unsigned long long) rec->virtual_us);
    else
        fprintf(c->out, ",\"trace_hash\":null,\"virtual_us\":null");
    fprintf(c->out, ",\"wall_us\":%llu", (unsigned long long) r->wall_us);
    if (r->signal)
        fprintf(c->out, ",\"signal\":%d", r->signal);
    if (r->timed_out)
        fprintf(c->out, ",\"wall_timeout\":true");
    fprintf(c->out, "}\n");
    fflush(c->out);
}

/* The spec in single quotes for a shell command line. */
static void print_quoted(const char *s)
{
    putchar('\'');
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*s);
    }
    putchar('\'');
}

static void print_summary(const struct campaign *c, uint64_t wall_us)
{
    size_t counts[DEMO_CRASH + 1] = {0};
    uint64_t vtime = 0;
    for (size_t i = 0; i < c->nseeds; i++) {
        counts[c->runs[i].outcome]++;
        if (c->runs[i].has_record)
            vtime += c->runs[i].rec.virtual_us;
    }
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double cpu = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 +
                 (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
    double wall = (double) wall_us / 1e6;

    printf("campaign %s: %zu runs, faults '%s', %u at once\n", c->scenario->name, c->nseeds,
           c->spec ? c->spec : "", c->jobs);
    printf("  %-10s %8s %7s\n", "outcome", "runs", "share");
    for (int o = DEMO_OK; o <= DEMO_CRASH; o++)
        printf("  %-10s %8zu %6.1f%%\n", demo_outcome_name((enum demo_outcome) o), counts[o],
               100.0 * (double) counts[o] / (double) c->nseeds);
    printf("  %-10s %8zu\n", "total", c->nseeds);
    printf("  wall %.2f s, %.1f runs/s, %.1f runs per CPU-second, simulated/wall time %.3f\n", wall,
           (double) c->nseeds / (wall > 0 ? wall : 1e-9),
           (double) c->nseeds / (cpu > 0 ? cpu : 1e-9),
           (double) vtime / 1e6 / (wall > 0 ? wall : 1e-9));

    printf("coverage (runs that reached the point / runs where it fired / times fired):\n");
    char never[1024] = "";
    for (unsigned i = 0; i < l4sim_fault_point_count() && i < MAX_POINTS; i++) {
        const char *name;
        point_name(i, &name);
        size_t reached = 0, fired_runs = 0;
        uint64_t fired = 0;
        for (size_t k = 0; k < c->nseeds; k++) {
            const struct run *r = &c->runs[k];
            if (!r->has_record)
                continue;
            reached += r->rec.hits[i] > 0;
            fired_runs += r->rec.fired[i] > 0;
            fired += r->rec.fired[i];
        }
        printf("  %-24s %8zu %8zu %8llu\n", name, reached, fired_runs, (unsigned long long) fired);
        if (!reached) {
            strncat(never, *never ? ", " : "", sizeof(never) - strlen(never) - 1);
            strncat(never, name, sizeof(never) - strlen(never) - 1);
        }
    }
    printf("never reached: %s\n", *never ? never : "(none)");

    unsigned shown = 0;
    for (size_t i = 0; i < c->nseeds && shown < MAX_REPLAYS; i++) {
        const struct run *r = &c->runs[i];
        if (r->outcome != DEMO_FAILED && r->outcome != DEMO_DEADLOCK && r->outcome != DEMO_CRASH)
            continue;
        if (!shown++)
            printf("replay (first %d runs that failed, deadlocked or crashed):\n", MAX_REPLAYS);
        printf("  %s: %s demo %s --seed %llu --faults ", demo_outcome_name(r->outcome),
               program_invocation_name, c->scenario->name, (unsigned long long) r->seed);
        print_quoted(c->spec ? c->spec : "");
        printf(" --trace\n");
    }
    fflush(stdout);
}

/* ---------------------------------------------------------------- driver */

static int run_campaign(struct campaign *c)
{
    struct child children[MAX_JOBS];
    unsigned running = 0;
    size_t next = 0, emitted = 0;
    uint64_t t0 = now_us();
    while (emitted < c->nseeds) {
        while (running < c->jobs && next < c->nseeds) {
            if (start_child(c, next, &children[running]) != 0) {
                perror("l4sim campaign: fork");
                if (!running)
                    return 1;
                break;
            }
            next++;
            running++;
        }
        struct pollfd pfd[MAX_JOBS];
        uint64_t now = now_us(), limit = (uint64_t) c->timeout_s * 1000000u, wait_us = limit;
        for (unsigned i = 0; i < running; i++) {
            pfd[i] = (struct pollfd){.fd = children[i].fd, .events = POLLIN};
            uint64_t age = now - children[i].start_us;
            uint64_t left = age >= limit ? 0 : limit - age;
            if (left < wait_us)
                wait_us = left;
        }
        int ready = poll(pfd, running, (int) (wait_us / 1000) + 1);
        if (ready < 0 && errno != EINTR) {
            perror("l4sim campaign: poll");
            return 1;
        }
        now = now_us();
        for (unsigned i = 0; i < running;) {
            struct child *ch = &children[i];
            bool eof = false, late = now - ch->start_us >= limit;
            if (pfd[i].revents) {
                char *dst = (char *) &ch->rec + ch->got;
                size_t room = sizeof(ch->rec) - ch->got;
                char sink[64];
                ssize_t n = room ? read(ch->fd, dst, room) : read(ch->fd, sink, sizeof(sink));
                if (n > 0 && room)
                    ch->got += (size_t) n;
                eof = n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN);
            }
            if (!eof && late) {
                kill(ch->pid, SIGKILL);
                finish_child(c, ch, true);
                eof = true;
            } else if (eof) {
                finish_child(c, ch, false);
            }
            if (eof) {
                children[i] = children[--running];
                pfd[i] = pfd[running];
                continue;
            }
            i++;
        }
        while (emitted < c->nseeds && c->runs[emitted].done)
            write_jsonl(c, &c->runs[emitted++]);
    }
    print_summary(c, now_us() - t0);
    return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "l4sim campaign: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nusage: l4sim campaign SCENARIO --seeds A-B --faults SPEC [-j N] "
                    "[--out FILE|-] [--timeout SECONDS]\n");
    return 2;
}

int cmd_campaign(int argc, char **argv)
{
    struct campaign c = {.jobs = 1, .timeout_s = DEFAULT_TIMEOUT};
    const char *seeds = NULL, *out = NULL, *name = NULL;
    long n = (long) sysconf(_SC_NPROCESSORS_ONLN);
    c.jobs = n > 0 ? (unsigned) n : 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        char *jobs_inline = NULL;
        if (!strncmp(a, "-j", 2) && a[2]) { /* -j4 as well as -j 4 */
            jobs_inline = (char *) a + 2;
            a = "-j";
        }
        bool takes = !strcmp(a, "--seeds") || !strcmp(a, "--faults") || !strcmp(a, "-j") ||
                     !strcmp(a, "--out") || !strcmp(a, "--timeout");
        if (takes && !jobs_inline && i + 1 == argc)
            return usage_error("%s needs a value", a);
        if (!strcmp(a, "--seeds")) {
            seeds = argv[++i];
        } else if (!strcmp(a, "--faults")) {
            c.spec = argv[++i];
        } else if (!strcmp(a, "--out")) {
            out = argv[++i];
        } else if (!strcmp(a, "-j") || !strcmp(a, "--timeout")) {
            const char *v = jobs_inline ? jobs_inline : argv[++i];
            char *end;
            long x = strtol(v, &end, 10);
            if (*end || x < 1 || x > (a[1] == 'j' ? MAX_JOBS : 86400))
                return usage_error("bad number '%s'", v);
            if (a[1] == 'j')
                c.jobs = (unsigned) x;
            else
                c.timeout_s = (unsigned) x;
        } else if (a[0] == '-') {
            return usage_error("unknown option '%s'", a);
        } else if (!name) {
            name = a;
        } else {
            return usage_error("one scenario at a time ('%s' given twice)", a);
        }
    }
    if (!name)
        return usage_error("%s", "which scenario? (the demo names: l4sim demo --list)");
    c.scenario = demo_find(name);
    if (!c.scenario)
        return usage_error("no scenario called '%s' (scenarios are the demos: l4sim demo --list)",
                           name);
    if (!seeds)
        return usage_error("%s", "--seeds is required (e.g. --seeds 1-1000)");
    if (parse_seeds(seeds, &c) != 0) {
        free(c.seeds);
        return usage_error("bad --seeds '%s' (A-B, N, or a comma-separated list of them)", seeds);
    }
    char err[1024];
    if (l4sim_faults_check(c.spec, err, sizeof(err)) != 0) {
        free(c.seeds);
        fprintf(stderr, "l4sim campaign: %s\n", err);
        return 2;
    }
    c.runs = calloc(c.nseeds, sizeof(*c.runs));
    if (out && strcmp(out, "-") != 0) {
        c.out = fopen(out, "w");
        if (!c.out) {
            perror(out);
            free(c.seeds);
            free(c.runs);
            return 2;
        }
    } else if (out) {
        c.out = stdout;
    }
    int rc = 1;
    if (c.runs) {
        for (size_t i = 0; i < c.nseeds; i++)
            c.runs[i].seed = c.seeds[i];
        rc = run_campaign(&c);
    }
    if (c.out && c.out != stdout)
        fclose(c.out);
    free(c.runs);
    free(c.seeds);
    return rc;
}

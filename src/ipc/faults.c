/*
 * Fault injection: the registry of named fault points, the spec parser, and
 * the trigger logic every injection site consults. All randomness comes
 * from the run's seed, one stream per rule and none shared with the
 * scheduler, so rules that never fire leave the run unchanged. Deciding
 * must never block, allocate or use stdio: the page-fault handler asks too.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4sim/faults.h>
#include <l4srv/ids.h>

#include "faults.h"
#include "memory.h"

#define MAX_RULES     32
#define MAX_WHO       4
#define MAX_SPEC_FILE (64 << 10)

static const struct {
    const char *name, *effect;
} points[FP_COUNT] = {
    [FP_IPC_SEND_DROP] = {"ipc/send/drop",
                          "the message vanishes: the sender sees success, the receiver gets "
                          "nothing"},
    [FP_IPC_SEND_DELAY] = {"ipc/send/delay",
                           "the sender waits arg= us (default 1000) before the send starts"},
    [FP_IPC_MR_CORRUPT] = {"ipc/mr/corrupt",
                           "arg= bits (default 1) of one untyped word flip on the way"},
    [FP_IPC_STRING_TRUNCATE] = {"ipc/string/truncate",
                                "a string arrives cut to arg= bytes (default half); no error"},
    [FP_PAGEFAULT_PAGER_REFUSE] = {"pagefault/pager/refuse",
                                   "the pager is not asked: the fault stays unresolved "
                                   "(exception, or a transfer error for a kernel copy)"},
    [FP_THREAD_CRASH] = {"thread/crash",
                         "the thread dies at this kernel entry; its partners get IPC errors"},
    [FP_SERVER_HANG] = {"server/hang", "the thread's next receive never returns"},
    [FP_MM_FRAMES_EXHAUST] = {"mm/frames/exhaust", "(server) the MM server finds no free frame"},
    [FP_MM_SWAP_IO_ERROR] = {"mm/swap/io-error", "(server) a swap read or write fails"},
    [FP_ELF_READ_IO_ERROR] = {"elf/read/io-error",
                              "(server) a read of an ELF image fails: New/Exec answer io"},
    [FP_TASK_CRASH] = {"task/crash", "(server) a task asking the task server is ended as crashed"},
};

/* A thread (number, version 0 for any), or a window when is_window. */
struct who {
    word_t no, version;
    bool is_window;
};

struct who_list {
    unsigned n;
    struct who v[MAX_WHO];
};

struct rule {
    enum fault_point point;
    unsigned spec_index; /* 1-based rule number in the spec, for messages */
    bool always;         /* no p=, or p=1 */
    bool boot;           /* live while the system boots too */
    uint64_t threshold;  /* fires when a random word is below it */
    uint64_t nth, after, max;
    word_t arg;
    struct who_list src, dst, space;
    bool has_label;
    word_t label, label_mask;
    /* Guarded by fault_lock while a run uses the plan: */
    uint64_t rng, hits, fired;
};

struct plan {
    unsigned n;
    struct rule rules[MAX_RULES];
};

bool faults_armed;
static struct klock fault_lock;
static struct plan plan; /* rules: set at boot; counters guarded by fault_lock */
static struct {
    uint64_t hits, fired; /* guarded by fault_lock */
} point_stats[FP_COUNT];

/* ------------------------------------------------------------ randomness */

/* splitmix64, as the scheduler uses, but over streams of its own. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void seed_rules(struct plan *pl, uint64_t seed)
{
    for (unsigned i = 0; i < pl->n; i++) {
        /* "faults" plus the rule's position: a stream per rule, so a rule
         * added later does not shift the draws of the others. */
        uint64_t s = seed ^ 0x6661756c74730000ull ^ ((uint64_t) (i + 1) << 8);
        pl->rules[i].rng = next_random(&s);
    }
}

/* -------------------------------------------------------------- parsing */

struct parser {
    char *err;
    size_t err_size;
    unsigned rule_no;
    const char *rule_text;
};

static int perr(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(struct parser *ps, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (ps->err && ps->err_size) {
        if (ps->rule_text)
            snprintf(ps->err, ps->err_size, "fault spec, rule %u ('%s'): %s", ps->rule_no,
                     ps->rule_text, what);
        else
            snprintf(ps->err, ps->err_size, "fault spec: %s", what);
    }
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char) *s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char) e[-1]))
        *--e = 0;
    return s;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!*s || *s == '-' || isspace((unsigned char) *s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* Symbolic thread names: the kernel's own, and the servers' of <l4srv/ids.h>. */
static const struct {
    const char *name;
    word_t offset_from_root; /* added to THREADNO_ROOT */
    bool below_root;         /* sigma0 comes before the root */
} names[] = {
    {"sigma0", THREADNO_ROOT - THREADNO_SIGMA0, true},
    {"root", 0, false},
    {"mm", L4SRV_MM, false},
    {"mm-io", L4SRV_MM_IO, false},
    {"swap", L4SRV_SWAP, false},
    {"task", L4SRV_TASK, false},
    {"naming", L4SRV_NAMING, false},
    {"log", L4SRV_LOG, false},
};

static int parse_who(struct parser *ps, const char *key, char *value, bool windows,
                     struct who_list *out)
{
    out->n = 0;
    for (char *save = NULL, *tok = strtok_r(value, "|", &save); tok;
         tok = strtok_r(NULL, "|", &save)) {
        if (out->n == MAX_WHO)
            return perr(ps, "%s= takes at most %d alternatives", key, MAX_WHO);
        struct who w = {0, 0, false};
        uint64_t v;
        char *dot = strchr(tok, '.');
        bool named = false;
        for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            if (!strcmp(tok, names[i].name)) {
                w.no = names[i].below_root ? THREADNO_ROOT - names[i].offset_from_root
                                           : THREADNO_ROOT + names[i].offset_from_root;
                named = true;
            }
        }
        if (named) {
        } else if (windows && tok[0] == 'w' && parse_u64(tok + 1, &v)) {
            w.no = v;
            w.is_window = true;
        } else if (dot) {
            *dot = 0;
            uint64_t ver;
            if (!parse_u64(tok, &v) || !parse_u64(dot + 1, &ver) || ver == 0)
                return perr(ps, "%s=: '%s.%s' is not a thread (NUMBER, NUMBER.VERSION or a name)",
                            key, tok, dot + 1);
            w.no = v;
            w.version = ver;
        } else if (parse_u64(tok, &v)) {
            w.no = v;
        } else {
            return perr(ps,
                        "%s=: '%s' is not a thread (NUMBER, NUMBER.VERSION, or one of sigma0, "
                        "root, mm, mm-io, swap, task, naming, log%s)",
                        key, tok, windows ? ", or wN for window N" : "");
        }
        out->v[out->n++] = w;
    }
    if (!out->n)
        return perr(ps, "%s= needs a value", key);
    return 0;
}

static int parse_param(struct parser *ps, struct rule *r, char *param)
{
    char *eq = strchr(param, '=');
    char *key = param, *value = NULL;
    if (eq) {
        *eq = 0;
        value = trim(eq + 1);
    }
    key = trim(key);
    if (!strcmp(key, "once") && !value) {
        r->max = 1;
        return 0;
    }
    if (!strcmp(key, "boot") && !value) {
        r->boot = true;
        return 0;
    }
    if (!value)
        return perr(ps, "'%s' needs a value (%s=...)", key, key);
    uint64_t v;
    if (!strcmp(key, "p")) {
        char *end;
        errno = 0;
        double p = strtod(value, &end);
        if (errno || *end || !*value || !(p >= 0.0 && p <= 1.0))
            return perr(ps, "p must be a probability between 0 and 1, not '%s'", value);
        r->always = p >= 1.0;
        /* 2^64 * p, computed so that the same p gives the same threshold everywhere. */
        r->threshold = r->always ? UINT64_MAX : (uint64_t) (p * 18446744073709551616.0);
        return 0;
    }
    if (!strcmp(key, "src"))
        return parse_who(ps, key, value, false, &r->src);
    if (!strcmp(key, "dst"))
        return parse_who(ps, key, value, false, &r->dst);
    if (!strcmp(key, "space"))
        return parse_who(ps, key, value, true, &r->space);
    if (!strcmp(key, "label")) {
        r->has_label = true;
        r->label_mask = ~0UL;
        if (!strcmp(value, "pagefault") || !strcmp(value, "exception") ||
            !strcmp(value, "sigma0")) {
            /* Kernel protocols: the low four label bits carry the access or a variant. */
            r->label = value[0] == 'p'   ? PAGEFAULT_LABEL
                       : value[0] == 'e' ? EXCEPTION_LABEL
                                         : SIGMA0_LABEL;
            r->label_mask = LABEL_MASK & ~0xfUL;
            return 0;
        }
        if (!parse_u64(value, &v) || v > LABEL_MASK)
            return perr(ps,
                        "label must be a number below 2^48 or pagefault|exception|sigma0, "
                        "not '%s'",
                        value);
        r->label = v;
        return 0;
    }
    uint64_t *slot = !strcmp(key, "nth")     ? &r->nth
                     : !strcmp(key, "after") ? &r->after
                     : !strcmp(key, "max")   ? &r->max
                                             : NULL;
    bool is_arg =
        !strcmp(key, "arg") || !strcmp(key, "us") || !strcmp(key, "bits") || !strcmp(key, "keep");
    if (!slot && !is_arg)
        return perr(ps,
                    "unknown key '%s' (keys: p, once, boot, nth, after, max, src, dst, space, "
                    "label, arg, us, bits, keep)",
                    key);
    if (!parse_u64(value, &v))
        return perr(ps, "%s must be a whole number, not '%s'", key, value);
    if (slot == &r->nth && v == 0)
        return perr(ps, "nth counts from 1");
    if (slot)
        *slot = v;
    else
        r->arg = v;
    return 0;
}

/* Every point the name selects: one exactly, or all under a prefix ending in '*'. */
static int select_points(const char *name, bool chosen[FP_COUNT])
{
    int count = 0;
    size_t len = strlen(name);
    bool prefix = len && name[len - 1] == '*';
    for (unsigned p = 0; p < FP_COUNT; p++) {
        chosen[p] =
            prefix ? !strncmp(points[p].name, name, len - 1) : !strcmp(points[p].name, name);
        count += chosen[p];
    }
    return count;
}

static int parse_rule(struct parser *ps, struct plan *pl, char *text)
{
    char *colon = strchr(text, ':');
    char *params = NULL;
    if (colon) {
        *colon = 0;
        params = colon + 1;
    }
    char *name = trim(text);
    struct rule r;
    memset(&r, 0, sizeof(r));
    r.always = true;
    r.threshold = UINT64_MAX;
    r.spec_index = ps->rule_no;
    if (params) {
        for (char *save = NULL, *tok = strtok_r(params, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save))
            if (parse_param(ps, &r, trim(tok)) != 0)
                return -1;
    }
    bool chosen[FP_COUNT];
    if (!*name)
        return perr(ps, "a rule starts with a fault point");
    if (!select_points(name, chosen)) {
        char known[512] = "";
        for (unsigned p = 0; p < FP_COUNT; p++) {
            strncat(known, p ? ", " : "", sizeof(known) - strlen(known) - 1);
            strncat(known, points[p].name, sizeof(known) - strlen(known) - 1);
        }
        return perr(ps, "unknown fault point '%s' (known: %s; a prefix may end in '*')", name,
                    known);
    }
    for (unsigned p = 0; p < FP_COUNT; p++) {
        if (!chosen[p])
            continue;
        if (pl->n == MAX_RULES)
            return perr(ps, "more than %d rules (after expanding '*')", MAX_RULES);
        r.point = (enum fault_point) p;
        pl->rules[pl->n++] = r;
    }
    return 0;
}

/* Read "@FILE": rules one per line (or ';'-separated), '#' starts a comment. */
static char *read_spec_file(struct parser *ps, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perr(ps, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(MAX_SPEC_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_SPEC_FILE + 1, f) : 0;
    fclose(f);
    if (!buf) {
        perr(ps, "out of memory");
        return NULL;
    }
    if (n > MAX_SPEC_FILE) {
        free(buf);
        perr(ps, "'%s' is larger than %d bytes", path, MAX_SPEC_FILE);
        return NULL;
    }
    buf[n] = 0;
    for (char *c = buf; *c; c++) {
        if (*c == '#')
            while (*c && *c != '\n')
                *c++ = ' ';
        if (*c == '\n')
            *c = ';';
    }
    return buf;
}

static char *read_spec_at(struct parser *ps, const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    return read_spec_file(ps, trim(buf));
}

static int parse_spec(const char *spec, struct plan *pl, char *err, size_t err_size)
{
    struct parser ps = {err, err_size, 0, NULL};
    memset(pl, 0, sizeof(*pl));
    if (err && err_size)
        err[0] = 0;
    if (!spec)
        return 0;
    const char *s = spec;
    while (isspace((unsigned char) *s))
        s++;
    char *text = *s == '@' ? read_spec_at(&ps, s + 1) : strdup(s);
    if (!text)
        return err && err[0] ? -1 : perr(&ps, "out of memory");
    int rc = 0;
    char copy[256];
    for (char *save = NULL, *tok = strtok_r(text, ";", &save); tok && rc == 0;
         tok = strtok_r(NULL, ";", &save)) {
        char *t = trim(tok);
        if (!*t)
            continue;
        ps.rule_no++;
        snprintf(copy, sizeof(copy), "%s", t);
        ps.rule_text = copy;
        rc = parse_rule(&ps, pl, t);
    }
    free(text);
    return rc;
}

/* ------------------------------------------------------------- matching */

static bool thread_matches(const struct who *w, word_t id)
{
    return id != ID_NIL && id_is_global(id) && id_threadno(id) == w->no &&
           (w->version == 0 || id_version(id) == w->version);
}

static bool any_thread_matches(const struct who_list *l, word_t id)
{
    for (unsigned i = 0; i < l->n; i++)
        if (thread_matches(&l->v[i], id))
            return true;
    return false;
}

static bool space_matches(const struct who_list *l, const struct space *s)
{
    for (unsigned i = 0; i < l->n; i++) {
        const struct who *w = &l->v[i];
        if (w->is_window) {
            if (s->win_index == w->no)
                return true;
            continue;
        }
        struct tcb *t = tcb_by_threadno(w->no);
        if (t && atomic_load_explicit(&t->life, memory_order_acquire) != LIFE_FREE && t->space == s)
            return true;
    }
    return false;
}

static bool rule_matches(const struct rule *r, const struct fault_site *site)
{
    word_t self_id = site->self ? site->self->id : ID_NIL;
    if (r->point == FP_THREAD_CRASH) {
        /* sigma0 is the kernel's; the root drives the run, so it crashes
         * only when a rule names it. */
        if (id_threadno(self_id) == THREADNO_SIGMA0)
            return false;
        if (id_threadno(self_id) == THREADNO_ROOT && !r->src.n)
            return false;
    }
    if (r->src.n && !any_thread_matches(&r->src, self_id))
        return false;
    if (r->dst.n && !any_thread_matches(&r->dst, site->partner))
        return false;
    if (r->space.n &&
        (!site->self || !site->self->space || !space_matches(&r->space, site->self->space)))
        return false;
    if (r->has_label && (!site->has_label || (site->label & r->label_mask) != r->label))
        return false;
    return true;
}

/* While a standard system boots (cfg.boot_phase, until l4sim_system_up),
 * only rules marked boot are live: a fault during boot fails the boot,
 * which says nothing about how the servers cope. */
static bool booting;

KERNEL_API void l4sim_system_up(void)
{
    __atomic_store_n(&booting, false, __ATOMIC_RELAXED);
}

/* One rule's verdict on a hit it matched. fault_lock held. */
static bool rule_fires(struct rule *r)
{
    if (!r->boot && __atomic_load_n(&booting, __ATOMIC_RELAXED))
        return false;
    if (r->after && trace_count() < r->after)
        return false;
    r->hits++;
    if (r->nth && r->hits != r->nth)
        return false;
    if (r->max && r->fired >= r->max)
        return false;
    if (!r->always && next_random(&r->rng) >= r->threshold)
        return false;
    r->fired++;
    return true;
}

void fault_trace(enum fault_point p, const struct fault_site *site, const char *detail)
{
    trace_fault(points[p].name, site->self ? site->self->id : ID_NIL, site->partner, site->label,
                site->has_label, detail);
}

bool fault_fires(enum fault_point p, const struct fault_site *site, const char *detail,
                 struct fault_shot *shot)
{
    bool fired = false;
    klock_acquire(&fault_lock);
    point_stats[p].hits++;
    for (unsigned i = 0; i < plan.n && !fired; i++) {
        struct rule *r = &plan.rules[i];
        if (r->point != p || !rule_matches(r, site) || !rule_fires(r))
            continue;
        fired = true;
        point_stats[p].fired++;
        if (shot) {
            shot->arg = r->arg;
            shot->random = next_random(&r->rng);
        }
    }
    klock_release(&fault_lock);
    if (fired && detail != FAULT_TRACE_LATER)
        fault_trace(p, site, detail);
    return fired;
}

static void append(char *buf, size_t size, size_t *len, const char *s)
{
    while (*s && *len + 1 < size)
        buf[(*len)++] = *s++;
    buf[*len] = 0;
}

static void append_num(char *buf, size_t size, size_t *len, uint64_t v, unsigned base)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n && *len + 1 < size)
        buf[(*len)++] = tmp[--n];
    buf[*len] = 0;
}

void fault_detail(char *buf, size_t size, const char *k1, uint64_t v1, const char *k2, uint64_t v2,
                  bool hex2)
{
    size_t len = 0;
    buf[0] = 0;
    append(buf, size, &len, k1);
    append(buf, size, &len, "=");
    append_num(buf, size, &len, v1, 10);
    append(buf, size, &len, " ");
    append(buf, size, &len, k2);
    append(buf, size, &len, hex2 ? "=0x" : "=");
    append_num(buf, size, &len, v2, hex2 ? 16 : 10);
}

/* --------------------------------------------------------- boot and stats */

int faults_boot(const struct l4sim_config *cfg)
{
    char err[1024];
    faults_armed = false;
    booting = cfg->boot_phase != 0;
    memset(point_stats, 0, sizeof(point_stats));
    if (parse_spec(cfg->faults, &plan, err, sizeof(err)) != 0) {
        fprintf(stderr, "l4sim: %s\n", err);
        memset(&plan, 0, sizeof(plan));
        return -1;
    }
    seed_rules(&plan, cfg->seed);
    faults_armed = plan.n > 0;
    return 0;
}

void faults_shutdown(void)
{
    faults_armed = false;
}

uint64_t faults_fired_total(void)
{
    uint64_t n = 0;
    klock_acquire(&fault_lock);
    for (unsigned p = 0; p < FP_COUNT; p++)
        n += point_stats[p].fired;
    klock_release(&fault_lock);
    return n;
}

KERNEL_API unsigned l4sim_fault_point_count(void)
{
    return FP_COUNT;
}

KERNEL_API int l4sim_fault_point_get(unsigned i, struct l4sim_fault_point *out)
{
    if (i >= FP_COUNT || !out)
        return -1;
    out->name = points[i].name;
    out->effect = points[i].effect;
    out->server_level = i >= FP_FIRST_SERVER_POINT;
    klock_acquire(&fault_lock);
    out->hits = point_stats[i].hits;
    out->fired = point_stats[i].fired;
    klock_release(&fault_lock);
    return 0;
}

KERNEL_API int l4sim_faults_check(const char *spec, char *err, size_t err_size)
{
    struct plan *pl = malloc(sizeof(*pl));
    if (!pl) {
        if (err && err_size)
            snprintf(err, err_size, "fault spec: out of memory");
        return -1;
    }
    int rc = parse_spec(spec, pl, err, err_size);
    free(pl);
    return rc;
}

/* in: the point, the partner. Not a kernel entry, so no scheduling point. */
static word_t fault_query_part(struct sysargs *a)
{
    struct fault_site site = {current_tcb, a->in[1], 0, false};
    return fault_fires((enum fault_point) a->in[0], &site, NULL, NULL);
}

/*
 * Servers ask for their points here. The name is looked up as user code;
 * the point is decided off the caller's stack (kernel_call), as it takes
 * the fault lock, which the page-fault path needs too.
 */
KERNEL_API int l4sim_sys_fault_query(const char *point, unsigned long partner)
{
    if (!faults_armed || !current_tcb || !point)
        return 0;
    for (unsigned p = FP_FIRST_SERVER_POINT; p < FP_COUNT; p++) {
        if (strcmp(points[p].name, point) != 0)
            continue;
        struct sysargs *a = &sysargs;
        a->in[0] = p;
        a->in[1] = partner;
        return (int) kernel_call(fault_query_part, a);
    }
    return 0;
}

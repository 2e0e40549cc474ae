/*
 * The mapping database as a Graphviz picture (l4sim_maps_dot): who got
 * each frame from whom. Small trees are drawn page by page; large ones
 * (a whole RAM handed to the MM server) as one edge per pair of spaces
 * with the page count and the first runs of addresses, or nobody could
 * read them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"
#include "memstate.h"

/* Above this many mappings outside sigma0, pages are summed per pair of spaces. */
#define PAGE_LEVEL_MAX 48
#define RUNS_SHOWN     3
#define SHARERS_MAX    32 /* mappings of one frame looked at for sharing */

struct edge {
    const struct space *from, *to;
    bool shared; /* not a mapping: frames both spaces hold, neither from the other */
    word_t pages;
    unsigned rights; /* union over the pages */
    word_t run_start[RUNS_SHOWN], run_pages[RUNS_SHOWN];
    unsigned runs; /* runs seen; only RUNS_SHOWN are kept */
};

struct dot {
    int fd;
    l4sim_thread_namer namer;
    void *ctx;
    unsigned next_id;   /* page-level node numbers, in walk order */
    struct edge *edges; /* space-level */
    unsigned edge_count, edge_cap;
    bool out_of_memory;
    bool write_failed;
};

/* Every line goes through here, so a full disk or closed fd is reported. */
__attribute__((format(printf, 2, 3))) static void out(struct dot *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vdprintf(d->fd, fmt, ap) < 0)
        d->write_failed = true;
    va_end(ap);
}

static void rights_text(unsigned r, char out[4])
{
    out[0] = r & RIGHT_R ? 'r' : '-';
    out[1] = r & RIGHT_W ? 'w' : '-';
    out[2] = r & RIGHT_X ? 'x' : '-';
    out[3] = 0;
}

/* A space's window offset, as the trace prints addresses. */
static word_t offset_in(const struct space *s, word_t vaddr)
{
    return vaddr - s->win_base;
}

static word_t count_nodes(const struct mapping *m)
{
    word_t n = 0;
    for (const struct mapping *c = m->first_child; c; c = c->next_sibling)
        n += 1 + count_nodes(c);
    return n;
}

/* "w3: 40.1 (mm), 41.1": the window and the threads living in it. */
static void space_label(const struct dot *d, const struct space *s, char *buf, size_t cap)
{
    if (!s || s->is_sigma0) {
        snprintf(buf, cap, "sigma0: physical memory");
        return;
    }
    size_t used = (size_t) snprintf(buf, cap, "space w%u:", s->win_index);
    unsigned shown = 0;
    for (word_t no = 0; no < kernel.tcb_count && used < cap; no++) {
        const struct tcb *t = &kernel.tcbs[no];
        if (atomic_load(&t->life) == LIFE_FREE || t->space != s)
            continue;
        if (shown++ == 4) {
            used += (size_t) snprintf(buf + used, cap - used, ", ...");
            break;
        }
        L4_ThreadId_t tid = {.raw = t->id};
        const char *name = d->namer ? d->namer(tid, d->ctx) : NULL;
        const char *sep = shown > 1 ? "," : "";
        if (name)
            used += (size_t) snprintf(buf + used, cap - used, "%s %lu.%lu %s", sep,
                                      (unsigned long) id_threadno(t->id),
                                      (unsigned long) id_version(t->id), name);
        else
            used += (size_t) snprintf(buf + used, cap - used, "%s %lu.%lu", sep,
                                      (unsigned long) id_threadno(t->id),
                                      (unsigned long) id_version(t->id));
    }
}

/* ------------------------------------------------------------ page level */

static unsigned page_node(struct dot *d, const struct mapping *m)
{
    unsigned id = d->next_id++;
    char r[4];
    rights_text(m->rights, r);
    out(d, "    p%u [label=\"w%u+0x%lx\\n%s\"];\n", id, m->space->win_index,
        (unsigned long) offset_in(m->space, m->vaddr), r);
    return id;
}

/* Children of node `parent_id`, each in its space's cluster (Graphviz
 * merges clusters of the same name, so each node opens its own). */
static void page_children(struct dot *d, const struct mapping *m, const char *parent)
{
    for (const struct mapping *c = m->first_child; c; c = c->next_sibling) {
        char label[160];
        space_label(d, c->space, label, sizeof(label));
        out(d, "  subgraph cluster_w%u {\n    label=\"%s\";\n", c->space->win_index, label);
        unsigned id = page_node(d, c);
        out(d, "  }\n  %s -> p%u;\n", parent, id);
        char name[16];
        snprintf(name, sizeof(name), "p%u", id);
        page_children(d, c, name);
    }
}

static void page_level(struct dot *d)
{
    for (word_t f = 0; f < mem.frames; f++) {
        const struct mapping *root = &mem.roots[f];
        if (!root->first_child)
            continue;
        out(d, "  f%lu [shape=ellipse, label=\"frame 0x%lx\"];\n", (unsigned long) f,
            (unsigned long) (f * PAGE_SIZE));
        char name[24];
        snprintf(name, sizeof(name), "f%lu", (unsigned long) f);
        page_children(d, root, name);
    }
}

/* ----------------------------------------------------------- space level */

static struct edge *edge_for(struct dot *d, const struct space *from, const struct space *to,
                             bool shared)
{
    for (unsigned i = 0; i < d->edge_count; i++)
        if (d->edges[i].from == from && d->edges[i].to == to && d->edges[i].shared == shared)
            return &d->edges[i];
    if (d->edge_count == d->edge_cap) {
        unsigned cap = d->edge_cap ? 2 * d->edge_cap : 16;
        struct edge *e = realloc(d->edges, cap * sizeof(*e));
        if (!e) {
            d->out_of_memory = true;
            return NULL;
        }
        d->edges = e;
        d->edge_cap = cap;
    }
    struct edge *e = &d->edges[d->edge_count++];
    *e = (struct edge){.from = from, .to = to, .shared = shared};
    return e;
}

static void edge_add_page(struct edge *e, const struct mapping *m)
{
    e->pages++;
    e->rights |= m->rights;
    unsigned last = e->runs < RUNS_SHOWN ? e->runs : RUNS_SHOWN;
    if (last && e->runs <= RUNS_SHOWN &&
        e->run_start[last - 1] + e->run_pages[last - 1] * PAGE_SIZE == m->vaddr) {
        e->run_pages[last - 1]++;
        return;
    }
    if (e->runs < RUNS_SHOWN) {
        e->run_start[e->runs] = m->vaddr;
        e->run_pages[e->runs] = 1;
    }
    e->runs++;
}

static void collect_edges(struct dot *d, const struct mapping *m)
{
    for (const struct mapping *c = m->first_child; c && !d->out_of_memory; c = c->next_sibling) {
        struct edge *e = edge_for(d, m->space, c->space, false);
        if (e)
            edge_add_page(e, c);
        collect_edges(d, c);
    }
}

static bool ancestor_of(const struct mapping *a, const struct mapping *b)
{
    for (const struct mapping *p = b->parent; p; p = p->parent)
        if (p == a)
            return true;
    return false;
}

static void gather(const struct mapping *m, const struct mapping **out, unsigned *n)
{
    for (const struct mapping *c = m->first_child; c && *n < SHARERS_MAX; c = c->next_sibling) {
        out[(*n)++] = c;
        gather(c, out, n);
    }
}

/*
 * Copy-on-write and shared memory: one frame in two spaces where neither
 * mapping derives from the other (siblings, cousins). The spaces that
 * handed it down (the MM server's) hold every frame and are not counted.
 */
static void collect_sharing(struct dot *d, const struct mapping *root)
{
    const struct mapping *nodes[SHARERS_MAX];
    unsigned n = 0;
    gather(root, nodes, &n);
    for (unsigned i = 0; i < n && !d->out_of_memory; i++)
        for (unsigned j = i + 1; j < n; j++) {
            const struct mapping *a = nodes[i], *b = nodes[j];
            if (a->space == b->space || ancestor_of(a, b) || ancestor_of(b, a))
                continue;
            if (a->space > b->space) {
                const struct mapping *t = a;
                a = b;
                b = t;
            }
            struct edge *e = edge_for(d, a->space, b->space, true);
            if (e)
                e->pages++;
        }
}

/* Sigma0's frames have no space in the database: NULL stands for it. */
static void space_node_name(const struct space *s, char out[16])
{
    if (s)
        snprintf(out, 16, "s%u", (unsigned) (s - kernel.spaces));
    else
        snprintf(out, 16, "sigma0");
}

static void space_level(struct dot *d)
{
    for (word_t f = 0; f < mem.frames && !d->out_of_memory; f++) {
        collect_edges(d, &mem.roots[f]);
        collect_sharing(d, &mem.roots[f]);
    }
    for (unsigned k = 0; k < d->edge_count; k++)
        if (!d->edges[k].from) {
            out(d, "  sigma0 [shape=ellipse, label=\"sigma0: physical memory\"];\n");
            break;
        }
    for (unsigned i = 0; i < kernel.space_count; i++) {
        const struct space *s = &kernel.spaces[i];
        bool used = false;
        for (unsigned k = 0; k < d->edge_count && !used; k++)
            used = d->edges[k].from == s || d->edges[k].to == s;
        if (!used)
            continue;
        char label[160];
        space_label(d, s, label, sizeof(label));
        out(d, "  s%u [label=\"%s\"];\n", i, label);
    }
    for (unsigned k = 0; k < d->edge_count; k++) {
        const struct edge *e = &d->edges[k];
        char r[4], from[16], to[16];
        rights_text(e->rights, r);
        space_node_name(e->from, from);
        space_node_name(e->to, to);
        if (e->shared) {
            out(d, "  %s -> %s [dir=none, style=dashed, label=\"%lu frame%s shared\"];\n", from, to,
                (unsigned long) e->pages, e->pages == 1 ? "" : "s");
            continue;
        }
        out(d, "  %s -> %s [label=\"%lu page%s, %s", from, to, (unsigned long) e->pages,
            e->pages == 1 ? "" : "s", r);
        unsigned shown = e->runs < RUNS_SHOWN ? e->runs : RUNS_SHOWN;
        for (unsigned i = 0; i < shown; i++)
            out(d, "\\nw%u+0x%lx x%lu", e->to->win_index,
                (unsigned long) offset_in(e->to, e->run_start[i]), (unsigned long) e->run_pages[i]);
        if (e->runs > shown)
            out(d, "\\n(%u runs in all)", e->runs);
        out(d, "\"];\n");
    }
}

KERNEL_API int l4sim_maps_dot(int fd, l4sim_thread_namer namer, void *ctx)
{
    if (!kernel.booted || fd < 0)
        return -1;
    struct dot d = {.fd = fd, .namer = namer, .ctx = ctx};
    klock_acquire(&kernel.control_lock);
    klock_acquire(&mem.lock);
    word_t nodes = 0;
    for (word_t f = 0; f < mem.frames && nodes <= PAGE_LEVEL_MAX; f++)
        nodes += count_nodes(&mem.roots[f]);
    out(&d, "// l4sim mapping database: who got each frame from whom\n"
            "digraph l4sim_maps {\n  rankdir=LR;\n"
            "  node [shape=box, fontname=\"monospace\", fontsize=10];\n"
            "  edge [fontname=\"monospace\", fontsize=9];\n");
    if (nodes <= PAGE_LEVEL_MAX)
        page_level(&d);
    else
        space_level(&d);
    out(&d, "}\n");
    klock_release(&mem.lock);
    klock_release(&kernel.control_lock);
    free(d.edges);
    return d.out_of_memory || d.write_failed ? -1 : 0;
}

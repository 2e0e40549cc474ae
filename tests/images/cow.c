/*
 * Image for the fork demo: `cow N K M [report]` writes N pages, forks; the
 * child then writes the first K pages and the parent the next M, and each
 * checks that every page holds its own side's value. With "report" it
 * stops at each stage for the demo (checkpoint.h). Exits 0 if both sides
 * saw exactly their own values: 1 bad arguments or the fork failed, 2 the
 * child saw a wrong value, 3 the parent did, 4 waiting for the child failed.
 */
#include <l4rt/l4rt.h>
#include <l4srv/task.h>

#include "checkpoint.h"

#define PAGE      4096
#define MAX_PAGES 32

/* The stages, in the order they come (the parent's and the child's interleave). */
enum cow_stage {
    COW_SET_UP = 1,     /* parent: a = N pages written */
    COW_FORKED,         /* parent: a = the child task */
    COW_CHILD_READY,    /* child: started */
    COW_CHILD_WROTE,    /* child: a = K pages written */
    COW_PARENT_WROTE,   /* parent: a = M pages written */
    COW_CHILD_CHECKED,  /* child: a = pages right, b = pages wrong */
    COW_PARENT_CHECKED, /* parent: a = pages right, b = pages wrong */
};

/* Page-aligned, so that each page holds nothing but its own value. */
static volatile L4_Word_t pages[MAX_PAGES][PAGE / sizeof(L4_Word_t)] __attribute__((aligned(PAGE)));

static int n_pages, child_writes, parent_writes;

static L4_Word_t original(int i)
{
    return 0x1000 + (L4_Word_t) i;
}

static L4_Word_t childs(int i)
{
    return 0xc000 + (L4_Word_t) i;
}

static L4_Word_t parents(int i)
{
    return 0xa000 + (L4_Word_t) i;
}

/* Pages [from, to) get value(i) in their first and last word. */
static void write_pages(int from, int to, L4_Word_t (*value)(int))
{
    for (int i = from; i < to; i++) {
        pages[i][0] = value(i);
        pages[i][PAGE / sizeof(L4_Word_t) - 1] = value(i);
    }
}

/* How many pages hold what this side expects; the rest are wrong. */
static int count_right(int mine_from, int mine_to, L4_Word_t (*mine)(int))
{
    int right = 0;
    for (int i = 0; i < n_pages; i++) {
        L4_Word_t want = i >= mine_from && i < mine_to ? mine(i) : original(i);
        right += pages[i][0] == want && pages[i][PAGE / sizeof(L4_Word_t) - 1] == want;
    }
    return right;
}

static int child(L4_Word_t arg)
{
    (void) arg;
    checkpoint(COW_CHILD_READY, 0, 0);
    write_pages(0, child_writes, childs);
    checkpoint(COW_CHILD_WROTE, (L4_Word_t) child_writes, 0);
    int right = count_right(0, child_writes, childs);
    printf("cow: child sees its own value in pages 0-%d and the original in the other %d: %s\n",
           child_writes - 1, n_pages - child_writes, right == n_pages ? "right" : "WRONG");
    checkpoint(COW_CHILD_CHECKED, (L4_Word_t) right, (L4_Word_t) (n_pages - right));
    return right == n_pages ? 0 : 2;
}

int main(int argc, char **argv)
{
    checkpoints_from_args(argc, argv);
    n_pages = argc > 1 ? atoi(argv[1]) : 8;
    child_writes = argc > 2 ? atoi(argv[2]) : 3;
    parent_writes = argc > 3 ? atoi(argv[3]) : 2;
    if (n_pages < 1 || n_pages > MAX_PAGES || child_writes < 1 || parent_writes < 1 ||
        child_writes + parent_writes > n_pages) {
        printf("cow: want 1 <= K, 1 <= M, K + M <= N <= %d (got N=%d K=%d M=%d)\n", MAX_PAGES,
               n_pages, child_writes, parent_writes);
        return 1;
    }
    write_pages(0, n_pages, original);
    printf("cow: parent wrote %d pages, forking\n", n_pages);
    checkpoint(COW_SET_UP, (L4_Word_t) n_pages, 0);

    L4_ThreadId_t c;
    int err = l4rt_fork(child, 0, &c);
    if (err) {
        printf("cow: l4rt_fork failed: %d\n", err);
        return 1;
    }
    checkpoint(COW_FORKED, c.raw, 0);
    int from = child_writes, to = child_writes + parent_writes;
    write_pages(from, to, parents);
    checkpoint(COW_PARENT_WROTE, (L4_Word_t) parent_writes, 0);
    int right = count_right(from, to, parents);
    printf("cow: parent sees its own value in pages %d-%d and the original in the other %d: %s\n",
           from, to - 1, n_pages - parent_writes, right == n_pages ? "right" : "WRONG");
    checkpoint(COW_PARENT_CHECKED, (L4_Word_t) right, (L4_Word_t) (n_pages - right));

    L4_Word_t status = 0;
    long state = l4rt_wait(c, &status);
    if (state != TASK_EXITED)
        return 4;
    if (status != 0)
        return 2;
    return right == n_pages ? 0 : 3;
}

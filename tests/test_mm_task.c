/*
 * What the task server needs of the MM server (issue 6): regions at fixed
 * places and with any rights, filled regions whose pages a region mapper
 * supplies, copy-on-write copies of whole spaces for fork, and threads
 * without stacks. Every test ends with the server's tables audited.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <l4srv/mm.h>
#include <l4srv/swap.h>
#include <l4srv/system.h>

#include "harness.h"
#include "mm_util.h"

#define PAGE 4096UL

/* mov eax, 42; ret: what a page of code holds in these tests. */
#define CODE_WORD  0xc30000002ab8UL
#define CODE_BYTES 6

static const unsigned char code[CODE_BYTES] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};

/* A page of pattern(offset + i * 8, seed): what A_CHECK expects at window offset offset. */
static _Alignas(4096) L4_Word_t page_buf[PAGE / sizeof(L4_Word_t)];

static const void *pattern_page(L4_Word_t offset, L4_Word_t seed)
{
    for (L4_Word_t i = 0; i < PAGE / sizeof(L4_Word_t); i++)
        page_buf[i] = pattern(offset + i * sizeof(L4_Word_t), seed);
    return page_buf;
}

static struct mm_space_stats space_stats(L4_ThreadId_t t)
{
    struct mm_space_stats ss;
    memset(&ss, 0, sizeof(ss));
    H_EQ(mm_space_stats(t, &ss), L4SRV_OK);
    return ss;
}

/* Frames are counted once however many spaces hold them: with two holders each, used = sum -
 * shared. */
static void check_counted_once(const L4_ThreadId_t *t, unsigned n)
{
    settle(t, n);
    uint64_t resident = 0;
    for (unsigned i = 0; i < n; i++)
        resident += space_stats(t[i]).resident;
    struct mm_stats st = stats();
    H_EQ(st.frames_used, resident - st.frames_shared);
}

/* ------------------------------------------------------------ malloc_at */

static int body_malloc_at(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[2] = {h_task(0, agent, NULL), h_task(1, agent, NULL)};
    L4_Word_t size, base = h_window(t[0], &size), at = base + 0x400000, got = 0, r[4];
    H_EQ(ask_mm(t[0], A_MALLOC_AT, 3 * PAGE, at, L4_ReadWriteOnly, 0, &got), L4SRV_OK);
    H_EQ(got, at);
    ask(t[0], A_ZERO, at, 3 * PAGE, 0, 0, r);
    H_EQ(r[0], 0);
    ask(t[0], A_WRITE, at + PAGE, 99, 0, 0, NULL);
    ask(t[0], A_READ, at + PAGE, 0, 0, 0, r);
    H_EQ(r[0], 99);
    /* Taken places, bad places, bad arguments. */
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, at + 2 * PAGE, 6, 0, NULL), L4SRV_ERR_EXISTS);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, 2 * PAGE, at - PAGE, 6, 0, NULL), L4SRV_ERR_EXISTS);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, main_stack(t[0]), 6, 0, NULL), L4SRV_ERR_EXISTS);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, at + 0x100008, 6, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, base - 0x100000, 6, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, base + size, 6, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, 2 * PAGE, base + size - PAGE, 6, 0, NULL),
         L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, h_window(t[1], NULL) + 0x400000, 6, 0, NULL),
         L4SRV_ERR_INVALID_ARG); /* another space's window */
    H_EQ(ask_mm(t[0], A_MALLOC_AT, 0, 0, 6, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, 0, 0, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, 0, 8, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, 0, 6, 2, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, 1UL << 40, 0, 6, 0, NULL), L4SRV_ERR_NO_MEM);
    /* Location 0 is anywhere, as malloc. */
    L4_Word_t any = 0;
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, 0, L4_Readable, 0, &any), L4SRV_OK);
    H_CHECK(any >= base && any < base + size && any != at);
    /* Executable memory: code written into it runs. */
    L4_Word_t x = 0;
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, 0, L4_FullyAccessible, 0, &x), L4SRV_OK);
    ask(t[0], A_WRITE, x, CODE_WORD, 0, 0, NULL);
    ask(t[0], A_EXEC, x, 0, 0, 0, r);
    H_EQ(r[0], 42);
    /* Freed like any malloc, and the place can be taken again. */
    H_EQ(ask_mm(t[0], A_FREE, 3 * PAGE, at, 0, 0, NULL), L4SRV_OK);
    H_EQ(ask_mm(t[0], A_MALLOC_AT, PAGE, at + PAGE, 6, 0, &got), L4SRV_OK);
    check_accounting();
    /* Read-only stays read-only. */
    expect_refused(t[0], A_WRITE, any, 1);
    end_tasks(t, 2);
    return 0;
}

static void malloc_at_places_regions_exactly_with_any_rights_and_refuses_bad_places(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_malloc_at, NULL), 0);
}

/* ------------------------------------------------------- filled regions */

static int body_filled(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[2] = {h_task(0, agent, NULL), h_task(1, agent, NULL)};
    L4_Word_t f = 0, r[4];
    H_EQ(ask_mm(t[0], A_MALLOC_AT, 4 * PAGE, 0, L4_FullyAccessible, MM_ALLOC_FILLED, &f), L4SRV_OK);
    /* Before a fill: non_existent, and no mapping. */
    ask(t[0], A_PF_IPC, f, L4_Readable, 0, 0, r);
    H_EQ(r[0], L4SRV_ERR_NON_EXISTENT);
    H_EQ(r[1], 0);
    ask(t[0], A_PF_IPC, f + PAGE, L4_Writable, 0, 0, r);
    H_EQ(r[0], L4SRV_ERR_NON_EXISTENT);
    settle(t, 2);
    uint64_t used = stats().frames_used;
    /* A page of code, read and execute only; the reply maps it, so running it faults no more. */
    L4_Word_t before[4], after[4];
    ask(t[0], A_STATS, 0, 0, 0, 0, before);
    H_EQ(ask_mm(t[0], A_PAGE_FILL, f, L4_ReadeXecOnly, (L4_Word_t) code, CODE_BYTES, NULL),
         L4SRV_OK);
    ask(t[0], A_EXEC, f, 0, 0, 0, r);
    H_EQ(r[0], 42);
    ask(t[0], A_STATS, 0, 0, 0, 0, after);
    H_EQ(after[3], before[3]);
    H_CHECK(stats().frames_used > used); /* a frame for the page (and maybe stack pages) */
    check_counted_once(t, 2);
    /* A page of data, and a short one: the rest of a page is zero. */
    L4_Word_t base = h_window(t[0], NULL);
    const void *data = pattern_page(f + PAGE - base, 3);
    H_EQ(ask_mm(t[0], A_PAGE_FILL, f + PAGE, L4_ReadWriteOnly, (L4_Word_t) data, PAGE, NULL),
         L4SRV_OK);
    ask(t[0], A_CHECK, f + PAGE, PAGE, 3, base, r);
    H_EQ(r[0], 0);
    H_EQ(ask_mm(t[0], A_PAGE_FILL, f + 2 * PAGE, L4_Readable, (L4_Word_t) data, 96, NULL),
         L4SRV_OK);
    ask(t[0], A_CHECK, f + 2 * PAGE, 96, 3, base + PAGE, r);
    H_EQ(r[0], 0);
    ask(t[0], A_ZERO, f + 2 * PAGE + 96, PAGE - 96, 0, 0, r);
    H_EQ(r[0], 0);
    /* Faults on filled pages map them with their own rights, never more. */
    ask(t[0], A_PF_IPC, f, L4_Readable, 0, 0, r);
    H_EQ(r[0], 0);
    H_EQ(r[1], 2);
    H_EQ(L4_Rights((L4_Fpage_t){.raw = r[3]}), L4_ReadeXecOnly);
    ask(t[0], A_PF_IPC, f + PAGE, L4_Writable, 0, 0, r);
    H_EQ(r[1], 2);
    H_EQ(L4_Rights((L4_Fpage_t){.raw = r[3]}), L4_ReadWriteOnly);
    uint64_t refused = stats().refused;
    ask(t[0], A_PF_IPC, f, L4_Writable, 0, 0, r); /* refused: an empty reply */
    H_EQ(r[0], 0);
    H_EQ(r[1], 0);
    H_EQ(r[2], 0);
    H_EQ(stats().refused, refused + 1);
    /* Once per page. */
    H_EQ(ask_mm(t[0], A_PAGE_FILL, f, L4_ReadeXecOnly, (L4_Word_t) code, CODE_BYTES, NULL),
         L4SRV_ERR_EXISTS);
    H_EQ(space_stats(t[0]).resident, after[1] + 2);
    /* Pinning or sharing a page nobody filled finds nothing there. */
    H_EQ(ask_mm(t[0], A_MAP, L4_Fpage(f + 3 * PAGE, PAGE).raw, 0x200000, L4_Readable, t[1].raw,
                NULL),
         L4SRV_ERR_NON_EXISTENT);
    /* A thread that touches a page nobody filled takes an exception (no region mapper here). */
    L4_Word_t g = 0;
    H_EQ(ask_mm(t[1], A_MALLOC_AT, PAGE, 0, L4_ReadWriteOnly, MM_ALLOC_FILLED, &g), L4SRV_OK);
    expect_refused(t[1], A_READ, g, 0);
    /* Writing code is refused. */
    expect_refused(t[0], A_WRITE, f, 1);
    end_tasks(t, 2);
    return 0;
}

static void a_filled_region_answers_non_existent_until_a_fill_maps_its_contents(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_filled, NULL), 0);
}

/* A request to the MM server from the root: label, words, maybe a string; the reply's label. */
static L4_Word_t raw_call(L4_Word_t label, unsigned u, const L4_Word_t *w, const void *str,
                          L4_Word_t len)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    for (unsigned i = 0; i < u; i++)
        L4_MsgAppendWord(&msg, w[i]);
    if (str)
        L4_MsgAppendSimpleStringItem(&msg, L4_StringItem((int) len, (void *) str));
    L4_Set_MsgLabel(&msg, label);
    L4_MsgLoad(&msg);
    L4_MsgTag_t tag = L4_Call(mm_server());
    return L4_IpcFailed(tag) ? ~0UL : L4_Label(tag);
}

static int body_fill_bad(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_task(0, agent, NULL);
    L4_Word_t f = 0, plain = agent_malloc(t, PAGE), r[4], d = (L4_Word_t) code;
    H_EQ(ask_mm(t, A_MALLOC_AT, 4 * PAGE, 0, L4_ReadWriteOnly, MM_ALLOC_FILLED, &f), L4SRV_OK);
    settle(&t, 1);
    struct mm_stats before = stats();
    H_EQ(ask_mm(t, A_PAGE_FILL, plain, 6, d, 6, NULL), L4SRV_ERR_INVALID_ARG); /* not filled */
    H_EQ(ask_mm(t, A_PAGE_FILL, f + 8, 6, d, 6, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t, A_PAGE_FILL, f + 4 * PAGE, 6, d, 6, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t, A_PAGE_FILL, f, 0, d, 6, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t, A_PAGE_FILL, f, L4_FullyAccessible, d, 6, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t, A_PAGE_FILL, f, 6, d, PAGE + 1, NULL), L4SRV_ERR_INVALID_ARG);
    /* Malformed: no string, too few words, a string bigger than the server's buffer. */
    ask(t, A_RAW_FILL, f, 6, RAW_NO_STRING, 0, r);
    H_EQ(r[0], L4SRV_ERR_INVALID_ARG);
    ask(t, A_RAW_FILL, f, 6, RAW_NO_WORDS, 0, r);
    H_EQ(r[0], L4SRV_ERR_INVALID_ARG);
    ask(t, A_RAW_FILL, f, 6, RAW_TOO_LONG, 0, r);
    H_EQ(r[0], ~0UL);
    H_EQ(L4_IpcErrorType(r[1]), L4_IpcErrMsgOverflow);
    /* A string where none belongs, and a fill from a thread with no memory here. */
    L4_Word_t w[2] = {PAGE, 0};
    H_EQ(raw_call(MM_STATS, 0, w, code, 6), L4SRV_ERR_INVALID_ARG);
    H_EQ(raw_call(MM_MALLOC, 1, w, code, 6), L4SRV_ERR_INVALID_ARG);
    H_EQ(raw_call(MM_FREE, 2, w, code, 0), L4SRV_ERR_INVALID_ARG);
    H_EQ(mm_page_fill(f, 6, code, 6), L4SRV_ERR_NON_EXISTENT);
    struct mm_stats after = stats();
    H_EQ(after.frames_used, before.frames_used);
    H_EQ(after.spaces, before.spaces);
    /* The server goes on: a proper fill works, an empty one gives a zero page. */
    H_EQ(ask_mm(t, A_PAGE_FILL, f, 6, d, 6, NULL), L4SRV_OK);
    ask(t, A_READ, f, 0, 0, 0, r);
    H_EQ(r[0], CODE_WORD);
    H_EQ(ask_mm(t, A_PAGE_FILL, f + PAGE, L4_Readable, d, 0, NULL), L4SRV_OK);
    ask(t, A_ZERO, f + PAGE, PAGE, 0, 0, r);
    H_EQ(r[0], 0);
    /* Freed with its filled pages. */
    H_EQ(ask_mm(t, A_FREE, 4 * PAGE, f, 0, 0, NULL), L4SRV_OK);
    H_EQ(stats().frames_used, before.frames_used);
    end_tasks(&t, 1);
    return 0;
}

static void page_fill_refuses_bad_requests_and_strings_where_none_belong(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_fill_bad, NULL), 0);
}

#define FILLED_PAGES 128UL

static int body_filled_swap(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = pinned_agent(0);
    L4_Word_t f = 0, r[4], base = h_window(t, NULL);
    H_EQ(ask_mm(t, A_MALLOC_AT, FILLED_PAGES * PAGE, 0, L4_FullyAccessible, MM_ALLOC_FILLED, &f),
         L4SRV_OK);
    /* Page 0 is code; odd pages are data to write, even ones read and execute only. */
    H_EQ(ask_mm(t, A_PAGE_FILL, f, L4_ReadeXecOnly, (L4_Word_t) code, CODE_BYTES, NULL), L4SRV_OK);
    for (L4_Word_t i = 1; i < FILLED_PAGES; i++) {
        const void *data = pattern_page(f + i * PAGE - base, 7);
        L4_Word_t rights = i % 2 ? L4_ReadWriteOnly : L4_ReadeXecOnly;
        H_EQ(ask_mm(t, A_PAGE_FILL, f + i * PAGE, rights, (L4_Word_t) data, PAGE, NULL), L4SRV_OK);
    }
    /* Twice the RAM written next pushes them out. */
    L4_Word_t big = agent_malloc(t, 2 * SMALL_RAM);
    ask(t, A_FILL, big, 2 * SMALL_RAM, 9, 0, NULL);
    H_EQ(ask_mm(t, A_FREE, 2 * SMALL_RAM, big, 0, 0, NULL), L4SRV_OK);
    H_CHECK(space_stats(t).swapped >= FILLED_PAGES / 2);
    check_accounting();
    /* Back in with contents and rights. */
    ask(t, A_CHECK, f + PAGE, (FILLED_PAGES - 1) * PAGE, 7, base, r);
    H_EQ(r[0], 0);
    ask(t, A_EXEC, f, 0, 0, 0, r);
    H_EQ(r[0], 42);
    H_CHECK(stats().page_ins >= FILLED_PAGES / 2);
    ask(t, A_PF_IPC, f + 2 * PAGE, L4_Readable, 0, 0, r);
    H_EQ(L4_Rights((L4_Fpage_t){.raw = r[3]}), L4_ReadeXecOnly);
    ask(t, A_PF_IPC, f + 2 * PAGE, L4_Writable, 0, 0, r);
    H_EQ(r[1], 0); /* refused */
    ask(t, A_WRITE, f + 3 * PAGE, 5, 0, 0, NULL);
    ask(t, A_READ, f + 3 * PAGE, 0, 0, 0, r);
    H_EQ(r[0], 5);
    expect_refused(t, A_WRITE, f + 4 * PAGE, 1);
    end_tasks(&t, 1);
    return 0;
}

static void filled_pages_keep_contents_and_rights_through_swapping(void **state)
{
    (void) state;
    struct l4sim_config cfg = small_ram_config();
    assert_int_equal(run_checked(&cfg, NULL, body_filled_swap, NULL), 0);
}

/* ---------------------------------------------------------- copy on write */

/* Where the page at addr of from's space is in to's space. */
static L4_Word_t same_place(L4_ThreadId_t from, L4_ThreadId_t to, L4_Word_t addr)
{
    return h_window(to, NULL) + (addr - h_window(from, NULL));
}

static int body_cow(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[2] = {h_task(0, agent, NULL), h_task(1, agent, NULL)};
    L4_Word_t b0 = h_window(t[0], NULL), b1 = h_window(t[1], NULL), r[4];
    L4_Word_t a = agent_malloc(t[0], 16 * PAGE), c = same_place(t[0], t[1], a);
    ask(t[0], A_FILL, a, 16 * PAGE, 1, b0, NULL);
    settle(t, 2);
    struct mm_stats st0 = stats();
    H_EQ(mm_copy_space(t[0], t[1]), L4SRV_OK);
    struct mm_stats st1 = stats();
    H_EQ(st1.frames_used, st0.frames_used); /* nothing copied yet */
    H_EQ(st1.frames_shared, st0.frames_shared + 16);
    H_EQ(space_stats(t[1]).shared, 16);
    ask(t[1], A_CHECK, c, 16 * PAGE, 1, b1, r);
    H_EQ(r[0], 0);
    H_EQ(stats().frames_shared, st1.frames_shared); /* reading copies nothing */
    /* Each side writes its own pages: the other does not see it. */
    ask(t[1], A_FILL, c, 4 * PAGE, 2, b1, NULL);
    ask(t[0], A_FILL, a + 4 * PAGE, 4 * PAGE, 3, b0, NULL);
    ask(t[1], A_CHECK, c, 4 * PAGE, 2, b1, r);
    H_EQ(r[0], 0);
    ask(t[1], A_CHECK, c + 4 * PAGE, 12 * PAGE, 1, b1, r);
    H_EQ(r[0], 0);
    ask(t[0], A_CHECK, a, 4 * PAGE, 1, b0, r);
    H_EQ(r[0], 0);
    ask(t[0], A_CHECK, a + 4 * PAGE, 4 * PAGE, 3, b0, r);
    H_EQ(r[0], 0);
    ask(t[0], A_CHECK, a + 8 * PAGE, 8 * PAGE, 1, b0, r);
    H_EQ(r[0], 0);
    /* Untouched pages are still shared, and every frame is counted once. */
    H_EQ(stats().frames_shared, 8);
    H_EQ(space_stats(t[0]).shared, 8);
    H_EQ(space_stats(t[1]).shared, 8);
    check_counted_once(t, 2);
    /* Untouched pages of a fresh region stay untouched on both sides. */
    L4_Word_t z = agent_malloc(t[0], 4 * PAGE);
    L4_ThreadId_t child2 = h_task(2, agent, NULL);
    H_EQ(mm_copy_space(t[0], child2), L4SRV_OK);
    ask(child2, A_ZERO, same_place(t[0], child2, z), 4 * PAGE, 0, 0, r);
    H_EQ(r[0], 0);
    ask(child2, A_CHECK, same_place(t[0], child2, a) + 4 * PAGE, 4 * PAGE, 3,
        h_window(child2, NULL), r);
    H_EQ(r[0], 0);
    L4_ThreadId_t all[3] = {t[1], t[0], child2};
    end_tasks(all, 3);
    return 0;
}

static void copy_space_gives_parent_and_child_their_own_writes_and_shares_the_rest(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_cow, NULL), 0);
}

/* Copy a space most of whose pages are swapped out, then end parent or child first. */
static int body_cow_swapped(void *arg)
{
    bool parent_first = arg != NULL;
    L4_ThreadId_t t[2] = {pinned_agent(0), pinned_agent(1)};
    L4_Word_t b0 = h_window(t[0], NULL), b1 = h_window(t[1], NULL), r[4], size = 2 * SMALL_RAM;
    L4_Word_t a = agent_malloc(t[0], size), c = same_place(t[0], t[1], a);
    ask(t[0], A_FILL, a, size, 5, b0, NULL);
    /* The copy waits for the parent's last page-outs; afterwards nothing moves until asked. */
    H_EQ(mm_copy_space(t[0], t[1]), L4SRV_OK);
    struct mm_space_stats p0 = space_stats(t[0]), c0 = space_stats(t[1]);
    H_CHECK(p0.swapped > 0);
    H_EQ(c0.swapped, p0.swapped); /* the same slots: swap_used == slots held (audit) */
    H_CHECK(c0.shared >= p0.swapped);
    check_counted_once(t, 2);
    check_accounting();
    /* Both read everything back: a page-in from a shared slot leaves the slot to the other. */
    ask(t[1], A_CHECK, c, size, 5, b1, r);
    H_EQ(r[0], 0);
    ask(t[0], A_CHECK, a, size, 5, b0, r);
    H_EQ(r[0], 0);
    /* The child writes it all; the parent keeps its own. */
    ask(t[1], A_FILL, c, size, 6, b1, NULL);
    ask(t[0], A_CHECK, a, size, 5, b0, r);
    H_EQ(r[0], 0);
    ask(t[1], A_CHECK, c, size, 6, b1, r);
    H_EQ(r[0], 0);
    check_accounting();
    /* Whichever goes first, the other keeps its memory, and then all comes back. */
    L4_ThreadId_t first = parent_first ? t[0] : t[1], second = parent_first ? t[1] : t[0];
    H_EQ(mm_deregister_thread(first), L4SRV_OK);
    check_accounting();
    if (parent_first)
        ask(second, A_CHECK, c, size, 6, b1, r);
    else
        ask(second, A_CHECK, a, size, 5, b0, r);
    H_EQ(r[0], 0);
    end_tasks(&second, 1);
    return 0;
}

static void cow_of_swapped_pages_child_ends_first_and_every_frame_and_slot_returns(void **state)
{
    (void) state;
    struct l4sim_config cfg = small_ram_config();
    assert_int_equal(run_checked(&cfg, NULL, body_cow_swapped, NULL), 0);
}

static void cow_of_swapped_pages_parent_ends_first_and_every_frame_and_slot_returns(void **state)
{
    (void) state;
    struct l4sim_config cfg = small_ram_config();
    assert_int_equal(run_checked(&cfg, NULL, body_cow_swapped, (void *) 1), 0);
}

#define COW_PAGES 128UL

static int body_cow_evictable(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[3] = {pinned_agent(0), pinned_agent(1), pinned_agent(2)};
    L4_Word_t b0 = h_window(t[0], NULL), b1 = h_window(t[1], NULL), r[4];
    L4_Word_t a = agent_malloc(t[0], COW_PAGES * PAGE), c = same_place(t[0], t[1], a);
    ask(t[0], A_FILL, a, COW_PAGES * PAGE, 1, b0, NULL);
    H_EQ(mm_copy_space(t[0], t[1]), L4SRV_OK);
    /* Both write every page: no frame is shared any more, so each may be paged out. */
    ask(t[1], A_FILL, c, COW_PAGES * PAGE, 2, b1, NULL);
    ask(t[0], A_FILL, a, COW_PAGES * PAGE, 3, b0, NULL);
    H_EQ(stats().frames_shared, 0);
    L4_Word_t big = agent_malloc(t[2], 2 * SMALL_RAM);
    ask(t[2], A_FILL, big, 2 * SMALL_RAM, 9, 0, NULL);
    H_CHECK(space_stats(t[0]).swapped >= COW_PAGES / 2);
    H_CHECK(space_stats(t[1]).swapped >= COW_PAGES / 2);
    ask(t[0], A_CHECK, a, COW_PAGES * PAGE, 3, b0, r);
    H_EQ(r[0], 0);
    ask(t[1], A_CHECK, c, COW_PAGES * PAGE, 2, b1, r);
    H_EQ(r[0], 0);
    end_tasks(t, 3);
    return 0;
}

static void a_cow_frame_left_with_one_holder_can_be_paged_out_again(void **state)
{
    (void) state;
    struct l4sim_config cfg = small_ram_config();
    assert_int_equal(run_checked(&cfg, NULL, body_cow_evictable, NULL), 0);
}

/* -------------------------------------------------- refusals and special pages */

static int body_cow_bad(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[4] = {h_task(0, agent, NULL), h_task(1, agent, NULL),
                          h_task_priv(2, agent, NULL, true), h_task(3, agent, NULL)};
    L4_ThreadId_t nobody = h_tid(H_APP(20), 1), other = h_tid(H_APP(5), 1);
    L4_Word_t a = agent_malloc(t[0], 4 * PAGE), sp = 1, r[4];
    ask(t[0], A_WRITE, a, 1, 0, 0, NULL);
    H_EQ(mm_register_thread(other, t[0], MM_THREAD_NO_STACK, &sp), L4SRV_OK);
    /* The destination has a region where one of the source's goes. */
    L4_Word_t taken = 0;
    H_EQ(ask_mm(t[1], A_MALLOC_AT, PAGE, same_place(t[0], t[1], a) + 3 * PAGE, 6, 0, &taken),
         L4SRV_OK);
    settle(t, 4);
    struct mm_stats before = stats();
    H_EQ(mm_copy_space(nobody, t[1]), L4SRV_ERR_NON_EXISTENT);
    H_EQ(mm_copy_space(t[0], nobody), L4SRV_ERR_NON_EXISTENT);
    H_EQ(mm_copy_space(t[0], t[0]), L4SRV_ERR_INVALID_ARG);
    H_EQ(mm_copy_space(t[0], other), L4SRV_ERR_INVALID_ARG); /* another thread, the same space */
    H_EQ(mm_copy_space(t[0], t[1]), L4SRV_ERR_EXISTS);
    H_EQ(ask_mm(t[3], A_COPY, t[0].raw, t[3].raw, 0, 0, NULL), L4SRV_ERR_NO_PRIVILEGE);
    /* Device memory is not copied (see docs/design.md). */
    void *kip = L4_GetKernelInterface();
    L4_Word_t ram_end = 0, dev = 0;
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
        L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
        if (!L4_IsMemoryDescVirtual(d) && L4_MemoryDescType(d) == L4_ConventionalMemoryType)
            ram_end = L4_MemoryDescHigh(d) + 1;
    }
    /* The last frames: the allocator hands out the lowest free ones first. */
    H_EQ(ask_mm(t[2], A_MALLOC_PRIV, PAGE, ram_end - 8 * PAGE, 0, 0, &dev), L4SRV_OK);
    settle(t, 4);
    struct mm_stats with_dev = stats();
    H_EQ(ask_mm(t[2], A_COPY, t[2].raw, t[3].raw, 0, 0, NULL), L4SRV_ERR_INVALID_ARG);
    /* None of it changed anything: the source's pages are not even shared. */
    struct mm_stats after = stats();
    H_EQ(after.frames_used, with_dev.frames_used);
    H_EQ(after.frames_shared, 0);
    H_EQ(after.swap_used, before.swap_used);
    ask(t[0], A_READ, a, 0, 0, 0, r);
    H_EQ(r[0], 1);
    /* A privileged task may copy itself once the device memory is gone. */
    H_EQ(ask_mm(t[2], A_FREE, PAGE, dev, 0, 0, NULL), L4SRV_OK);
    H_EQ(ask_mm(t[2], A_COPY, t[2].raw, t[3].raw, 0, 0, NULL), L4SRV_OK);
    check_accounting();
    L4_ThreadId_t all[5] = {other, t[0], t[1], t[2], t[3]};
    end_tasks(all, 5);
    return 0;
}

static void copy_space_refuses_bad_requests_and_changes_nothing(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_cow_bad, NULL), 0);
}

static int body_cow_special(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[4] = {h_task_priv(0, agent, NULL, true), h_task(1, agent, NULL),
                          h_task(2, agent, NULL), h_task(3, agent, NULL)};
    L4_Word_t b0 = h_window(t[0], NULL), b1 = h_window(t[1], NULL), b2 = h_window(t[2], NULL), r[4];
    L4_Word_t a = agent_malloc(t[0], 8 * PAGE), c = same_place(t[0], t[2], a);
    ask(t[0], A_FILL, a, 8 * PAGE, 1, b0, NULL);
    /* Pages 0-1 pinned, pages 4-5 shared with t1. */
    H_EQ(ask_mm(t[0], A_PIN, 2 * PAGE, a, 0, 0, NULL), L4SRV_OK);
    H_EQ(ask_mm(t[0], A_MAP, L4_Fpage(a + 4 * PAGE, 2 * PAGE).raw, 0x200000, L4_ReadWriteOnly,
                t[1].raw, NULL),
         L4SRV_OK);
    settle(t, 4);
    struct mm_stats st0 = stats();
    H_EQ(st0.frames_shared, 2);
    H_EQ(mm_copy_space(t[0], t[2]), L4SRV_OK);
    /* Pinned pages were copied at once; the rest is shared (4 copy on write, 2 shared). */
    struct mm_stats st1 = stats();
    H_EQ(st1.frames_used, st0.frames_used + 2);
    H_EQ(st1.frames_pinned, st0.frames_pinned);
    H_EQ(st1.frames_shared, 6);
    ask(t[2], A_CHECK, c, 8 * PAGE, 1, b2, r);
    H_EQ(r[0], 0);
    /* Shared memory stays shared, as across a POSIX fork. */
    ask(t[2], A_WRITE, c + 4 * PAGE, 0x5eed, 0, 0, NULL);
    ask(t[0], A_READ, a + 4 * PAGE, 0, 0, 0, r);
    H_EQ(r[0], 0x5eed);
    ask(t[1], A_READ, b1 + 0x200000, 0, 0, 0, r);
    H_EQ(r[0], 0x5eed);
    /* A pinned page is the parent's own: writes stay on each side, and the pin holds. */
    ask(t[0], A_WRITE, a, 0xa, 0, 0, NULL);
    ask(t[2], A_WRITE, c + PAGE, 0xc, 0, 0, NULL);
    ask(t[2], A_READ, c, 0, 0, 0, r);
    H_EQ(r[0], pattern(a - b0, 1));
    ask(t[0], A_READ, a + PAGE, 0, 0, 0, r);
    H_EQ(r[0], pattern(a + PAGE - b0, 1));
    H_EQ(ask_mm(t[0], A_UNPIN, 2 * PAGE, a, 0, 0, NULL), L4SRV_OK);
    /* The receiver's shared region goes to its own child shared, too. */
    H_EQ(mm_copy_space(t[1], t[3]), L4SRV_OK);
    ask(t[3], A_WRITE, h_window(t[3], NULL) + 0x200000 + PAGE, 0xf00d, 0, 0, NULL);
    ask(t[0], A_READ, a + 5 * PAGE, 0, 0, 0, r);
    H_EQ(r[0], 0xf00d);
    check_accounting();
    end_tasks(t, 4);
    return 0;
}

static void copy_space_copies_pinned_pages_at_once_and_keeps_shared_memory_shared(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_cow_special, NULL), 0);
}

static int body_cow_then_share(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[3] = {h_task_priv(0, agent, NULL, true), h_task(1, agent, NULL),
                          h_task(2, agent, NULL)};
    L4_Word_t b0 = h_window(t[0], NULL), b1 = h_window(t[1], NULL), r[4];
    L4_Word_t a = agent_malloc(t[0], 4 * PAGE), c = same_place(t[0], t[1], a);
    ask(t[0], A_FILL, a, 4 * PAGE, 1, b0, NULL);
    H_EQ(mm_copy_space(t[0], t[1]), L4SRV_OK);
    /* Sharing a copy-on-write page shares the parent's own copy of it, not the child's. */
    H_EQ(ask_mm(t[0], A_MAP, L4_Fpage(a, PAGE).raw, 0x300000, L4_ReadWriteOnly, t[2].raw, NULL),
         L4SRV_OK);
    ask(t[0], A_WRITE, a, 77, 0, 0, NULL);
    ask(t[2], A_READ, h_window(t[2], NULL) + 0x300000, 0, 0, 0, r);
    H_EQ(r[0], 77);
    ask(t[1], A_CHECK, c, 4 * PAGE, 1, b1, r);
    H_EQ(r[0], 0);
    /* Pinning one gives it a frame of its own as well. */
    H_EQ(ask_mm(t[0], A_PIN, PAGE, a + PAGE, 0, 0, NULL), L4SRV_OK);
    ask(t[1], A_WRITE, c + PAGE, 5, 0, 0, NULL);
    ask(t[0], A_READ, a + PAGE, 0, 0, 0, r);
    H_EQ(r[0], pattern(a + PAGE - b0, 1));
    H_EQ(ask_mm(t[0], A_UNPIN, PAGE, a + PAGE, 0, 0, NULL), L4SRV_OK);
    H_EQ(stats().frames_shared, 3); /* page 0 with t2, pages 2-3 copy on write */
    check_counted_once(t, 3);
    end_tasks(t, 3);
    return 0;
}

static void mapping_or_pinning_a_cow_page_gives_it_a_frame_of_its_own(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_cow_then_share, NULL), 0);
}

/* ------------------------------------------------------- pages in transit */

/*
 * A backing store that holds its first page-out until the root opens the
 * gate, so the copy below finds pages in transit for certain.
 */
#define GATE_SLOTS (4 * SMALL_RAM / PAGE)

struct gate {
    uint8_t *slots;
    bool open;
};

static _Alignas(4096) char gate_buffer[PAGE];

static void gate_store(void *kip)
{
    (void) kip;
    struct gate *g = h_arg();
    L4_MsgBuffer_t buf;
    L4_MsgBufferClear(&buf);
    L4_MsgBufferAppendSimpleRcvString(&buf, L4_StringItem(PAGE, gate_buffer));
    for (;;) {
        L4_AcceptStrings(L4_StringItemsAcceptor, &buf);
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        L4_Word_t slot = 0;
        L4_StoreMR(1, &slot);
        L4_Msg_t msg;
        L4_MsgClear(&msg);
        if (L4_Label(tag) == SWAP_INFO) {
            L4_MsgAppendWord(&msg, GATE_SLOTS);
        } else if (L4_Label(tag) == SWAP_WRITE && slot < GATE_SLOTS) {
            memcpy(g->slots + slot * PAGE, gate_buffer, PAGE);
            if (!g->open) {
                h_signal_root();
                L4_Receive(h_root()); /* the gate */
                g->open = true;
            }
        } else if (L4_Label(tag) == SWAP_READ && slot < GATE_SLOTS) {
            memcpy(gate_buffer, g->slots + slot * PAGE, PAGE);
            L4_MsgAppendSimpleStringItem(&msg, L4_StringItem(PAGE, gate_buffer));
        } else {
            L4_Set_MsgLabel(&msg, 1);
        }
        L4_MsgLoad(&msg);
        L4_Reply(from);
    }
}

struct copy_job {
    L4_ThreadId_t src, dst;
    volatile int result;
};

static void copier(void *kip)
{
    (void) kip;
    struct copy_job *job = h_arg();
    job->result = mm_copy_space(job->src, job->dst);
    h_signal_root();
    L4_Sleep(L4_Never);
}

static int body_cow_transit(void *arg)
{
    struct gate *g = arg;
    L4_ThreadId_t store = h_spawn(H_APP(10), gate_store, g);
    H_EQ(mm_register_backingstore(store), L4SRV_OK);
    L4_ThreadId_t t[2] = {pinned_agent(0), pinned_agent(1)};
    L4_Word_t b0 = h_window(t[0], NULL), b1 = h_window(t[1], NULL), r[4], size = 2 * SMALL_RAM;
    L4_Word_t a = agent_malloc(t[0], size), c = same_place(t[0], t[1], a);
    /* The parent fills twice the RAM on its own, until the first page-out waits at the gate. */
    L4_Word_t w[4] = {a, size, 4, b0};
    h_load_words(A_FILL, 4, w);
    H_IPC_OK(L4_Send(t[0]));
    h_wait_signal(store);
    /* Now copy: the request must wait for the page in transit, changing nothing. */
    struct copy_job job = {.src = t[0], .dst = t[1], .result = -1};
    h_spawn(H_APP(11), copier, &job);
    L4_Sleep(L4_TimePeriod(20000));
    H_EQ(job.result, -1);
    H_EQ(stats().frames_shared, 0);
    L4_LoadMR(0, 0);
    H_IPC_OK(L4_Send(store)); /* open the gate */
    h_wait_signal(h_tid(H_APP(11), 1));
    H_EQ(job.result, L4SRV_OK);
    H_IPC_OK(L4_Receive(t[0])); /* the parent's fill is done */
    ask(t[0], A_CHECK, a, size, 4, b0, r);
    H_EQ(r[0], 0);
    /* The child got the parent as it was at the copy: what was written, then nothing. */
    ask(t[1], A_PREFIX, c, size, 4, b1, r);
    H_CHECK(r[0] >= PAGE);
    H_EQ(r[1], 0);
    check_accounting();
    end_tasks(t, 2);
    return 0;
}

static void copy_space_waits_for_pages_in_transit(void **state)
{
    (void) state;
    struct l4sim_config cfg = small_ram_config();
    struct l4srv_options opt = {.no_swap = 1};
    struct gate g = {.slots = calloc(GATE_SLOTS, PAGE), .open = false};
    assert_non_null(g.slots);
    int result = run_checked(&cfg, &opt, body_cow_transit, &g);
    free(g.slots);
    assert_int_equal(result, 0);
}

/* -------------------------------------------------------------- threads */

/* Stacks the task makes for its threads: room for the kernel's probe below SP (64 KiB with ASan).
 */
#define STACK (128 * KIB)

struct thread_job {
    L4_Word_t pin_result;
};

static void stackless_thread(void *kip)
{
    (void) kip;
    struct thread_job *job = h_arg();
    L4_Word_t at = 0;
    if (job) {
        job->pin_result = (L4_Word_t) mm_malloc(PAGE, &at);
        if (!job->pin_result)
            job->pin_result = (L4_Word_t) mm_pin_priv(PAGE, at);
    }
    h_signal_root();
    L4_Sleep(L4_Never);
}

static int body_threads(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_task(0, agent, NULL), child = h_task(1, agent, NULL);
    L4_ThreadId_t plain = h_tid(H_APP(2), 1), stacked = h_tid(H_APP(3), 1),
                  priv = h_tid(H_APP(4), 1);
    L4_Word_t b0 = h_window(t, NULL), b1 = h_window(child, NULL), sp = 1, sp_stacked = 0;
    H_EQ(mm_register_thread(plain, t, MM_THREAD_NO_STACK, &sp), L4SRV_OK);
    H_EQ(sp, 0);
    H_EQ(mm_register_thread(stacked, t, 0, &sp_stacked), L4SRV_OK);
    H_CHECK(sp_stacked != 0);
    H_EQ(mm_register_thread(h_tid(H_APP(5), 1), t, 4, &sp), L4SRV_ERR_INVALID_ARG);
    H_EQ(mm_register_thread(priv, t, MM_THREAD_PRIV | MM_THREAD_NO_STACK, &sp), L4SRV_OK);
    /* The task makes stacks itself. */
    L4_Word_t s1 = 0, s2 = 0;
    H_EQ(ask_mm(t, A_MALLOC_AT, STACK, 0, L4_ReadWriteOnly, 0, &s1), L4SRV_OK);
    H_EQ(ask_mm(t, A_MALLOC_AT, STACK, 0, L4_ReadWriteOnly, 0, &s2), L4SRV_OK);
    h_set_arg(plain, NULL);
    h_set_arg(stacked, NULL);
    L4_Start_SpIp(plain, s1 + STACK, (L4_Word_t) stackless_thread);
    h_wait_signal(plain);
    L4_Start_SpIp(stacked, sp_stacked, (L4_Word_t) stackless_thread);
    h_wait_signal(stacked);
    struct thread_job job = {.pin_result = ~0UL};
    h_set_arg(priv, &job);
    L4_Start_SpIp(priv, s2 + STACK, (L4_Word_t) stackless_thread);
    h_wait_signal(priv);
    H_EQ(job.pin_result, L4SRV_OK); /* MM_THREAD_PRIV: a privileged thread in a plain task */
    H_EQ(space_stats(t).threads, 4);
    /* A stackless thread leaves the stack it ran on to its task. */
    H_EQ(mm_deregister_thread(plain), L4SRV_OK);
    H_EQ(mm_deregister_thread(priv), L4SRV_OK);
    H_CHECK(!h_is_exception(ask(t, A_READ, s1 + STACK - 8, 0, 0, 0, NULL)));
    /*
     * A copy takes the task's own stacks, but not the main stack or one the
     * MM server made. (No thread waits in the kernel on a copied stack: the
     * kernel runs on its caller's stack, and could not take the write fault.)
     */
    H_EQ(mm_copy_space(t, child), L4SRV_OK);
    L4_Word_t lo = sp_stacked - 64 * KIB;
    H_EQ(ask_mm(child, A_MALLOC_AT, 64 * KIB, b1 + (lo - b0), 6, 0, NULL), L4SRV_OK);
    H_EQ(ask_mm(child, A_MALLOC_AT, PAGE, b1 + (s1 - b0), 6, 0, NULL), L4SRV_ERR_EXISTS);
    L4_ThreadId_t all[3] = {stacked, t, child};
    end_tasks(all, 3);
    return 0;
}

static void register_thread_without_a_stack_and_stacks_stay_out_of_copies(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_threads, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malloc_at_places_regions_exactly_with_any_rights_and_refuses_bad_places),
        cmocka_unit_test(a_filled_region_answers_non_existent_until_a_fill_maps_its_contents),
        cmocka_unit_test(page_fill_refuses_bad_requests_and_strings_where_none_belong),
        cmocka_unit_test(filled_pages_keep_contents_and_rights_through_swapping),
        cmocka_unit_test(copy_space_gives_parent_and_child_their_own_writes_and_shares_the_rest),
        cmocka_unit_test(cow_of_swapped_pages_child_ends_first_and_every_frame_and_slot_returns),
        cmocka_unit_test(cow_of_swapped_pages_parent_ends_first_and_every_frame_and_slot_returns),
        cmocka_unit_test(a_cow_frame_left_with_one_holder_can_be_paged_out_again),
        cmocka_unit_test(copy_space_refuses_bad_requests_and_changes_nothing),
        cmocka_unit_test(copy_space_copies_pinned_pages_at_once_and_keeps_shared_memory_shared),
        cmocka_unit_test(mapping_or_pinning_a_cow_page_gives_it_a_frame_of_its_own),
        cmocka_unit_test(copy_space_waits_for_pages_in_transit),
        cmocka_unit_test(register_thread_without_a_stack_and_stacks_stay_out_of_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Page faults and exceptions: the X.2 page-fault IPC a window touch sends to
 * the pager, and the exception IPC (or halt) when nobody resolves it.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define PAGE 4096UL

/* Whether the host lets anyone read addr. */
static bool host_readable(L4_Word_t addr)
{
    char c;
    struct iovec local = {&c, 1}, remote = {(void *) addr, 1};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == 1;
}

/* Where a thread made its access, for comparing with what its handler got. */
struct site {
    L4_Word_t ip, sp, value;
};

/*
 * Load a word from p (store v at p), first noting in *s the address of the
 * access instruction and the SP there: the access may never complete.
 */
static inline L4_Word_t load_at(L4_Word_t p, struct site *s)
{
    L4_Word_t v;
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%rax, (%2)\n\t"
                     "mov %%rsp, 8(%2)\n"
                     "1:\tmovq (%1), %0"
                     : "=&r"(v)
                     : "r"(p), "r"(s)
                     : "rax", "memory");
    s->value = v;
    return v;
}

static inline void store_at(L4_Word_t p, L4_Word_t v, struct site *s)
{
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%rax, (%2)\n\t"
                     "mov %%rsp, 8(%2)\n"
                     "1:\tmovq %0, (%1)"
                     :
                     : "r"(v), "r"(p), "r"(s)
                     : "rax", "memory");
}

/* Send the root n words (label 0x77) and wait for any answer. */
static void report(unsigned n, const L4_Word_t *w)
{
    h_load_words(0x77, n, w);
    L4_Call(h_root());
}

static void sleep_forever(void)
{
    for (;;)
        L4_Sleep(L4_Never);
}

/* The next message from t must be report() with n words; they go to w. */
static bool expect_report(L4_ThreadId_t t, unsigned n, L4_Word_t *w)
{
    struct h_fault f;
    L4_MsgTag_t tag = h_receive_fault(t, &f);
    if (L4_IpcFailed(tag) || L4_Label(tag) != 0x77 || L4_UntypedWords(tag) != n) {
        h_fail_at(__FILE__, __LINE__, "want a report of %u words from %lx, got tag 0x%lx", n, t.raw,
                  tag.raw);
        return false;
    }
    L4_StoreMRs(1, (int) n, w);
    return true;
}

/*
 * Wait until the run has raised `count` exceptions and t is halted. (A
 * thread not started yet also reads as halted, hence the count first.)
 */
static void wait_exception_halt(L4_ThreadId_t t, uint64_t count)
{
    for (int i = 0; i < 100000 && h_stats().exceptions < count; i++)
        L4_Sleep(L4_TimePeriod(200));
    H_EQ(h_stats().exceptions, count);
    h_wait_state(t, H_STATE_HALTED);
}

/* ----------------------------------------------- stderr, for halt messages */

struct capture {
    int saved, fd;
};

static void capture_stderr(struct capture *c)
{
    fflush(stderr);
    c->fd = memfd_create("stderr", MFD_CLOEXEC);
    c->saved = dup(2);
    dup2(c->fd, 2);
}

/* Stop capturing; buf gets what was written (NUL-terminated). */
static void release_stderr(struct capture *c, char *buf, size_t size)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    ssize_t n = pread(c->fd, buf, size - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    close(c->fd);
}

/* ----------------------------------------------- first touch, access bits */

static struct site read_site, write_site;

/* Read at window + 0x10008, write at window + 0x20010, then report both values. */
static void read_then_write(void *kip)
{
    (void) kip;
    L4_Word_t base = h_window(L4_Myself(), NULL);
    load_at(base + 0x10008, &read_site);
    store_at(base + 0x20010, 0xfeed, &write_site);
    L4_Word_t w[2] = {read_site.value, *(volatile L4_Word_t *) (base + 0x20010)};
    report(2, w);
    sleep_forever();
}

static int body_first_touch(void *arg)
{
    (void) arg;
    struct l4sim_stats before = h_stats();
    L4_ThreadId_t t = h_spawn_space(0, read_then_write, NULL);
    L4_Word_t base = h_window(t, NULL);
    L4_Word_t page = h_sigma0_page();
    *(volatile L4_Word_t *) (page + 8) = 0x1234; /* what the read will find */

    struct h_fault f;
    if (!h_expect_pagefault(t, &f))
        return 1;
    H_EQ(f.access, L4_Readable);
    H_EQ(f.addr, base + 0x10008);
    H_EQ(L4_UntypedWords(f.tag), 2);
    H_EQ(L4_TypedWords(f.tag), 0);
    L4_Word_t read_ip = f.ip;
    h_reply_map(t, page, L4_Readable, f.addr & ~(PAGE - 1));

    if (!h_expect_pagefault(t, &f))
        return 1;
    H_EQ(f.access, L4_Writable);
    H_EQ(f.addr, base + 0x20010);
    L4_Word_t write_ip = f.ip;
    h_reply_map(t, h_sigma0_page(), L4_ReadWriteOnly, f.addr & ~(PAGE - 1));

    L4_Word_t w[2];
    if (expect_report(t, 2, w)) {
        H_EQ(w[0], 0x1234);
        H_EQ(w[1], 0xfeed);
        H_EQ(read_ip, read_site.ip);
        H_EQ(write_ip, write_site.ip);
    }
    struct l4sim_stats after = h_stats();
    H_EQ(after.page_faults - before.page_faults, 2);
    H_EQ(after.exceptions, before.exceptions);
    return 0;
}

static void first_touch_read_and_write_fault_with_access_address_and_ip(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_first_touch, NULL), 0);
}

/* ------------------------------------------------ read-only, then a write */

/* Read a page, then write the same word; report what it read. */
static void read_then_write_same(void *kip)
{
    (void) kip;
    L4_Word_t p = h_window(L4_Myself(), NULL) + 0x30000;
    L4_Word_t v = *(volatile L4_Word_t *) p;
    *(volatile L4_Word_t *) p = v + 1;
    L4_Word_t w[2] = {v, *(volatile L4_Word_t *) p};
    report(2, w);
    sleep_forever();
}

static int body_read_only(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn_space(0, read_then_write_same, NULL);
    L4_Word_t addr = h_window(t, NULL) + 0x30000;
    L4_Word_t page = h_sigma0_page();
    *(volatile L4_Word_t *) page = 41;

    struct h_fault f;
    if (!h_expect_pagefault(t, &f))
        return 1;
    H_EQ(f.access, L4_Readable);
    h_reply_map(t, page, L4_Readable, addr);
    /* The write to the read-only page faults again, with the write bit. */
    if (!h_expect_pagefault(t, &f))
        return 1;
    H_EQ(f.access, L4_Writable);
    H_EQ(f.addr, addr);
    /* The same frame with more rights: the thread sees its old contents. */
    h_reply_map(t, page, L4_ReadWriteOnly, addr);
    L4_Word_t w[2];
    if (expect_report(t, 2, w)) {
        H_EQ(w[0], 41);
        H_EQ(w[1], 42);
    }
    H_EQ(*(volatile L4_Word_t *) page, 42); /* the root sees the write: one frame */
    return 0;
}

static void write_to_read_only_mapping_faults_again_with_the_write_bit(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_read_only, NULL), 0);
}

/* ------------------------------------------------------------ execute */

/* Call the code at window + 0x40000, which the pager provides. */
static void call_window_code(void *kip)
{
    (void) kip;
    L4_Word_t (*fn)(void) = (L4_Word_t(*)(void))(h_window(L4_Myself(), NULL) + 0x40000);
    L4_Word_t w[1] = {fn()};
    report(1, w);
    sleep_forever();
}

static int body_execute(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn_space(0, call_window_code, NULL);
    L4_Word_t addr = h_window(t, NULL) + 0x40000;
    L4_Word_t page = h_sigma0_page();
    static const unsigned char code[] = {0xb8, 0x2a, 0, 0, 0, 0xc3}; /* mov $42, %eax; ret */
    memcpy((void *) page, code, sizeof(code));

    struct h_fault f;
    if (!h_expect_pagefault(t, &f))
        return 1;
    /*
     * Under Valgrind the fetch from a page that is not executable is a fault
     * Valgrind raises itself, and its signal frame has no instruction-fetch
     * bit in the x86 error code: l4sim can only call it a read there.
     */
    H_EQ(f.access, RUNNING_ON_VALGRIND ? L4_Readable : L4_eXecutable);
    H_EQ(f.addr, addr);
    H_EQ(f.ip, addr); /* an instruction fetch faults at its own address */
    h_reply_map(t, page, L4_Readable | L4_eXecutable, addr);
    L4_Word_t w[1];
    if (expect_report(t, 1, w))
        H_EQ(w[0], 42);
    return 0;
}

static void instruction_fetch_faults_with_the_execute_bit(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_execute, NULL), 0);
}

/* --------------------------------------------- a pager in the same space */

/* Read a page of the root task's window that nobody asked sigma0 for. */
static void read_root_window(void *kip)
{
    (void) kip;
    L4_Word_t w[1] = {*(volatile L4_Word_t *) h_arg()};
    report(1, w);
    sleep_forever();
}

static int body_same_space(void *arg)
{
    (void) arg;
    L4_Word_t size, base = h_window(L4_Myself(), &size);
    L4_Word_t addr = base + size - 3 * PAGE;
    L4_ThreadId_t t = h_spawn(0, read_root_window, (void *) addr); /* paged by the root */
    struct h_fault f;
    if (!h_expect_pagefault(t, &f)) /* it arrives as t's local ID */
        return 1;
    H_EQ(f.addr, addr);
    H_EQ(f.access, L4_Readable);
    /* The root takes the page from sigma0 and maps it onto itself: the
     * faulting thread shares the root's window, so that is enough. */
    L4_Fpage_t got = L4_Sigma0_GetPage(h_sigma0(), L4_FpageLog2(addr, 12));
    H_EQ(L4_Address(got), addr);
    *(volatile L4_Word_t *) addr = 99;
    h_reply_map(t, addr, L4_FullyAccessible, addr);
    L4_Word_t w[1];
    if (expect_report(t, 1, w))
        H_EQ(w[0], 99);
    return 0;
}

static void fault_of_a_thread_in_the_pagers_own_space(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_same_space, NULL), 0);
}

/* ----------------------------------------- a fault while composing a message */

/* Load MR0..MR5, fault in the middle, then send: the MRs must be intact. */
static void fault_while_composing(void *kip)
{
    (void) kip;
    L4_Word_t base = h_window(L4_Myself(), NULL);
    L4_Word_t w[5] = {11, 22, 33, 44, 55};
    h_load_words(0x77, 5, w);
    L4_LoadBR(0, 0x1234000UL);
    *(volatile L4_Word_t *) (base + 0x50000) = 66; /* page fault */
    L4_Word_t br0;
    L4_StoreBR(0, &br0);
    L4_LoadMR(5, br0 == 0x1234000UL ? 55 : br0);
    L4_Call(h_root());
    sleep_forever();
}

static int body_composing(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn_space(0, fault_while_composing, NULL);
    L4_ThreadId_t from;
    unsigned served = 0;
    L4_MsgTag_t tag = h_serve_faults(t, &from, &served);
    H_EQ(served, 1);
    H_EQ(L4_Label(tag), 0x77);
    H_EQ(L4_UntypedWords(tag), 5);
    L4_Word_t w[5];
    L4_StoreMRs(1, 5, w);
    for (unsigned i = 0; i < 5; i++)
        H_EQ(w[i], 11 * (i + 1));
    return 0;
}

static void fault_while_composing_a_message_keeps_its_registers(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_composing, NULL), 0);
}

/* ----------------------------------------- taken back before the retry */

/* Write window + 0x70000, then report the value read back. */
static void write_and_report(void *kip)
{
    (void) kip;
    L4_Set_ExceptionHandler(h_root());
    volatile L4_Word_t *p = (volatile L4_Word_t *) (h_window(L4_Myself(), NULL) + 0x70000);
    *p = 0xabc;
    L4_Word_t w[1] = {*p};
    report(1, w);
    sleep_forever();
}

/*
 * The pager maps the page and takes it back at once, before the thread
 * retries its access: the mapping it got resolved the fault, so the retry
 * faults again (as on a real kernel) rather than counting as refused.
 * With one simulated CPU the thread, at a lower priority, cannot run
 * between the two; free-running it may, and then one fault is enough.
 */
static int body_taken_back(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_new_space(0, L4_nilthread, NULL);
    H_CHECK(L4_Set_Priority(t, 50));
    h_start_sp(t, write_and_report, 0);
    L4_Word_t addr = h_window(t, NULL) + 0x70000;
    L4_Word_t page = h_sigma0_page();
    struct h_fault f;
    if (!h_expect_pagefault(t, &f))
        return 1;
    H_EQ(f.addr, addr);
    H_EQ(f.access, L4_Writable);
    h_reply_map(t, page, L4_ReadWriteOnly, addr);
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(page, 12), L4_FullyAccessible));
    L4_MsgTag_t tag = h_receive_fault(t, &f);
    unsigned faults = 1;
    if (h_is_pagefault(tag)) {
        faults++;
        H_EQ(f.addr, addr);
        H_EQ(f.access, L4_Writable);
        h_reply_map(t, page, L4_ReadWriteOnly, addr);
        tag = h_receive_fault(t, &f);
    }
    H_CHECK(!h_is_exception(tag));
    if (!L4_IpcFailed(tag) && L4_Label(tag) == 0x77 && L4_UntypedWords(tag) == 1) {
        L4_Word_t v;
        L4_StoreMR(1, &v);
        H_EQ(v, 0xabc);
    } else {
        h_fail_at(__FILE__, __LINE__, "want the report, got tag 0x%lx", tag.raw);
    }
    if (h_stats().sched_decisions)
        H_EQ(faults, 2);
    H_EQ(h_stats().exceptions, 0);
    return 0;
}

static void page_taken_back_before_the_retry_faults_again(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_taken_back, NULL), 0);
}

/* ------------------------------------------------------- dead pagers */

static volatile L4_Word_t pager_saw_addr;

/* Take one page fault, tell the root, never answer. */
static void silent_pager(void *kip)
{
    (void) kip;
    struct h_fault f;
    h_receive_fault(L4_anythread, &f);
    pager_saw_addr = f.addr;
    h_signal_root();
    L4_Receive(h_root());
}

/* Touch window + 0x60000, with the root as exception handler if arg says so. */
static void touch_with_handler(void *kip)
{
    (void) kip;
    if (h_arg())
        L4_Set_ExceptionHandler(h_root());
    struct site s;
    load_at(h_window(L4_Myself(), NULL) + 0x60000, &s);
    L4_Word_t w[1] = {s.value};
    report(1, w);
    sleep_forever();
}

/* Signal the root from wherever the thread is restarted. */
static void restarted_here(void *kip)
{
    (void) kip;
    h_signal_root();
    sleep_forever();
}

static int body_pager_deleted(void *arg)
{
    bool handler = arg != NULL;
    pager_saw_addr = 0;
    L4_ThreadId_t pager = h_spawn(0, silent_pager, NULL);
    struct capture cap;
    capture_stderr(&cap);
    L4_ThreadId_t t = h_spawn_paged(1, pager, touch_with_handler, arg);
    L4_Word_t addr = h_window(t, NULL) + 0x60000;
    h_wait_signal(pager);
    H_EQ(pager_saw_addr, addr);
    h_delete(pager); /* while t waits for its answer */
    if (handler) {
        struct h_fault f;
        if (h_expect_exception(t, &f)) {
            H_EQ(f.addr, addr);
            H_EQ(f.access, L4_Readable);
            H_EQ(L4_UntypedWords(f.tag), 4);
        }
        L4_LoadMR(0, 0); /* fewer than two words: the thread stays halted */
        H_IPC_OK(L4_Send_Timeout(t, H_MEM_WAIT));
    }
    wait_exception_halt(t, 1);
    char msg[1024];
    release_stderr(&cap, msg, sizeof(msg));
    if (!handler) {
        char want[64];
        snprintf(want, sizeof(want), "thread %lu.%lu: page fault", L4_ThreadNo(t), L4_Version(t));
        if (!strstr(msg, want) || !strstr(msg, "halted"))
            h_fail_at(__FILE__, __LINE__, "stderr lacks '%s ... halted': %s", want, msg);
    }
    /* Halted, not dead: a new IP and SP restart it. */
    L4_Start_SpIp(t, h_stack(), (L4_Word_t) restarted_here);
    h_wait_signal(t);
    return 0;
}

static void pager_deleted_while_the_fault_waits_halts_the_thread(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_pager_deleted, NULL), 0);
}

static void pager_deleted_while_the_fault_waits_raises_an_exception(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_pager_deleted, (void *) 1), 0);
}

static int body_pager_never_existed(void *arg)
{
    (void) arg;
    L4_ThreadId_t nobody = h_tid(40, 7);
    L4_ThreadId_t t = h_spawn_paged(0, nobody, touch_with_handler, (void *) 1);
    struct h_fault f;
    if (h_expect_exception(t, &f)) {
        H_EQ(f.addr, h_window(t, NULL) + 0x60000);
        H_EQ(f.access, L4_Readable);
    }
    L4_LoadMR(0, 0);
    H_IPC_OK(L4_Send_Timeout(t, H_MEM_WAIT));
    h_wait_state(t, H_STATE_HALTED);
    H_EQ(h_stats().page_faults, 0);
    return 0;
}

static void pager_that_never_existed_raises_an_exception(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_pager_never_existed, NULL), 0);
}

/* ------------------------------------- another space's window, resumed */

static struct site foreign_site;
static volatile L4_Word_t resumed_sp;

/* Where the handler resumes the thread: note the SP, tell the root. */
static void resumed_here(void)
{
    L4_Word_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    resumed_sp = sp;
    h_signal_root();
    sleep_forever();
}

/* Read the word whose address h_arg() holds: another space's memory. */
static void touch_foreign(void *kip)
{
    (void) kip;
    L4_Word_t *target = h_arg();
    L4_Set_ExceptionHandler(target[1] ? h_root() : L4_nilthread);
    load_at(target[0], &foreign_site);
    h_signal_root(); /* never: the handler moves it elsewhere */
    sleep_forever();
}

static int body_foreign(void *arg)
{
    (void) arg;
    static L4_Word_t target[2];
    /*
     * The last page of the root's window, which nobody has mapped. (A page
     * mapped on the host is readable by every thread of the process: l4sim
     * can only catch touches of pages that are not mapped there.)
     */
    L4_Word_t root_size, root_base = h_window(L4_Myself(), &root_size);
    L4_Word_t page = root_base + root_size - PAGE;
    target[0] = page + 16;
    target[1] = 1;
    struct l4sim_stats before = h_stats();
    L4_ThreadId_t t = h_spawn_space(0, touch_foreign, target);
    struct h_fault f;
    if (!h_expect_exception(t, &f))
        return 1;
    H_EQ(L4_Label(f.tag), H_EXCEPTION_LABEL);
    H_EQ(L4_UntypedWords(f.tag), 4);
    H_EQ(f.addr, page + 16);
    H_EQ(f.access, L4_Readable);
    H_EQ(f.ip, foreign_site.ip);
    H_EQ(f.sp, foreign_site.sp);
    H_EQ(h_stats().page_faults, before.page_faults); /* never offered to the pager */

    L4_Word_t top = h_stack();
    L4_Word_t w[2] = {(L4_Word_t) resumed_here, top - 8}; /* as if called */
    h_load_words(0, 2, w);
    H_IPC_OK(L4_Send_Timeout(t, H_MEM_WAIT));
    if (h_wait_signal(t))
        H_CHECK(resumed_sp < top && resumed_sp > top - 4096);
    H_EQ(h_stats().exceptions, before.exceptions + 1);
    return 0;
}

static void touch_of_another_window_raises_an_exception_the_handler_resumes(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_foreign, NULL), 0);
}

static int body_foreign_sibling(void *arg)
{
    (void) arg;
    static L4_Word_t target[2];
    L4_ThreadId_t other = h_spawn_space(1, h_agent, NULL);
    target[0] = h_window(other, NULL) + 0x1000;
    target[1] = 0; /* no handler */
    struct capture cap;
    capture_stderr(&cap);
    L4_ThreadId_t t = h_spawn_space(0, touch_foreign, target);
    wait_exception_halt(t, 1);
    char msg[1024];
    release_stderr(&cap, msg, sizeof(msg));
    char want[128];
    snprintf(want, sizeof(want), "thread %lu.%lu: access outside its own address space",
             L4_ThreadNo(t), L4_Version(t));
    if (!strstr(msg, want))
        h_fail_at(__FILE__, __LINE__, "stderr lacks '%s': %s", want, msg);
    /* The other space is unharmed: its agent still works. */
    h_agent_write(other, target[0], 5);
    H_EQ(h_agent_read(other, target[0]), 5);
    return 0;
}

static void touch_of_a_sibling_window_without_handler_halts_the_thread(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_foreign_sibling, NULL), 0);
}

/* ------------------------------------------------------------ guard page */

/* Recurse with 512-byte frames until the stack runs out. */
static __attribute__((noinline)) L4_Word_t deep(L4_Word_t n)
{
    volatile char pad[512];
    pad[0] = (char) n;
    if (n > (1UL << 30))
        return 0;
    return deep(n + 1) + (L4_Word_t) pad[0];
}

static void overflow_stack(void *kip)
{
    (void) kip;
    if (h_arg())
        L4_Set_ExceptionHandler(h_root());
    deep(0);
    sleep_forever();
}

static int body_guard(void *arg)
{
    bool handler = arg != NULL;
    L4_ThreadId_t t = h_new_space(0, L4_nilthread, arg);
    L4_Word_t base = h_window(t, NULL);
    L4_Word_t lo = base + 0x100000, hi = lo + 4 * PAGE;
    L4_Word_t sp = h_window_stack(t, lo, hi);
    H_EQ(sp, hi);
    struct capture cap;
    if (!handler)
        capture_stderr(&cap);
    h_start_sp(t, overflow_stack, sp);
    L4_ThreadId_t from;
    unsigned served = 0;
    L4_MsgTag_t tag;
    if (handler) {
        /* The stack's pages come from the pager; the guard below it does not. */
        tag = h_serve_faults(t, &from, &served);
        H_EQ(served, 4);
        H_CHECK(h_is_exception(tag));
        L4_Word_t mr[5];
        L4_StoreMRs(1, 4, &mr[1]);
        H_EQ(from.raw, t.raw); /* the exception names the thread that overflowed */
        H_CHECK(mr[2] >= lo - PAGE && mr[2] < lo);
        H_EQ(mr[3], L4_Writable);
        H_CHECK(mr[4] >= lo - PAGE && mr[4] < lo + PAGE);
        L4_LoadMR(0, 0);
        H_IPC_OK(L4_Send_Timeout(t, H_MEM_WAIT));
    } else {
        for (unsigned i = 0; i < 4; i++) {
            struct h_fault f;
            if (h_expect_pagefault(t, &f))
                h_reply_map(t, h_sigma0_page(), L4_ReadWriteOnly, f.addr & ~(PAGE - 1));
        }
    }
    wait_exception_halt(t, 1);
    if (!handler) {
        char msg[1024], want[64];
        release_stderr(&cap, msg, sizeof(msg));
        snprintf(want, sizeof(want), "thread %lu.%lu: stack overflow", L4_ThreadNo(t),
                 L4_Version(t));
        if (!strstr(msg, want))
            h_fail_at(__FILE__, __LINE__, "stderr lacks '%s': %s", want, msg);
    }
    return 0;
}

static void guard_page_touch_is_a_stack_overflow_exception_naming_the_thread(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_guard, (void *) 1), 0);
}

static void guard_page_touch_without_handler_halts_with_a_message_naming_it(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_guard, NULL), 0);
}

#define LABEL_SUM 0x66

/* Touch h_arg()'s address, then sum the first word of each page of its 64 KiB. */
static void touch_and_sum(void *kip)
{
    (void) kip;
    L4_Word_t addr = (L4_Word_t) h_arg(), sum = 0;
    sum += *(volatile L4_Word_t *) addr * 0; /* the fault */
    for (L4_Word_t i = 0; i < 16; i++)
        sum += *(volatile L4_Word_t *) ((addr & ~0xffffUL) + i * PAGE);
    h_load_words(LABEL_SUM, 1, &sum);
    L4_Call(h_root());
}

/*
 * A pager may answer with more than the faulting page: the fault's receive
 * window is the whole space, and a 64 KiB fpage with the fault address as
 * send base lands on the 64 KiB around it. One fault maps all sixteen.
 */
static int body_big_reply(void *arg)
{
    (void) arg;
    L4_Fpage_t big = L4_Sigma0_GetAny(h_sigma0(), 16, L4_CompleteAddressSpace);
    L4_Word_t src = L4_Address(big), want = 0;
    for (L4_Word_t i = 0; i < 16; i++) {
        *(volatile L4_Word_t *) (src + i * PAGE) = 100 + i;
        want += 100 + i;
    }
    L4_ThreadId_t t = h_new_space(0, L4_nilthread, NULL);
    L4_Word_t addr = h_window(t, NULL) + 0x235008;
    h_set_arg(t, (void *) addr);
    h_start_sp(t, touch_and_sum, 0);
    struct h_fault f;
    if (!h_expect_pagefault(t, &f))
        return 1;
    H_EQ(f.addr, addr);
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(big, L4_ReadWriteOnly), f.addr);
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.t = 2;
    L4_Set_MsgTag(tag);
    L4_LoadMRs(1, 2, m.raw);
    H_IPC_OK(L4_Send_Timeout(t, H_MEM_WAIT));
    tag = h_receive_fault(t, &f);
    H_EQ(L4_Label(tag), LABEL_SUM); /* no second fault came first */
    L4_Word_t sum = 0;
    L4_StoreMR(1, &sum);
    H_EQ(sum, want);
    H_EQ(h_stats().page_faults, 1);
    return 0;
}

static void pager_reply_of_a_64k_fpage_maps_the_64k_around_the_fault(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_big_reply, NULL), 0);
}

/*
 * The pager answers the first fault of the stack with 2 MiB of memory
 * around it, over the guard page too: the guard stays unmapped, so the
 * overflow is still caught there, and does not run on into the pages below.
 */
static int body_guard_mapped_over(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_new_space(0, L4_nilthread, (void *) 1);
    L4_Word_t base = h_window(t, NULL);
    L4_Word_t lo = base + 0x100000, hi = lo + 4 * PAGE;
    L4_Word_t sp = h_window_stack(t, lo, hi);
    H_EQ(sp, hi);
    L4_Fpage_t big = L4_Sigma0_GetAny(h_sigma0(), 21, L4_CompleteAddressSpace);
    uint64_t m0 = h_stats().mappings;
    h_start_sp(t, overflow_stack, sp);
    struct h_fault f;
    if (!h_expect_pagefault(t, &f))
        return 1;
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(big, L4_ReadWriteOnly), base);
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.t = 2;
    L4_Set_MsgTag(tag);
    L4_LoadMRs(1, 2, m.raw);
    H_IPC_OK(L4_Send_Timeout(t, H_MEM_WAIT));
    if (h_expect_exception(t, &f)) {
        H_CHECK(f.addr >= lo - PAGE && f.addr < lo);
        H_EQ(f.access, L4_Writable);
    }
    H_EQ(h_stats().mappings, m0 + 511); /* all of it but the guard */
    H_CHECK(!host_readable(lo - PAGE));
    H_CHECK(host_readable(lo - 2 * PAGE));
    L4_LoadMR(0, 0);
    H_IPC_OK(L4_Send_Timeout(t, H_MEM_WAIT));
    wait_exception_halt(t, 1);
    return 0;
}

static void guard_page_under_a_larger_mapping_stays_unmapped_and_catches_overflow(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_guard_mapped_over, NULL), 0);
}

/* ------------------------------------------- SIGSEGV handler between runs */

/*
 * A program may install its own SIGSEGV handler between runs (CMocka does
 * around every test case): the next run must still turn window touches
 * into page faults.
 */
static void faults_reach_the_pager_after_the_program_replaced_sigsegv(void **state)
{
    (void) state;
    struct sigaction saved;
    sigaction(SIGSEGV, NULL, &saved);
    assert_int_equal(h_run(body_first_touch, NULL), 0);
    signal(SIGSEGV, SIG_DFL);
    assert_int_equal(h_run(body_first_touch, NULL), 0);
    signal(SIGSEGV, SIG_IGN);
    assert_int_equal(h_run(body_read_only, NULL), 0);
    sigaction(SIGSEGV, &saved, NULL);
}

/* ---------------------------------------------- not ours: outside windows */

static const char *self_path;

static int touch_outside(void *arg)
{
    return (int) *(volatile char *) arg;
}

static void exit_42(int sig)
{
    (void) sig;
    _exit(42);
}

/* In a fresh process: the root touches a PROT_NONE page of its own. */
static int child_main(const char *mode)
{
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    void *page = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!strcmp(mode, "previous-handler"))
        signal(SIGSEGV, exit_42);
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    l4sim_run(&cfg, touch_outside, page);
    return 3; /* the touch should not have come back */
}

/* Run this program as child_main(mode); its wait status. */
static int run_child(const char *mode)
{
    pid_t pid = fork();
    if (pid == 0) {
        /* Sanitizers must not catch the SIGSEGV themselves. */
        const char *asan = getenv("ASAN_OPTIONS");
        char opts[512];
        snprintf(opts, sizeof(opts), "%s%shandle_segv=0", asan ? asan : "", asan ? ":" : "");
        setenv("ASAN_OPTIONS", opts, 1);
        execl(self_path, self_path, mode, (char *) NULL);
        _exit(4);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

static void fault_outside_every_window_is_a_host_sigsegv(void **state)
{
    (void) state;
    int status = run_child("--child=default");
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSEGV);
}

static void fault_outside_every_window_goes_to_the_previous_handler(void **state)
{
    (void) state;
    int status = run_child("--child=previous-handler");
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 42);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strncmp(argv[1], "--child=", 8))
        return child_main(argv[1] + 8);
    self_path = realpath(argv[0], NULL);
    if (!self_path)
        self_path = strdup(argv[0]);
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_touch_read_and_write_fault_with_access_address_and_ip),
        cmocka_unit_test(write_to_read_only_mapping_faults_again_with_the_write_bit),
        cmocka_unit_test(instruction_fetch_faults_with_the_execute_bit),
        cmocka_unit_test(fault_of_a_thread_in_the_pagers_own_space),
        cmocka_unit_test(fault_while_composing_a_message_keeps_its_registers),
        cmocka_unit_test(page_taken_back_before_the_retry_faults_again),
        cmocka_unit_test(pager_deleted_while_the_fault_waits_halts_the_thread),
        cmocka_unit_test(pager_deleted_while_the_fault_waits_raises_an_exception),
        cmocka_unit_test(pager_that_never_existed_raises_an_exception),
        cmocka_unit_test(touch_of_another_window_raises_an_exception_the_handler_resumes),
        cmocka_unit_test(touch_of_a_sibling_window_without_handler_halts_the_thread),
        cmocka_unit_test(guard_page_touch_is_a_stack_overflow_exception_naming_the_thread),
        cmocka_unit_test(guard_page_touch_without_handler_halts_with_a_message_naming_it),
        cmocka_unit_test(guard_page_under_a_larger_mapping_stays_unmapped_and_catches_overflow),
        cmocka_unit_test(pager_reply_of_a_64k_fpage_maps_the_64k_around_the_fault),
        cmocka_unit_test(faults_reach_the_pager_after_the_program_replaced_sigsegv),
        cmocka_unit_test(fault_outside_every_window_is_a_host_sigsegv),
        cmocka_unit_test(fault_outside_every_window_goes_to_the_previous_handler),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free((void *) self_path);
    return failed;
}

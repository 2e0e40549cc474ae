/*
 * The page-fault path: a SIGSEGV in a thread's own window becomes the X.2
 * page-fault IPC to its pager; the reply's map item is installed and the
 * access retried. Runs in a signal handler on the thread's alternate
 * stack, so it uses only futexes, atomics and system calls. Faults that are
 * not ours go to whoever handled SIGSEGV before us, or to the default.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "faults.h"
#include "memory.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#define ALTSTACK_SIZE (64UL << 10)
#define X86_PF_WRITE  (1UL << 1)
#define X86_PF_INSTR  (1UL << 4)

static struct sigaction previous_segv;
static bool installed;

/* ------------------------------------------------------ diagnostics */

static void diag(const char *s)
{
    ssize_t ignored = write(2, s, strlen(s));
    (void) ignored;
}

static void diag_num(word_t v, unsigned base)
{
    char buf[24];
    int n = (int) sizeof(buf);
    buf[--n] = 0;
    do {
        buf[--n] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    diag(base == 16 ? "0x" : "");
    diag(&buf[n]);
}

/* ------------------------------------------------------- alt stacks */

int fault_thread_init(struct tcb *t)
{
    void *p = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    stack_t ss = {.ss_sp = p, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(p, ALTSTACK_SIZE);
        return -1;
    }
    /* Not registered with valgrind as a stack: it knows sigaltstack itself,
     * and a registration makes memcheck misjudge the handler's frames. */
    t->altstack = p;
    return 0;
}

void fault_thread_exit(struct tcb *t)
{
    if (!t->altstack)
        return;
    stack_t ss = {.ss_flags = SS_DISABLE};
    sigaltstack(&ss, NULL);
    munmap(t->altstack, ALTSTACK_SIZE);
    t->altstack = NULL;
}

/* -------------------------------------------------- not ours: pass on */

static void pass_on(int sig, siginfo_t *si, void *uc)
{
    if ((previous_segv.sa_flags & SA_SIGINFO) && previous_segv.sa_sigaction) {
        previous_segv.sa_sigaction(sig, si, uc);
        return;
    }
    if (previous_segv.sa_handler != SIG_DFL && previous_segv.sa_handler != SIG_IGN &&
        previous_segv.sa_handler) {
        previous_segv.sa_handler(sig);
        return;
    }
    /* Re-executing the access with the default action makes a normal crash. */
    signal(sig, SIG_DFL);
}

/* --------------------------------------------------------- messages */

/* Everything a kernel-made IPC may overwrite: a pager's reply can be any size. */
struct saved_regs {
    word_t mr[L4SIM_NUM_MRS], br0, error_code;
};

static void save_regs(struct l4sim_utcb *u, struct saved_regs *r)
{
    memcpy(r->mr, u->mr, sizeof(r->mr));
    r->br0 = u->br[0];
    r->error_code = u->error_code;
}

static void restore_regs(struct l4sim_utcb *u, const struct saved_regs *r)
{
    memcpy(u->mr, r->mr, sizeof(r->mr));
    u->br[0] = r->br0;
    u->error_code = r->error_code;
}

static word_t window_fpage(const struct space *s)
{
    return s->win_base | ((word_t) __builtin_ctzl(s->win_size) << 4);
}

static const char *access_name(unsigned access)
{
    return access == RIGHT_W ? "write" : access == RIGHT_X ? "execute" : "read";
}

/* Ask the pager for a mapping; true when the access may be retried. */
static bool pagefault_ipc(struct tcb *self, word_t addr, word_t ip, unsigned access,
                          word_t timeouts)
{
    struct l4sim_utcb *u = self->utcb;
    word_t pager = u->pager;
    if (pager == ID_NIL || !tcb_lookup(self, pager))
        return false;
    struct saved_regs saved;
    save_regs(u, &saved);
    u->mr[0] = ((PAGEFAULT_LABEL | access) << 16) | 2;
    u->mr[1] = addr;
    u->mr[2] = ip;
    u->br[0] = window_fpage(self->space);
    trace_event(TR_PAGEFAULT, self->id, pager, addr, access_name(access));
    atomic_fetch_add_explicit(&kernel.page_faults, 1, memory_order_relaxed);
    self->page_faults++;
    if (fault_check(FP_PAGEFAULT_PAGER_REFUSE, self, pager, PAGEFAULT_LABEL | access, true, NULL)) {
        restore_regs(u, &saved);
        return false; /* as if the pager had answered without a mapping */
    }
    /*
     * Resolved means the reply mapped the page with the rights, or they
     * are there anyway. Whether they still are when the access is retried
     * is another matter: a page taken away meanwhile (another thread of
     * the pager unmapping it, say) faults again, as on a real kernel,
     * instead of counting as refused.
     */
    self->fault_page = addr & ~(PAGE_SIZE - 1);
    self->fault_rights = 0;
    word_t from;
    word_t tag = ipc_do(self, pager, pager, timeouts, &from);
    unsigned got = self->fault_rights | mem_rights_at(self->space, addr);
    self->fault_page = 0;
    bool ok = !(tag & TAG_ERROR_FLAG) && (got & access) == access;
    restore_regs(u, &saved);
    return ok;
}

/*
 * A fault the kernel raises for a thread inside a system call (a string it
 * sends or receives lies on pages not mapped yet), under the 16-bit xfer
 * timeout given.
 */
bool fault_resolve(struct tcb *self, word_t addr, unsigned access, unsigned xfer_timeout)
{
    word_t t = xfer_timeout & 0xffff;
    return pagefault_ipc(self, addr, 0, access, (t << 16) | t);
}

/*
 * Tell the thread's exception handler, which may answer with a new IP and
 * SP (MR1, MR2). Without a handler the thread halts with a message naming
 * it, so a bad access is never a silent hang.
 */
static void raise_exception(struct tcb *self, ucontext_t *uc, word_t addr, word_t ip,
                            unsigned access, const char *why)
{
    struct l4sim_utcb *u = self->utcb;
    word_t handler = u->exception_handler;
    trace_event(TR_EXCEPTION, self->id, handler, addr, why);
    atomic_fetch_add_explicit(&kernel.exceptions, 1, memory_order_relaxed);
    if (handler != ID_NIL && tcb_lookup(self, handler)) {
        struct saved_regs saved;
        save_regs(u, &saved);
        u->mr[0] = (EXCEPTION_LABEL << 16) | 4;
        u->mr[1] = ip;
        u->mr[2] = addr;
        u->mr[3] = access;
        u->mr[4] = (word_t) uc->uc_mcontext.gregs[REG_RSP];
        word_t from;
        word_t tag = ipc_do(self, handler, handler, 0, &from);
        bool resume = !(tag & TAG_ERROR_FLAG) && (tag & 0x3f) >= 2;
        word_t new_ip = u->mr[1], new_sp = u->mr[2];
        restore_regs(u, &saved);
        if (resume) {
            uc->uc_mcontext.gregs[REG_RIP] = (greg_t) new_ip;
            uc->uc_mcontext.gregs[REG_RSP] = (greg_t) new_sp;
            return;
        }
    } else {
        diag("l4sim: thread ");
        diag_num(id_threadno(self->id), 10);
        diag(".");
        diag_num(id_version(self->id), 10);
        diag(": ");
        diag(why);
        diag(" at ");
        diag_num(addr, 16);
        diag(" (ip ");
        diag_num(ip, 16);
        diag("); it has no exception handler and is halted\n");
    }
    atomic_store_explicit(&self->halt_requested, true, memory_order_seq_cst);
}

/* ---------------------------------------------------------- the handler */

/* Does the instruction at ip store at the stack pointer after moving it (push, call)? */
static bool pushes(const unsigned char *ip)
{
    while (*ip == 0x66 || (*ip & 0xf0) == 0x40) /* operand size, REX */
        ip++;
    if ((*ip >= 0x50 && *ip <= 0x57) || *ip == 0x6a || *ip == 0x68 || *ip == 0x9c || *ip == 0xe8)
        return true;
    unsigned reg = (ip[1] >> 3) & 7; /* 0xff /2 is call r/m, /6 push r/m */
    return *ip == 0xff && (reg == 2 || reg == 6);
}

/*
 * Valgrind moves SP before the store of a push or call is done, so when
 * that store faults (the first touch of a stack page its pager has not
 * mapped) the context we get already has SP moved, and retrying the
 * instruction would move it a second time: SP would end 8 bytes low and
 * the next aligned SSE access fault. On hardware the fault leaves SP
 * alone and the address is 8 below it, so an address equal to SP at a
 * push or call can only be Valgrind's: put SP back.
 */
static void undo_valgrind_push(ucontext_t *uc, word_t addr, word_t ip)
{
    if (RUNNING_ON_VALGRIND && addr == (word_t) uc->uc_mcontext.gregs[REG_RSP] &&
        pushes((const unsigned char *) ip))
        uc->uc_mcontext.gregs[REG_RSP] += 8;
}

/*
 * A thread that jumps where there is no code (a wild or corrupted start
 * IP, a null function pointer), or is started on a stack that is not
 * memory, has gone wrong by itself: that is its exception, as on a real
 * kernel, and no reason to take the whole simulator down.
 */
static bool thread_went_wild(word_t addr, word_t ip)
{
    /* An instruction fetch; not told by the error code's fetch bit, which
     * Valgrind leaves 0. */
    if (addr == ip)
        return true;
    return ip >= (word_t) arch_user_switch && ip < (word_t) arch_user_switch_end;
}

static void segv_handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    word_t addr = (word_t) si->si_addr;
    word_t ip = (word_t) uc->uc_mcontext.gregs[REG_RIP];
    struct tcb *self = current_tcb;
    struct space *owner = window_owner(addr);
    /* Code that lives in a window (an ELF task's) is the task's: a fault of
     * it anywhere is the task's too, not a bug of the host program. */
    bool task_code = self && self->space && window_owner(ip) == self->space;
    word_t err = (word_t) uc->uc_mcontext.gregs[REG_ERR];
    bool wild = !owner && !task_code && thread_went_wild(addr, ip);
    if (!self || (!owner && !task_code && !wild) ||
        atomic_load_explicit(&self->run, memory_order_acquire) != RUN_USER) {
        pass_on(sig, si, ucv);
        return;
    }
    unsigned access = (err & X86_PF_WRITE) ? RIGHT_W : (err & X86_PF_INSTR) ? RIGHT_X : RIGHT_R;

    kernel_enter_fault(self); /* a scheduling point: another thread may run first */
    undo_valgrind_push(uc, addr, ip);
    if (wild)
        raise_exception(self, uc, addr, ip, access,
                        ip == addr ? "jump to an address with no code"
                                   : "start stack is not memory");
    else if (!owner)
        raise_exception(self, uc, addr, ip, access, "access outside every address space");
    else if (owner != self->space)
        raise_exception(self, uc, addr, ip, access, "access outside its own address space");
    else if (window_is_guard(owner, addr))
        raise_exception(self, uc, addr, ip, access, "stack overflow into the guard page");
    else if (!pagefault_ipc(self, addr, ip, access, 0))
        raise_exception(self, uc, addr, ip, access, "page fault its pager did not resolve");
    kernel_exit(self); /* halts here if the fault could not be resolved */
}

/*
 * Called at every boot. The program may have set its own SIGSEGV handler
 * since the last run (CMocka does around each test case): ours goes in
 * again and the new one becomes the handler faults outside windows go to.
 */
void fault_install(void)
{
    struct sigaction current;
    if (installed && sigaction(SIGSEGV, NULL, &current) == 0 && (current.sa_flags & SA_SIGINFO) &&
        current.sa_sigaction == segv_handler)
        return; /* still ours */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous_segv);
    installed = true;
}

/*
 * Kernel internals shared by the files of src/ipc: thread control blocks,
 * spaces, the global kernel state and the seams (sched, clock, trace).
 * Nothing outside src/ipc may include this header.
 */
#ifndef L4SIM_KERNEL_H
#define L4SIM_KERNEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <l4sim/abi.h>
#include <l4sim/l4sim.h>

typedef unsigned long word_t;

#define KERNEL_API __attribute__((visibility("default")))

/* Thread-number layout reported in the KIP. */
#define THREADNO_SYSTEM_BASE 16
#define THREADNO_USER_BASE   32
#define THREADNO_SIGMA0      (THREADNO_USER_BASE + 0)
#define THREADNO_SIGMA1      (THREADNO_USER_BASE + 1)
#define THREADNO_ROOT        (THREADNO_USER_BASE + 2)
#define THREADNO_BITS        32

/* A global ID's version has non-zero low bits; local IDs have them zero. */
#define ID_LOCAL_MASK    0x3fUL
#define ID_NIL           0UL
#define ID_ANY           (~0UL)
#define ID_ANYLOCAL      (~0UL << 6)
#define id_threadno(id)  ((id) >> 32)
#define id_version(id)   ((id) &0xffffffffUL)
#define id_make(no, ver) (((word_t) (no) << 32) | ((ver) &0xffffffffUL))
#define id_is_global(id) (((id) &ID_LOCAL_MASK) != 0)

/* UTCBs are this big and this aligned inside a space's UTCB area. */
#define UTCB_SIZE_LOG2 10
#define UTCB_SIZE      (1UL << UTCB_SIZE_LOG2)
_Static_assert(sizeof(struct l4sim_utcb) <= UTCB_SIZE, "UTCB does not fit its slot");

/* --------------------------------------------------------------- fpages */

static inline unsigned fpage_size_log2(word_t f)
{
    return (unsigned) ((f >> 4) & 0x3f);
}

static inline word_t fpage_base(word_t f)
{
    unsigned s = fpage_size_log2(f);
    word_t mask = s >= 64 ? ~0UL : (1UL << s) - 1;
    return f & ~0x3ffUL & ~mask;
}

/* ---------------------------------------------------------------- locks */

/*
 * A small futex mutex (0 free, 1 locked, 2 locked with waiters). Usable from
 * the page-fault signal handler; never held across a block.
 */
struct klock {
    _Atomic uint32_t word;
};
void klock_acquire(struct klock *l);
void klock_release(struct klock *l);

/* --------------------------------------------------------------- spaces */

struct mapping;

struct space {
    /* Guarded by kernel.control_lock: */
    bool live;
    bool initialized; /* SpaceControl gave it KIP and UTCB areas */
    unsigned threads; /* threads that name this space */
    unsigned active_threads;
    word_t kip_area;  /* fpage */
    word_t utcb_area; /* fpage */
    word_t redirector;
    /* UTCB storage: one UTCB_SIZE slot per possible UTCB location, and
     * the thread using each (atomic access: local-ID lookups race). */
    unsigned char *utcb_slots;
    struct tcb **slot_owner;
    word_t utcb_slot_count;
    unsigned index; /* position in kernel.spaces, for traces */

    /* The window: guarded by mem.lock (memory.h), fixed while live. */
    word_t win_base, win_size;
    unsigned win_index;  /* 0 is the physical window */
    bool is_sigma0;      /* owns every frame, maps nothing on the host */
    struct mapping **pt; /* page table: one entry per page of the window */
    bool host_unclean;   /* the host refused to tidy it: reset the window at detach */
    /* Stack guard pages (l4sim_window_stack): page addresses, mem.lock. */
    word_t guards[64];
    unsigned guard_count;
};

/* -------------------------------------------------------------- threads */

enum thread_life {
    LIFE_FREE = 0, /* slot unused */
    LIFE_INACTIVE, /* exists, no pager yet: no host thread */
    LIFE_ACTIVE,   /* has a host thread */
    LIFE_DYING,    /* being deleted: IPC to it fails */
};

/* Receiver side of a rendezvous. */
enum ipc_state {
    IPC_IDLE = 0,  /* not receiving */
    IPC_RECEIVING, /* blocked, open for a sender matching recv_from */
    IPC_LOCKED,    /* a sender claimed this thread and is copying into it */
    IPC_DONE,      /* the message (or an error) has been delivered */
};

/* Sender side of a rendezvous that had to wait. */
enum send_state {
    SEND_NONE = 0,
    SEND_QUEUED, /* in send_dest's queue */
    SEND_LOCKED, /* a receiver took it off the queue and is copying */
    SEND_DONE,   /* the receiver finished; send_error holds the outcome */
};

/* Who releases a dying thread's slot: its deleter after joining it, or
 * the thread itself when the deleter was killed while it waited. */
enum reap_state { REAP_JOIN = 0, REAP_ORPHANED, REAP_EXITING };

/* Why a thread stopped running user code. */
enum run_state {
    RUN_USER = 0,  /* executing user code */
    RUN_KERNEL,    /* inside a system call */
    RUN_HALTED,    /* halted by ExchangeRegisters or because its code returned */
    RUN_WAIT_START /* active, waiting for its start message */
};

struct tcb {
    /* Written under kernel.control_lock while the thread is not running;
     * read freely by the thread itself and by IPC partners that validated
     * the ID. */
    word_t id; /* global ID, raw */
    _Atomic int life;
    struct space *space;
    struct l4sim_utcb *utcb;
    word_t utcb_location;
    word_t scheduler;
    pthread_t host;
    bool host_started;

    /* Scheduling parameters, guarded by kernel.control_lock. */
    word_t priority;
    word_t timeslice_ctl;
    word_t preemption_ctl;

    /* Receiver side (see ipc.c): an enum ipc_state plus a generation.
     * IDLE->RECEIVING only by the owner under its lock; RECEIVING->LOCKED
     * by the CAS of a sender (or of an aborter); LOCKED->DONE by whoever
     * holds the claim; DONE->IDLE by the owner. */
    _Atomic uint64_t ipc_word;
    word_t recv_from;    /* from-specifier while RECEIVING (atomic access) */
    word_t recv_partner; /* who delivered; valid once DONE */
    word_t recv_error;   /* error for the receive phase; valid once DONE */

    /* Sender side: guarded by send_dest->lock while QUEUED. */
    _Atomic int send_state;
    struct tcb *send_dest;
    struct tcb *queue_next, *queue_prev;
    word_t send_error;  /* valid once SEND_DONE */
    bool send_has_recv; /* Ipc with a receive phase after the send */

    /* This thread's queue of waiting senders, highest priority first. */
    struct klock lock;
    struct tcb *queue_head, *queue_tail; /* guarded by lock */

    /* Control, set by other threads. */
    _Atomic int run;
    _Atomic bool kill_requested;
    _Atomic bool halt_requested;
    _Atomic uint32_t wake_seq; /* futex word for sched_block */
    /* Deterministic mode (sched_det.c), guarded by its lock. */
    _Atomic uint32_t cpu_grant; /* futex word: 1 = this thread may run */
    int det_state;
    uint64_t det_deadline;
    uint64_t det_slice_start;
    bool det_timed_out;
    _Atomic uint32_t sleeping; /* in (or about to enter) FUTEX_WAIT on wake_seq */
    _Atomic int waker_cpu;     /* 1 + host CPU of the last sched_wake(this); 0: none yet */
    word_t start_ip, start_sp; /* guarded by control_lock; used while halted */
    _Atomic bool start_pending;

    /* Host stack pointers saved by arch_user_enter: exit_sp for leaving
     * the thread for good, user_frame_sp for restarting its user code. */
    void *exit_sp;
    void *user_frame_sp;
    word_t user_ip, user_sp; /* last known, for ExchangeRegisters */
    _Atomic uint32_t exited; /* futex word: host thread is done */
    _Atomic int reap;        /* enum reap_state: who frees the slot of a dying thread */
    struct tcb *reaper;      /* the thread joining us, woken when we exit */
    bool self_deleted;

    /* 1 while a system call made on a window stack runs on the host stack
     * (set and cleared by arch_kernel_call; read by the kick handler). */
    volatile int on_host_stack;

    /* A page fault this thread is waiting on (fault.c): the page, and the
     * rights the reply's map items gave it there (message.c, while the
     * pager copies the reply in). Handed over by the IPC itself. */
    word_t fault_page;
    unsigned fault_rights;

    /* Alternate signal stack for the page-fault handler. */
    void *altstack;
    void *host_stack_lo; /* lowest address of the host (pthread) stack */

    /* Statistics, written by the thread itself (l4sim_sys_thread_stats reads them). */
    uint64_t ipc_sent, ipc_received, page_faults;
    uint64_t det_cpu_us;   /* deterministic mode: virtual time it held the CPU */
    uint64_t det_cpu_mark; /* when it last got the CPU, or its time was last added */

    /* Send accounting for the invariant "no message lost without an error
     * to its sender" (invariant.c): every send phase started ends ok,
     * failed, dropped by injection, or abandoned because the sender was
     * killed. Written by the thread itself, except sends_ok, which whoever
     * copies the message bumps while the sender is held in the rendezvous.
     * Added to the kernel's totals when the slot is released. */
    uint64_t sends_started, sends_ok, sends_failed, sends_dropped, sends_abandoned;
    bool hung; /* server/hang fired: it never receives again */
};

/* ------------------------------------------------------- kernel globals */

struct kernel {
    bool booted;
    struct l4sim_config cfg;
    struct klock control_lock; /* ThreadControl, SpaceControl, ExchangeRegisters */

    struct tcb *tcbs; /* indexed by thread number */
    word_t tcb_count;
    struct space *spaces;
    unsigned space_count;

    void *kip;
    struct space *root_space;
    struct l4sim_utcb orphan_utcb;
    uint64_t boot_time_us;

    _Atomic uint32_t root_done;        /* futex word: root thread finished */
    _Atomic uint32_t detached_threads; /* futex word: self-deleted threads still exiting */
    int root_result;

    /* Statistics. */
    _Atomic uint64_t ipc_count;
    _Atomic uint64_t threads_created;
    _Atomic uint64_t page_faults;
    _Atomic uint64_t exceptions;
    _Atomic uint64_t threads_released; /* slots released; equals threads_created at the end */
    /* Send accounting of released slots (see struct tcb). */
    _Atomic uint64_t sends_started, sends_ok, sends_failed, sends_dropped, sends_abandoned;
};

extern struct kernel kernel;

/* The TCB of the calling thread, or NULL for a host thread. */
extern __thread struct tcb *current_tcb __attribute__((tls_model("initial-exec")));

/* -------------------------------------------------------------- lookups */

struct tcb *tcb_by_threadno(word_t no);
/* A live thread named by a global ID (version checked) or a local ID of the
 * caller's space; NULL otherwise. */
struct tcb *tcb_lookup(struct tcb *self, word_t id);
/* Map a local ID to a thread of the caller's space. */
struct tcb *tcb_lookup_local(struct tcb *self, word_t local_id);
bool id_matches_from(struct tcb *receiver, word_t from_spec, struct tcb *sender);

/* ---------------------------------------------------------------- seams */

/* sched: every block and every wake. Deadlines are absolute µs since boot. */
enum block_result { BLOCK_WOKEN, BLOCK_TIMEOUT };
enum block_result sched_block(struct tcb *self, uint32_t seen_seq, uint64_t deadline_us);
void sched_wake(struct tcb *t);
uint32_t sched_wake_seq(struct tcb *self);
void sched_futex_wait(_Atomic uint32_t *word, uint32_t val);
void sched_futex_wake(_Atomic uint32_t *word, int count);
void sched_yield_cpu(void);

/* Deterministic mode (sched_det.c); the hooks do nothing in free mode. */
int sched_boot(const struct l4sim_config *cfg);
void sched_shutdown(void);
bool sched_deterministic(void);
uint64_t sched_virtual_now(void);
uint64_t sched_decisions(void);
bool sched_deadlocked(void);
void sched_thread_ready(struct tcb *t);
void sched_thread_begin(struct tcb *self);
void sched_thread_end(struct tcb *self);
void sched_dispatch(void);
void sched_stop_world(struct tcb *self);
void sched_wait_idle(void);
void sched_det_kernel_entry(struct tcb *self);
void sched_det_yield(struct tcb *self);
enum block_result sched_det_block(struct tcb *self, uint32_t seen_seq, uint64_t deadline);
void sched_det_wake(struct tcb *t);

/* clock: every reading of time, in microseconds since boot. */
uint64_t clock_now_us(void);
void clock_boot(void);

/* trace: every kernel event, one line each. */
enum trace_kind {
    TR_BOOT,
    TR_SHUTDOWN,
    TR_THREAD_CREATE,
    TR_THREAD_START,
    TR_THREAD_HALT,
    TR_THREAD_RESUME,
    TR_THREAD_DELETE,
    TR_SPACE_CREATE,
    TR_SPACE_DELETE,
    TR_SEND,
    TR_RECV,
    TR_TIMEOUT,
    TR_ERROR,
    TR_NOTE,
    TR_PAGEFAULT, /* a: faulting thread, b: pager, tag: address, note: access */
    TR_EXCEPTION, /* a: thread, b: exception handler, tag: address, note: why */
    TR_MAP,       /* a: receiver, b: sender, tag: receive address, note: map or grant */
    TR_UNMAP,     /* a: caller, tag: fpage */
};
bool trace_enabled(void);
void trace_event(enum trace_kind kind, word_t a, word_t b, word_t tag, const char *note);
void trace_boot(const struct l4sim_config *cfg);
void trace_shutdown(void);
uint64_t trace_hash(void);
uint64_t trace_count(void);
/* "fault <point> <thread> [-> <partner>] [label=0x..] [detail]" */
void trace_fault(const char *point, word_t a, word_t b, word_t label, bool has_label,
                 const char *detail);

/* ------------------------------------------------------------ internals */

/* ErrorCode of the non-IPC system calls (X.2 numbering, L4_Err* in <l4/types.h>). */
enum syscall_error {
    ERR_NO_PRIVILEGE = 1,
    ERR_INVALID_THREAD = 2,
    ERR_INVALID_SPACE = 3,
    ERR_INVALID_SCHEDULER = 4,
    ERR_INVALID_PARAM = 5,
    ERR_UTCB_AREA = 6,
    ERR_KIP_AREA = 7,
    ERR_NO_MEM = 8,
};

/* IPC error codes for the ErrorCode TCR: phase bit 0, type bits 1..3. */
#define IPCERR_SEND         0UL
#define IPCERR_RECV         1UL
#define IPCERR_TIMEOUT      (1UL << 1)
#define IPCERR_NOPARTNER    (2UL << 1)
#define IPCERR_CANCELED     (3UL << 1)
#define IPCERR_OVERFLOW     (4UL << 1)
#define IPCERR_XFER_INVOKER (5UL << 1)
#define IPCERR_XFER_PARTNER (6UL << 1)
#define IPCERR_ABORTED      (7UL << 1)

/* Labels of kernel-protocol messages, cut to the 48-bit label field. */
#define LABEL_MASK      ((1UL << 48) - 1)
#define PAGEFAULT_LABEL (((word_t) -2 << 4) & LABEL_MASK)
#define EXCEPTION_LABEL (((word_t) -4 << 4) & LABEL_MASK)
#define SIGMA0_LABEL    (((word_t) -6 << 4) & LABEL_MASK)

#define TAG_ERROR_FLAG (1UL << 15)
#define TAG_FLAGS_MASK (0xfUL << 12)

word_t ipc_do(struct tcb *self, word_t to, word_t from_spec, word_t timeouts, word_t *from);
/* Fail every IPC that involves a dying thread. Called by the thread itself. */
void ipc_unwind_dying(struct tcb *self);
/* Cancel a blocked IPC of another thread (ExchangeRegisters abort). */
void ipc_cancel(struct tcb *t, bool abort_send, bool abort_recv);
/* Report a thread's IPC state for ExchangeRegisters and Schedule. */
bool ipc_is_receiving(struct tcb *t);
bool ipc_is_sending(struct tcb *t);

/* Entering and leaving the kernel on the calling thread. */
struct tcb *kernel_enter(void);
struct tcb *kernel_enter_yielding(void);
void kernel_enter_fault(struct tcb *self);
void kernel_exit(struct tcb *self);

/*
 * The kernel never runs on a stack in a window: a pager may take such a
 * page away at any moment, and the kernel cannot fault. So each system
 * call's entry function is user code that puts its arguments in the
 * calling thread's sysargs (host memory, never the caller's stack), runs
 * the call's kernel part with kernel_call, and copies the results out
 * again as user code, where a missing stack page is an ordinary user page
 * fault. Called on a window stack, kernel_call runs the kernel part on the
 * thread's host stack; anywhere else it just calls it.
 */
struct sysargs {
    word_t in[7];
    word_t out[6];
};
typedef word_t (*kernel_part)(struct sysargs *a);
extern __thread struct sysargs sysargs __attribute__((tls_model("initial-exec")));
word_t kernel_call_on_host_stack(struct tcb *t, kernel_part fn, struct sysargs *a);

static inline word_t kernel_call(kernel_part fn, struct sysargs *a)
{
    struct tcb *t = current_tcb;
    word_t sp;
    __asm__("mov %%rsp, %0" : "=r"(sp));
    if (t && t->space && sp - t->space->win_base < t->space->win_size)
        return kernel_call_on_host_stack(t, fn, a);
    return fn(a);
}

/* Leave user code for good: jumps back to the thread's host entry. Not
 * declared noreturn for the reason given at arch_user_leave. */
void thread_abandon_user_jump(struct tcb *self);
#define thread_abandon_user(t) (thread_abandon_user_jump(t), __builtin_unreachable())

/*
 * Valgrind tracks the stack pointer: a move between two stacks less than
 * --max-stackframe apart looks like a huge frame, and everything in between
 * (other threads' stacks, the TCB table) is marked inaccessible. Stacks
 * registered here are recognised as separate stacks. No-ops unless the
 * process runs under valgrind (and valgrind.h was there at build time).
 */
unsigned stack_register(void *base, size_t size);
void stack_deregister(unsigned id);

int thread_host_start(struct tcb *t);
void thread_kill_and_join(struct tcb *t);
void thread_release_slot(struct tcb *t);
/* thread/crash: the calling thread dies here, as if it had deleted itself. */
void thread_crash(struct tcb *self);
void threads_kill_all(void);

struct space *space_alloc(void);
word_t space_control(struct tcb *self, word_t space_spec, word_t control, word_t kip_area,
                     word_t utcb_area, word_t redirector, word_t *old_control);
bool space_set_areas(struct space *s, word_t kip_area, word_t utcb_area, word_t *error);
void space_release_if_unused(struct space *s);
struct l4sim_utcb *space_utcb(struct space *s, word_t location);
bool space_utcb_location_valid(struct space *s, word_t location);
void spaces_free_all(void);

/* Word positions in the X.2 kernel interface page (64-bit layout). */
enum kip_word_index {
    KIP_MAGIC = 0,
    KIP_API_VERSION = 1,
    KIP_API_FLAGS = 2,
    KIP_KERNEL_DESC = 3,
    KIP_MEMORY_INFO = 21,
    KIP_UTCB_INFO = 42,
    KIP_KIP_AREA_INFO = 43,
    KIP_BOOT_INFO = 46,
    KIP_PROC_DESC = 47,
    KIP_CLOCK_INFO = 48,
    KIP_THREAD_INFO = 49,
    KIP_PAGE_INFO = 50,
    KIP_PROCESSOR_INFO = 51,
    /* Words 52.. link to the entry points: L4SIM_KIP_* in <l4sim/abi.h>. */
};

int kip_build(void);
void kip_free(void);
word_t kip_word(enum kip_word_index i);
word_t kip_kernel_id(void);

void sigma0_main(void *kip);

/* The page-fault path (fault.c). */
void fault_install(void);
int fault_thread_init(struct tcb *t);
bool fault_resolve(struct tcb *self, word_t addr, unsigned access, unsigned xfer_timeout);
void fault_thread_exit(struct tcb *t);

/* arch: call ip(arg) on stack sp (sp = 0: stay on this stack), saving the
 * host stack pointer in *saved. Returns 0 when ip returns, or the value
 * given to arch_user_leave(saved, value) by code running inside it. */
int arch_user_enter(word_t ip, word_t sp, word_t arg, void **saved);
/* The instructions of arch_user_enter that run on the user's stack before
 * the user's entry does: a fault there means that stack is not memory. */
extern const char arch_user_switch[], arch_user_switch_end[];
/* arch: call fn(a) on stack `stack` and come back to this one, with
 * *on_host_stack 1 exactly while away (see kernel_call). */
word_t arch_kernel_call(struct sysargs *a, void *stack, kernel_part fn,
                        volatile int *on_host_stack);
/* Does not return. Deliberately not declared _Noreturn: AddressSanitizer
 * would then try to clean the stack it believes we are on, which is the
 * wrong one here; thread.c forgets abandoned frames itself. */
void arch_user_leave(void *saved, int value);

#define LEAVE_EXIT    1 /* the thread is killed */
#define LEAVE_RESTART 2 /* ExchangeRegisters gave a halted thread a new IP */

word_t thread_control(struct tcb *self, word_t dest, word_t space_spec, word_t scheduler,
                      word_t pager, word_t utcb_location);
void thread_install_signals(void);
/* The signal that makes a thread running user code notice a halt or kill. */
int kick_signal(void);
/* Create an active thread for the kernel itself (sigma0, the root). */
struct tcb *thread_create_boot(word_t threadno, struct space *space, word_t pager, word_t ip,
                               word_t sp);
/* Called by the root thread's host thread if it dies before returning. */
void boot_root_gone(void);
/* Called by the deterministic scheduler when every thread waits forever. */
void boot_root_deadlocked(void);
/* One line saying what a blocked thread waits for (deadlock reports). */
void describe_wait(struct tcb *t, char *buf, size_t size);

/* An X.2 timeout as an absolute deadline: DEADLINE_ZERO has always passed. */
#define DEADLINE_NEVER UINT64_MAX
#define DEADLINE_ZERO  0
uint64_t timeout_deadline(unsigned raw16);

#endif /* L4SIM_KERNEL_H */

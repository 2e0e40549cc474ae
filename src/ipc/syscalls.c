/*
 * The system-call entry points: one per X.2 system call. Each has a user
 * part, which passes the arguments in sysargs and copies the results out,
 * and a kernel part, run by kernel_call, which enters the kernel on the
 * calling thread, does its work in the file that owns it, and leaves
 * through kernel_exit (where halts and kills take effect). A kernel part
 * never touches the caller's stack.
 */
#define _GNU_SOURCE /* process_vm_readv */
#include <string.h>
#include <pthread.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <l4/kdebug.h>

#include "kernel.h"
#include "memory.h"

__thread struct l4sim_utcb *l4sim_current_utcb KERNEL_API
    __attribute__((tls_model("initial-exec"))) = &kernel.orphan_utcb;

__thread struct sysargs sysargs __attribute__((tls_model("initial-exec")));

/* Calls from a host thread that is not an L4 thread fail softly. */
#define ENTER_OR(fail_value)                                                                       \
    struct tcb *self = kernel_enter();                                                             \
    if (!self)                                                                                     \
        return fail_value;

/* in: to, from specifier, timeouts. out: the partner. */
static word_t ipc_part(struct sysargs *a)
{
    struct tcb *self = kernel_enter();
    if (!self) {
        a->out[0] = ID_NIL;
        kernel.orphan_utcb.error_code = IPCERR_NOPARTNER;
        return TAG_ERROR_FLAG;
    }
    word_t tag = ipc_do(self, a->in[0], a->in[1], a->in[2], &a->out[0]);
    kernel_exit(self);
    return tag;
}

KERNEL_API word_t l4sim_sys_ipc(word_t to, word_t from_spec, word_t timeouts, word_t *from)
{
    struct sysargs *a = &sysargs;
    a->in[0] = to;
    a->in[1] = from_spec;
    a->in[2] = timeouts;
    word_t tag = kernel_call(ipc_part, a);
    *from = a->out[0];
    return tag;
}

/* Local IPC takes the same path: the kernel is in the same process anyway. */
KERNEL_API word_t l4sim_sys_lipc(word_t to, word_t from_spec, word_t timeouts, word_t *from)
{
    return l4sim_sys_ipc(to, from_spec, timeouts, from);
}

/* in: dest, space specifier, scheduler, pager, UTCB location. */
static word_t thread_control_part(struct sysargs *a)
{
    ENTER_OR(0);
    word_t r = thread_control(self, a->in[0], a->in[1], a->in[2], a->in[3], a->in[4]);
    kernel_exit(self);
    return r;
}

KERNEL_API word_t l4sim_sys_thread_control(word_t dest, word_t space_spec, word_t scheduler,
                                           word_t pager, word_t utcb_location)
{
    struct sysargs *a = &sysargs;
    a->in[0] = dest;
    a->in[1] = space_spec;
    a->in[2] = scheduler;
    a->in[3] = pager;
    a->in[4] = utcb_location;
    return kernel_call(thread_control_part, a);
}

/* in: space specifier, control, KIP area, UTCB area, redirector. out: old control. */
static word_t space_control_part(struct sysargs *a)
{
    a->out[0] = 0;
    ENTER_OR(0);
    word_t r;
    if (self->space != kernel.root_space) {
        self->utcb->error_code = ERR_NO_PRIVILEGE;
        r = 0;
    } else {
        klock_acquire(&kernel.control_lock);
        r = space_control(self, a->in[0], a->in[1], a->in[2], a->in[3], a->in[4], &a->out[0]);
        klock_release(&kernel.control_lock);
    }
    kernel_exit(self);
    return r;
}

KERNEL_API word_t l4sim_sys_space_control(word_t space_spec, word_t control, word_t kip_area,
                                          word_t utcb_area, word_t redirector, word_t *old_control)
{
    struct sysargs *a = &sysargs;
    a->in[0] = space_spec;
    a->in[1] = control;
    a->in[2] = kip_area;
    a->in[3] = utcb_area;
    a->in[4] = redirector;
    word_t r = kernel_call(space_control_part, a);
    *old_control = a->out[0];
    return r;
}

static word_t system_clock_part(struct sysargs *a)
{
    (void) a;
    struct tcb *self = kernel_enter();
    word_t now = clock_now_us();
    if (self)
        kernel_exit(self);
    return now;
}

KERNEL_API unsigned long long l4sim_sys_system_clock(void)
{
    return kernel_call(system_clock_part, &sysargs);
}

/* in: processor number; the frequencies and the voltage have no effect. */
static word_t processor_control_part(struct sysargs *a)
{
    ENTER_OR(0);
    word_t r = 1;
    if (self->space != kernel.root_space) {
        self->utcb->error_code = ERR_NO_PRIVILEGE;
        r = 0;
    } else if (a->in[0] != 0) {
        self->utcb->error_code = ERR_INVALID_PARAM; /* one simulated processor */
        r = 0;
    }
    kernel_exit(self);
    return r;
}

KERNEL_API word_t l4sim_sys_processor_control(word_t processor_no, word_t internal_frequency,
                                              word_t external_frequency, word_t voltage)
{
    (void) internal_frequency;
    (void) external_frequency;
    (void) voltage;
    struct sysargs *a = &sysargs;
    a->in[0] = processor_no;
    return kernel_call(processor_control_part, a);
}

/* Cache attributes mean nothing to a simulator; only privilege is checked. */
static word_t memory_control_part(struct sysargs *a)
{
    (void) a;
    ENTER_OR(0);
    word_t r = 1;
    if (self->space != kernel.root_space) {
        self->utcb->error_code = ERR_NO_PRIVILEGE;
        r = 0;
    }
    kernel_exit(self);
    return r;
}

KERNEL_API word_t l4sim_sys_memory_control(word_t control, const word_t attributes[4])
{
    (void) control;
    (void) attributes;
    return kernel_call(memory_control_part, &sysargs);
}

/*
 * Unmap: MR0..MRk hold fpages of the caller's space; their rights are taken
 * from every space the pages reached (and from the caller too when the
 * flush bit is set). Each MR then holds the fpage with the access status
 * in place of its rights: which rights any host mapping of it had (l4sim
 * cannot see individual accesses; see docs/design.md). in: control.
 */
static word_t unmap_part(struct sysargs *a)
{
    struct tcb *self = kernel_enter();
    if (!self)
        return 0;
    word_t count = (a->in[0] & 0x3f) + 1;
    bool flush = a->in[0] & 0x40;
    for (word_t i = 0; i < count; i++) {
        word_t fpage = self->utcb->mr[i];
        trace_event(TR_UNMAP, self->id, ID_NIL, fpage, flush ? "flush" : NULL);
        unsigned accessed = mem_unmap_fpage(self->space, fpage, flush);
        self->utcb->mr[i] = (fpage & ~7UL) | accessed;
    }
    kernel_exit(self);
    return 0;
}

KERNEL_API void l4sim_sys_unmap(word_t control)
{
    struct sysargs *a = &sysargs;
    a->in[0] = control;
    kernel_call(unmap_part, a);
}

KERNEL_API int l4sim_space_window(L4_ThreadId_t thread, L4_Word_t *base, L4_Word_t *size)
{
    struct tcb *self = current_tcb;
    struct tcb *t = kernel.booted ? tcb_lookup(self, thread.raw) : NULL;
    if (!t || !t->space || !t->space->win_size)
        return -1;
    *base = t->space->win_base;
    *size = t->space->win_size;
    return 0;
}

/* in: the string, its length. */
static word_t kdb_print_part(struct sysargs *a)
{
    struct tcb *self = kernel_enter();
    if (!self)
        return 0;
    /* Read like a string item, so a bad pointer (or a page taken away
     * meanwhile) is ignored, not fatal. */
    char line[L4SIM_KDB_MAX + 1];
    word_t len = a->in[1];
    struct iovec local = {line, len < L4SIM_KDB_MAX ? len : L4SIM_KDB_MAX};
    struct iovec remote = {(void *) a->in[0], local.iov_len};
    ssize_t got = local.iov_len ? process_vm_readv(getpid(), &local, 1, &remote, 1, 0) : 0;
    word_t n = got > 0 ? (word_t) got : 0;
    for (word_t i = 0; i < n; i++)
        line[i] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
    line[n] = 0;
    trace_event(TR_NOTE, self->id, ID_NIL, 0, line);
    kernel_exit(self);
    return 0;
}

KERNEL_API void l4sim_sys_kdb_print(const char *s, word_t len)
{
    struct sysargs *a = &sysargs;
    a->in[0] = (word_t) s;
    a->in[1] = len;
    kernel_call(kdb_print_part, a);
}

/* For ELF images, which cannot read the TLS variable (KIP word L4SIM_KIP_UTCB). */
KERNEL_API struct l4sim_utcb *l4sim_sys_utcb(void)
{
    return l4sim_current_utcb;
}

/*
 * A thread's counters. Read while it may run: each is one aligned word its
 * own thread writes, so a reader sees an old or a new value, never a torn
 * one. CPU time is the host's per-thread clock when free-running, and the
 * virtual time the thread held the one CPU in deterministic mode.
 */
KERNEL_API word_t l4sim_sys_thread_stats(word_t thread, word_t out[L4SIM_THREAD_STATS_WORDS])
{
    ENTER_OR(0);
    word_t ok = 0;
    klock_acquire(&kernel.control_lock);
    struct tcb *t = tcb_lookup(self, thread);
    if (self->space != kernel.root_space) {
        self->utcb->error_code = ERR_NO_PRIVILEGE;
    } else if (!t || atomic_load(&t->life) != LIFE_ACTIVE) {
        self->utcb->error_code = ERR_INVALID_THREAD;
    } else {
        uint64_t cpu_us = __atomic_load_n(&t->det_cpu_us, __ATOMIC_RELAXED);
        clockid_t clock;
        struct timespec ts;
        if (!sched_deterministic() && t->host_started &&
            pthread_getcpuclockid(t->host, &clock) == 0 && clock_gettime(clock, &ts) == 0)
            cpu_us = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        out[0] = cpu_us;
        out[1] = __atomic_load_n(&t->ipc_sent, __ATOMIC_RELAXED);
        out[2] = __atomic_load_n(&t->ipc_received, __ATOMIC_RELAXED);
        out[3] = __atomic_load_n(&t->page_faults, __ATOMIC_RELAXED);
        /* Schedule writes these under control_lock, which we hold. */
        out[4] = t->priority;
        out[5] = t->timeslice_ctl;
        out[6] = t->preemption_ctl;
        ok = 1;
    }
    klock_release(&kernel.control_lock);
    kernel_exit(self);
    return ok;
}

KERNEL_API void *l4sim_sys_kernel_interface(word_t *api_version, word_t *api_flags,
                                            word_t *kernel_id)
{
    const word_t *kip = kernel.kip;
    if (!kip) {
        *api_version = *api_flags = *kernel_id = 0;
        return NULL;
    }
    *api_version = kip_word(KIP_API_VERSION);
    *api_flags = kip_word(KIP_API_FLAGS);
    *kernel_id = kip_kernel_id();
    return kernel.kip;
}

/*
 * The system-call entry points: one per X.2 system call, each entering the
 * kernel on the calling thread, doing its work in the file that owns it,
 * and leaving through kernel_exit (where halts and kills take effect).
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

/* Calls from a host thread that is not an L4 thread fail softly. */
#define ENTER_OR(fail_value)                                                                       \
    struct tcb *self = kernel_enter();                                                             \
    if (!self)                                                                                     \
        return fail_value;

KERNEL_API word_t l4sim_sys_ipc(word_t to, word_t from_spec, word_t timeouts, word_t *from)
{
    struct tcb *self = kernel_enter();
    if (!self) {
        *from = ID_NIL;
        kernel.orphan_utcb.error_code = IPCERR_NOPARTNER;
        return TAG_ERROR_FLAG;
    }
    word_t tag = ipc_do(self, to, from_spec, timeouts, from);
    kernel_exit(self);
    return tag;
}

/* Local IPC takes the same path: the kernel is in the same process anyway. */
KERNEL_API word_t l4sim_sys_lipc(word_t to, word_t from_spec, word_t timeouts, word_t *from)
{
    return l4sim_sys_ipc(to, from_spec, timeouts, from);
}

KERNEL_API word_t l4sim_sys_thread_control(word_t dest, word_t space_spec, word_t scheduler,
                                           word_t pager, word_t utcb_location)
{
    ENTER_OR(0);
    word_t r = thread_control(self, dest, space_spec, scheduler, pager, utcb_location);
    kernel_exit(self);
    return r;
}

KERNEL_API word_t l4sim_sys_space_control(word_t space_spec, word_t control, word_t kip_area,
                                          word_t utcb_area, word_t redirector, word_t *old_control)
{
    ENTER_OR(0);
    word_t r;
    if (self->space != kernel.root_space) {
        self->utcb->error_code = ERR_NO_PRIVILEGE;
        *old_control = 0;
        r = 0;
    } else {
        klock_acquire(&kernel.control_lock);
        r = space_control(self, space_spec, control, kip_area, utcb_area, redirector, old_control);
        klock_release(&kernel.control_lock);
    }
    kernel_exit(self);
    return r;
}

KERNEL_API unsigned long long l4sim_sys_system_clock(void)
{
    struct tcb *self = kernel_enter();
    unsigned long long now = clock_now_us();
    if (self)
        kernel_exit(self);
    return now;
}

KERNEL_API word_t l4sim_sys_processor_control(word_t processor_no, word_t internal_frequency,
                                              word_t external_frequency, word_t voltage)
{
    (void) internal_frequency;
    (void) external_frequency;
    (void) voltage;
    ENTER_OR(0);
    word_t r = 1;
    if (self->space != kernel.root_space) {
        self->utcb->error_code = ERR_NO_PRIVILEGE;
        r = 0;
    } else if (processor_no != 0) {
        self->utcb->error_code = ERR_INVALID_PARAM; /* one simulated processor */
        r = 0;
    }
    kernel_exit(self);
    return r;
}

/* Cache attributes mean nothing to a simulator; only privilege is checked. */
KERNEL_API word_t l4sim_sys_memory_control(word_t control, const word_t attributes[4])
{
    (void) control;
    (void) attributes;
    ENTER_OR(0);
    word_t r = 1;
    if (self->space != kernel.root_space) {
        self->utcb->error_code = ERR_NO_PRIVILEGE;
        r = 0;
    }
    kernel_exit(self);
    return r;
}

/*
 * Unmap: MR0..MRk hold fpages of the caller's space; their rights are taken
 * from every space the pages reached (and from the caller too when the
 * flush bit is set). Each MR then holds the fpage with the access status
 * in place of its rights: which rights any host mapping of it had (l4sim
 * cannot see individual accesses; see docs/design.md).
 */
KERNEL_API void l4sim_sys_unmap(word_t control)
{
    struct tcb *self = kernel_enter();
    if (!self)
        return;
    word_t count = (control & 0x3f) + 1;
    bool flush = control & 0x40;
    for (word_t i = 0; i < count; i++) {
        word_t fpage = self->utcb->mr[i];
        trace_event(TR_UNMAP, self->id, ID_NIL, fpage, flush ? "flush" : NULL);
        unsigned accessed = mem_unmap_fpage(self->space, fpage, flush);
        self->utcb->mr[i] = (fpage & ~7UL) | accessed;
    }
    kernel_exit(self);
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

KERNEL_API void l4sim_sys_kdb_print(const char *s, word_t len)
{
    struct tcb *self = kernel_enter();
    if (!self)
        return;
    /* Read like a string item, so a bad pointer is ignored, not fatal. */
    char line[L4SIM_KDB_MAX + 1];
    struct iovec local = {line, len < L4SIM_KDB_MAX ? len : L4SIM_KDB_MAX};
    struct iovec remote = {(void *) s, local.iov_len};
    ssize_t got = local.iov_len ? process_vm_readv(getpid(), &local, 1, &remote, 1, 0) : 0;
    word_t n = got > 0 ? (word_t) got : 0;
    for (word_t i = 0; i < n; i++)
        line[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    line[n] = 0;
    trace_event(TR_NOTE, self->id, ID_NIL, 0, line);
    kernel_exit(self);
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
KERNEL_API word_t l4sim_sys_thread_stats(word_t thread, word_t out[4])
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

/*
 * ExchangeRegisters, Schedule and ThreadSwitch: the system calls that act
 * on another thread's control state rather than on messages.
 */
#include <signal.h>

#include "kernel.h"

/* Control word bits of ExchangeRegisters (X.2). */
#define EXREG_HALT       (1UL << 0) /* with EXREG_HALT_VALID: halt (1) or resume (0) */
#define EXREG_ABORT_RECV (1UL << 1)
#define EXREG_ABORT_SEND (1UL << 2)
#define EXREG_SET_SP     (1UL << 3)
#define EXREG_SET_IP     (1UL << 4)
#define EXREG_SET_FLAGS  (1UL << 5)
#define EXREG_SET_HANDLE (1UL << 6)
#define EXREG_SET_PAGER  (1UL << 7)
#define EXREG_HALT_VALID (1UL << 8)
#define EXREG_DELIVER    (1UL << 9)

/* Thread state reported back (L4_ThreadWas*). */
#define STATE_HALTED    (1UL << 0)
#define STATE_RECEIVING (1UL << 1)
#define STATE_SENDING   (1UL << 2)

/* Schedule results (L4_SCHEDRESULT_*). */
#define SCHED_ERROR        0
#define SCHED_INACTIVE     2
#define SCHED_RUNNING      3
#define SCHED_PENDING_SEND 4
#define SCHED_WAITING      6

static bool privileged(struct tcb *self)
{
    return self->space == kernel.root_space;
}

static word_t thread_state_bits(struct tcb *t)
{
    int run = atomic_load(&t->run);
    word_t bits = 0;
    if (run == RUN_HALTED || run == RUN_WAIT_START || atomic_load(&t->halt_requested))
        bits |= STATE_HALTED;
    if (ipc_is_receiving(t))
        bits |= STATE_RECEIVING;
    if (ipc_is_sending(t))
        bits |= STATE_SENDING;
    return bits;
}

/* Halt t; a thread running user code is stopped by the kick signal. */
static void halt(struct tcb *t)
{
    atomic_store_explicit(&t->halt_requested, true, memory_order_seq_cst);
    /* With one simulated CPU, t is inside the kernel: it halts on its way out. */
    for (int tries = 0;
         !sched_deterministic() && atomic_load_explicit(&t->run, memory_order_seq_cst) == RUN_USER;
         tries++) {
        if (tries % 64 == 0)
            pthread_kill(t->host, kick_signal());
        sched_yield_cpu();
    }
}

static void resume(struct tcb *t)
{
    atomic_store_explicit(&t->halt_requested, false, memory_order_seq_cst);
    sched_wake(t);
}

/*
 * in: dest, control, sp, ip, flags, user handle, pager. out: the old
 * control, sp, ip, flags, user handle and pager.
 */
static word_t exchange_registers_part(struct sysargs *a)
{
    word_t dest = a->in[0], control = a->in[1], sp = a->in[2], ip = a->in[3];
    word_t user_handle = a->in[5], pager = a->in[6];
    word_t *old_control = &a->out[0], *old_sp = &a->out[1], *old_ip = &a->out[2];
    word_t *old_user_handle = &a->out[4], *old_pager = &a->out[5];
    for (unsigned i = 0; i < 6; i++)
        a->out[i] = 0;
    struct tcb *self = kernel_enter();
    if (!self)
        return ID_NIL;
    klock_acquire(&kernel.control_lock);
    struct tcb *t = tcb_lookup(self, dest);
    if (!t || (t->space != self->space && !privileged(self))) {
        klock_release(&kernel.control_lock);
        self->utcb->error_code = ERR_INVALID_THREAD;
        kernel_exit(self);
        return ID_NIL;
    }
    word_t result = id_is_global(dest) && t->space == self->space ? t->utcb_location : t->id;
    bool active = atomic_load(&t->life) == LIFE_ACTIVE;

    *old_control = thread_state_bits(t);
    *old_sp = t->user_sp;
    *old_ip = t->user_ip;
    if (t->utcb) {
        *old_user_handle = t->utcb->user_defined_handle;
        *old_pager = t->utcb->pager;
    }

    if (t->utcb && (control & EXREG_SET_HANDLE))
        t->utcb->user_defined_handle = user_handle;
    if (t->utcb && (control & EXREG_SET_PAGER))
        t->utcb->pager = pager;
    bool halting = (control & EXREG_HALT_VALID) && (control & EXREG_HALT);
    if (active && halting && t == self)
        atomic_store_explicit(&self->halt_requested, true, memory_order_seq_cst);
    else if (active && halting)
        halt(t);
    bool resuming = active && (control & EXREG_HALT_VALID) && !(control & EXREG_HALT);
    bool resumed = false;
    if (active && (control & (EXREG_SET_SP | EXREG_SET_IP))) {
        /* New registers take effect when the thread (re)starts from a halt. */
        int run = atomic_load(&t->run);
        if (run == RUN_HALTED || run == RUN_WAIT_START || atomic_load(&t->halt_requested)) {
            t->start_sp = (control & EXREG_SET_SP) ? sp : t->user_sp;
            t->start_ip = (control & EXREG_SET_IP) ? ip : t->user_ip;
            /* Resume before the start is published: once it is, the thread
             * may run and halt itself (a fault nobody resolves), and a
             * resume after that would undo its own halt. */
            if (resuming) {
                atomic_store_explicit(&t->halt_requested, false, memory_order_seq_cst);
                resumed = true;
            }
            atomic_store_explicit(&t->start_pending, true, memory_order_release);
        }
    }
    if (active && (control & (EXREG_ABORT_SEND | EXREG_ABORT_RECV)))
        ipc_cancel(t, control & EXREG_ABORT_SEND, control & EXREG_ABORT_RECV);
    if (resuming && !resumed)
        resume(t);
    else if (resumed)
        sched_wake(t);
    else if (active && atomic_load(&t->start_pending))
        sched_wake(t); /* a thread waiting for its start message */
    klock_release(&kernel.control_lock);
    kernel_exit(self); /* a thread that halted itself stops here */
    return result;
}

KERNEL_API word_t l4sim_sys_exchange_registers(word_t dest, word_t control, word_t sp, word_t ip,
                                               word_t flags, word_t user_handle, word_t pager,
                                               word_t *old_control, word_t *old_sp, word_t *old_ip,
                                               word_t *old_flags, word_t *old_user_handle,
                                               word_t *old_pager)
{
    struct sysargs *a = &sysargs;
    a->in[0] = dest;
    a->in[1] = control;
    a->in[2] = sp;
    a->in[3] = ip;
    a->in[4] = flags; /* flags have no meaning here */
    a->in[5] = user_handle;
    a->in[6] = pager;
    word_t result = kernel_call(exchange_registers_part, a);
    *old_control = a->out[0];
    *old_sp = a->out[1];
    *old_ip = a->out[2];
    *old_flags = a->out[3];
    *old_user_handle = a->out[4];
    *old_pager = a->out[5];
    return result;
}

/* in: dest, time, processor, priority and preemption control. out: the old time control. */
static word_t schedule_part(struct sysargs *a)
{
    word_t dest = a->in[0], time_control = a->in[1], processor_control = a->in[2];
    word_t prio_control = a->in[3], preemption_control = a->in[4];
    word_t *old_time_control = &a->out[0];
    *old_time_control = 0;
    struct tcb *self = kernel_enter();
    if (!self)
        return SCHED_ERROR;
    klock_acquire(&kernel.control_lock);
    word_t result = SCHED_ERROR;
    struct tcb *t = tcb_lookup(self, dest);
    if (!t) {
        self->utcb->error_code = ERR_INVALID_THREAD;
    } else if (t->scheduler != self->id && !privileged(self)) {
        self->utcb->error_code = ERR_NO_PRIVILEGE;
    } else if ((prio_control != ~0UL && (prio_control & 0xff) > self->priority) ||
               (processor_control != ~0UL && (processor_control & 0xffff) != 0)) {
        self->utcb->error_code = ERR_INVALID_PARAM;
    } else {
        *old_time_control = t->timeslice_ctl;
        if (prio_control != ~0UL)
            t->priority = prio_control & 0xff;
        if (time_control != ~0UL)
            t->timeslice_ctl = time_control & 0xffffffffUL;
        if (preemption_control != ~0UL)
            t->preemption_ctl = preemption_control & 0xffffffUL;
        if (atomic_load(&t->life) != LIFE_ACTIVE)
            result = SCHED_INACTIVE;
        else if (ipc_is_sending(t))
            result = SCHED_PENDING_SEND;
        else if (ipc_is_receiving(t))
            result = SCHED_WAITING;
        else
            result = SCHED_RUNNING;
    }
    klock_release(&kernel.control_lock);
    kernel_exit(self);
    return result;
}

KERNEL_API word_t l4sim_sys_schedule(word_t dest, word_t time_control, word_t processor_control,
                                     word_t prio_control, word_t preemption_control,
                                     word_t *old_time_control)
{
    struct sysargs *a = &sysargs;
    a->in[0] = dest;
    a->in[1] = time_control;
    a->in[2] = processor_control;
    a->in[3] = prio_control;
    a->in[4] = preemption_control;
    word_t result = kernel_call(schedule_part, a);
    *old_time_control = a->out[0];
    return result;
}

/*
 * One host CPU scheduler decides; donating the slice is a plain yield. In
 * deterministic mode the entry is the yield: one decision, one entry's time.
 */
static word_t thread_switch_part(struct sysargs *a)
{
    (void) a;
    struct tcb *self = kernel_enter_yielding();
    if (!self || !sched_deterministic())
        sched_yield_cpu();
    if (self)
        kernel_exit(self);
    return 0;
}

KERNEL_API void l4sim_sys_thread_switch(word_t dest)
{
    (void) dest;
    kernel_call(thread_switch_part, &sysargs);
}

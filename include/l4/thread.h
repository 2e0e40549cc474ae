/*
 * X.2 threads: the thread control registers of the UTCB, ExchangeRegisters
 * and the calls derived from it (start, stop, pager and handle access), and
 * ThreadControl.
 */
#ifndef L4_THREAD_H
#define L4_THREAD_H

#include <l4sim/abi.h>
#include <l4/types.h>

/* Pistachio's older names for the error codes in types.h. */
#define L4_ERROR_OK                L4_ErrOk
#define L4_ERROR_NO_PRIVILEGE      L4_ErrNoPrivilege
#define L4_ERROR_INVALID_THREAD    L4_ErrInvalidThread
#define L4_ERROR_INVALID_SPACE     L4_ErrInvalidSpace
#define L4_ERROR_INVALID_SCHEDULER L4_ErrInvalidScheduler
#define L4_ERROR_INVALID_PARAM     L4_ErrInvalidParam
#define L4_ERROR_UTCB_AREA         L4_ErrUtcbArea
#define L4_ERROR_KIP_AREA          L4_ErrKipArea
#define L4_ERROR_NO_MEM            L4_ErrNoMem

/*
 * Thread control registers. Only the owning thread touches its own UTCB,
 * so these are plain loads and stores.
 */
L4_INLINE L4_ThreadId_t L4_MyGlobalId(void)
{
    L4_ThreadId_t id;
    id.raw = l4sim_utcb()->my_global_id;
    return id;
}

L4_INLINE L4_ThreadId_t L4_MyLocalId(void)
{
    L4_ThreadId_t id;
    id.raw = l4sim_utcb()->my_local_id;
    return id;
}

L4_INLINE L4_ThreadId_t L4_Myself(void)
{
    return L4_MyGlobalId();
}

L4_INLINE L4_Word_t L4_ProcessorNo(void)
{
    return l4sim_utcb()->processor_no;
}

L4_INLINE L4_Word_t L4_UserDefinedHandle(void)
{
    return l4sim_utcb()->user_defined_handle;
}

L4_INLINE void L4_Set_UserDefinedHandle(L4_Word_t NewValue)
{
    l4sim_utcb()->user_defined_handle = NewValue;
}

L4_INLINE L4_ThreadId_t L4_Pager(void)
{
    L4_ThreadId_t id;
    id.raw = l4sim_utcb()->pager;
    return id;
}

L4_INLINE void L4_Set_Pager(L4_ThreadId_t NewPager)
{
    l4sim_utcb()->pager = NewPager.raw;
}

L4_INLINE L4_ThreadId_t L4_ExceptionHandler(void)
{
    L4_ThreadId_t id;
    id.raw = l4sim_utcb()->exception_handler;
    return id;
}

L4_INLINE void L4_Set_ExceptionHandler(L4_ThreadId_t NewHandler)
{
    l4sim_utcb()->exception_handler = NewHandler.raw;
}

/* Valid only right after a failed system call; for IPC see the decoders in ipc.h. */
L4_INLINE L4_Word_t L4_ErrorCode(void)
{
    return l4sim_utcb()->error_code;
}

L4_INLINE L4_Word_t L4_XferTimeouts(void)
{
    return l4sim_utcb()->xfer_timeouts;
}

L4_INLINE void L4_Set_XferTimeouts(L4_Word_t NewValue)
{
    l4sim_utcb()->xfer_timeouts = NewValue;
}

L4_INLINE L4_ThreadId_t L4_IntendedReceiver(void)
{
    L4_ThreadId_t id;
    id.raw = l4sim_utcb()->intended_receiver;
    return id;
}

/* The same register reads as ActualSender after a receive and is VirtualSender before a send. */
L4_INLINE L4_ThreadId_t L4_ActualSender(void)
{
    L4_ThreadId_t id;
    id.raw = l4sim_utcb()->virtual_actual_sender;
    return id;
}

L4_INLINE void L4_Set_VirtualSender(L4_ThreadId_t t)
{
    l4sim_utcb()->virtual_actual_sender = t.raw;
}

/* Two words the kernel never interprets, free for the thread's runtime. */
L4_INLINE L4_Word_t L4_ThreadWord(L4_Word_t n)
{
    return l4sim_utcb()->thread_word[n];
}

L4_INLINE void L4_Set_ThreadWord(L4_Word_t n, L4_Word_t w)
{
    l4sim_utcb()->thread_word[n] = w;
}

/* Pistachio's 32-bit-compatibility mask; every thread here is 64-bit. */
L4_INLINE L4_Word_t L4_WordSizeMask(void)
{
    return ~0UL;
}

L4_INLINE void L4_Reset_WordSizeMask(void) {}

/*
 * ExchangeRegisters control word. X.2 letters in brackets; bits 0..2 double
 * as the returned thread state (halted, receiving, sending).
 */
#define L4_EXREGS_HALT_FLAG     (1UL << 0) /* H: halt (with HALTFLAG) */
#define L4_EXREGS_RECV_FLAG     (1UL << 1) /* R: abort an ongoing receive */
#define L4_EXREGS_SEND_FLAG     (1UL << 2) /* S: abort an ongoing send */
#define L4_EXREGS_SP_FLAG       (1UL << 3) /* s: set the stack pointer */
#define L4_EXREGS_IP_FLAG       (1UL << 4) /* i: set the instruction pointer */
#define L4_EXREGS_FLAGS_FLAG    (1UL << 5) /* f: set the flags */
#define L4_EXREGS_UHANDLE_FLAG  (1UL << 6) /* u: set the user-defined handle */
#define L4_EXREGS_PAGER_FLAG    (1UL << 7) /* p: set the pager */
#define L4_EXREGS_HALTFLAG_FLAG (1UL << 8) /* h: apply H (else halt state is kept) */
#define L4_EXREGS_DELIVER_FLAG  (1UL << 9) /* d: return the old values */

/*
 * Returns the other form of dest's ID (local for global, global for local),
 * or nilthread on error. Null result pointers are allowed.
 */
L4_INLINE L4_ThreadId_t L4_ExchangeRegisters(L4_ThreadId_t dest, L4_Word_t control, L4_Word_t sp,
                                             L4_Word_t ip, L4_Word_t flags, L4_Word_t UserDefHandle,
                                             L4_ThreadId_t pager, L4_Word_t *old_control,
                                             L4_Word_t *old_sp, L4_Word_t *old_ip,
                                             L4_Word_t *old_flags, L4_Word_t *old_UserDefHandle,
                                             L4_ThreadId_t *old_pager)
{
    L4_Word_t scratch[6];
    L4_ThreadId_t result;
    result.raw = l4sim_sys_exchange_registers(
        dest.raw, control, sp, ip, flags, UserDefHandle, pager.raw,
        old_control ? old_control : &scratch[0], old_sp ? old_sp : &scratch[1],
        old_ip ? old_ip : &scratch[2], old_flags ? old_flags : &scratch[3],
        old_UserDefHandle ? old_UserDefHandle : &scratch[4],
        old_pager ? &old_pager->raw : &scratch[5]);
    return result;
}

/* Internal: ExchangeRegisters with only the control word, returning the old state. */
L4_INLINE L4_Word_t l4sim_api_exreg_control(L4_ThreadId_t t, L4_Word_t control, L4_Word_t *sp,
                                            L4_Word_t *ip, L4_Word_t *flags)
{
    L4_Word_t old_control = 0;
    L4_ExchangeRegisters(t, control, 0, 0, 0, 0, L4_nilthread, &old_control, sp, ip, flags,
                         (L4_Word_t *) 0, (L4_ThreadId_t *) 0);
    return old_control;
}

L4_INLINE L4_ThreadId_t L4_GlobalIdOf(L4_ThreadId_t t)
{
    if (!L4_IsLocalId(t))
        return t;
    return L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, (L4_Word_t *) 0, (L4_Word_t *) 0,
                                (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0,
                                (L4_ThreadId_t *) 0);
}

L4_INLINE L4_ThreadId_t L4_LocalIdOf(L4_ThreadId_t t)
{
    if (!L4_IsGlobalId(t))
        return t;
    return L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, (L4_Word_t *) 0, (L4_Word_t *) 0,
                                (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0,
                                (L4_ThreadId_t *) 0);
}

L4_INLINE L4_Bool_t L4_SameThreads(L4_ThreadId_t l, L4_ThreadId_t r)
{
    return L4_GlobalIdOf(l).raw == L4_GlobalIdOf(r).raw;
}

L4_INLINE L4_Word_t L4_UserDefinedHandleOf(L4_ThreadId_t t)
{
    L4_Word_t handle = 0;
    L4_ExchangeRegisters(t, L4_EXREGS_DELIVER_FLAG, 0, 0, 0, 0, L4_nilthread, (L4_Word_t *) 0,
                         (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0, &handle,
                         (L4_ThreadId_t *) 0);
    return handle;
}

L4_INLINE void L4_Set_UserDefinedHandleOf(L4_ThreadId_t t, L4_Word_t handle)
{
    L4_ExchangeRegisters(t, L4_EXREGS_UHANDLE_FLAG, 0, 0, 0, handle, L4_nilthread, (L4_Word_t *) 0,
                         (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0,
                         (L4_ThreadId_t *) 0);
}

L4_INLINE L4_ThreadId_t L4_PagerOf(L4_ThreadId_t t)
{
    L4_ThreadId_t pager = L4_nilthread;
    L4_ExchangeRegisters(t, L4_EXREGS_DELIVER_FLAG, 0, 0, 0, 0, L4_nilthread, (L4_Word_t *) 0,
                         (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0,
                         &pager);
    return pager;
}

L4_INLINE void L4_Set_PagerOf(L4_ThreadId_t t, L4_ThreadId_t p)
{
    L4_ExchangeRegisters(t, L4_EXREGS_PAGER_FLAG, 0, 0, 0, 0, p, (L4_Word_t *) 0, (L4_Word_t *) 0,
                         (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_ThreadId_t *) 0);
}

/*
 * Start resumes a halted thread; like Pistachio it also sets R and S, so an
 * IPC the thread might be blocked in is cancelled.
 */
#define L4SIM_API_EXREGS_RESUME                                                                    \
    (L4_EXREGS_HALTFLAG_FLAG | L4_EXREGS_SEND_FLAG | L4_EXREGS_RECV_FLAG)

L4_INLINE void L4_Start(L4_ThreadId_t t)
{
    l4sim_api_exreg_control(t, L4SIM_API_EXREGS_RESUME, (L4_Word_t *) 0, (L4_Word_t *) 0,
                            (L4_Word_t *) 0);
}

L4_INLINE void L4_Start_SpIp(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip)
{
    L4_ExchangeRegisters(t, L4SIM_API_EXREGS_RESUME | L4_EXREGS_SP_FLAG | L4_EXREGS_IP_FLAG, sp, ip,
                         0, 0, L4_nilthread, (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0,
                         (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_ThreadId_t *) 0);
}

L4_INLINE void L4_Start_SpIpFlags(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip, L4_Word_t flags)
{
    L4_ExchangeRegisters(
        t, L4SIM_API_EXREGS_RESUME | L4_EXREGS_SP_FLAG | L4_EXREGS_IP_FLAG | L4_EXREGS_FLAGS_FLAG,
        sp, ip, flags, 0, L4_nilthread, (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0,
        (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_ThreadId_t *) 0);
}

/*
 * Thread state as returned in the old control word by the stop calls below.
 */
typedef struct {
    L4_Word_t raw;
} L4_ThreadState_t;

L4_INLINE L4_Bool_t L4_ThreadWasHalted(L4_ThreadState_t s)
{
    return (s.raw & L4_EXREGS_HALT_FLAG) != 0;
}

L4_INLINE L4_Bool_t L4_ThreadWasReceiving(L4_ThreadState_t s)
{
    return (s.raw & L4_EXREGS_RECV_FLAG) != 0;
}

L4_INLINE L4_Bool_t L4_ThreadWasSending(L4_ThreadState_t s)
{
    return (s.raw & L4_EXREGS_SEND_FLAG) != 0;
}

L4_INLINE L4_Bool_t L4_ThreadWasIpcing(L4_ThreadState_t s)
{
    return (s.raw & (L4_EXREGS_RECV_FLAG | L4_EXREGS_SEND_FLAG)) != 0;
}

/* Halts t, optionally cancelling its IPC (abort = R and/or S), and reports its old state. */
L4_INLINE L4_ThreadState_t l4sim_api_halt(L4_ThreadId_t t, L4_Word_t abort, L4_Word_t *sp,
                                          L4_Word_t *ip, L4_Word_t *flags)
{
    L4_ThreadState_t state;
    state.raw = l4sim_api_exreg_control(
        t, L4_EXREGS_HALT_FLAG | L4_EXREGS_HALTFLAG_FLAG | L4_EXREGS_DELIVER_FLAG | abort, sp, ip,
        flags);
    return state;
}

L4_INLINE L4_ThreadState_t L4_Stop(L4_ThreadId_t t)
{
    return l4sim_api_halt(t, 0, (L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0);
}

L4_INLINE L4_ThreadState_t L4_Stop_SpIpFlags(L4_ThreadId_t t, L4_Word_t *sp, L4_Word_t *ip,
                                             L4_Word_t *flags)
{
    return l4sim_api_halt(t, 0, sp, ip, flags);
}

L4_INLINE L4_ThreadState_t L4_AbortReceive_and_stop(L4_ThreadId_t t)
{
    return l4sim_api_halt(t, L4_EXREGS_RECV_FLAG, (L4_Word_t *) 0, (L4_Word_t *) 0,
                          (L4_Word_t *) 0);
}

L4_INLINE L4_ThreadState_t L4_AbortReceive_and_stop_SpIpFlags(L4_ThreadId_t t, L4_Word_t *sp,
                                                              L4_Word_t *ip, L4_Word_t *flags)
{
    return l4sim_api_halt(t, L4_EXREGS_RECV_FLAG, sp, ip, flags);
}

L4_INLINE L4_ThreadState_t L4_AbortSend_and_stop(L4_ThreadId_t t)
{
    return l4sim_api_halt(t, L4_EXREGS_SEND_FLAG, (L4_Word_t *) 0, (L4_Word_t *) 0,
                          (L4_Word_t *) 0);
}

L4_INLINE L4_ThreadState_t L4_AbortSend_and_stop_SpIpFlags(L4_ThreadId_t t, L4_Word_t *sp,
                                                           L4_Word_t *ip, L4_Word_t *flags)
{
    return l4sim_api_halt(t, L4_EXREGS_SEND_FLAG, sp, ip, flags);
}

L4_INLINE L4_ThreadState_t L4_AbortIpc_and_stop(L4_ThreadId_t t)
{
    return l4sim_api_halt(t, L4_EXREGS_RECV_FLAG | L4_EXREGS_SEND_FLAG, (L4_Word_t *) 0,
                          (L4_Word_t *) 0, (L4_Word_t *) 0);
}

L4_INLINE L4_ThreadState_t L4_AbortIpc_and_stop_SpIpFlags(L4_ThreadId_t t, L4_Word_t *sp,
                                                          L4_Word_t *ip, L4_Word_t *flags)
{
    return l4sim_api_halt(t, L4_EXREGS_RECV_FLAG | L4_EXREGS_SEND_FLAG, sp, ip, flags);
}

/*
 * ThreadControl creates, modifies and deletes threads (privileged).
 * Returns 1 on success, 0 with the reason in L4_ErrorCode().
 */
L4_INLINE L4_Word_t L4_ThreadControl(L4_ThreadId_t dest, L4_ThreadId_t SpaceSpecifier,
                                     L4_ThreadId_t Scheduler, L4_ThreadId_t Pager,
                                     void *UtcbLocation)
{
    return l4sim_sys_thread_control(dest.raw, SpaceSpecifier.raw, Scheduler.raw, Pager.raw,
                                    (L4_Word_t) UtcbLocation);
}

/*
 * Interrupts are threads; their "pager" is the handler receiving the
 * interrupt IPCs, and an interrupt that is its own pager is disconnected.
 * A UTCB location of ~0 leaves the UTCB untouched.
 */
L4_INLINE L4_Word_t L4_AssociateInterrupt(L4_ThreadId_t InterruptThread,
                                          L4_ThreadId_t HandlerThread)
{
    return L4_ThreadControl(InterruptThread, InterruptThread, L4_nilthread, HandlerThread,
                            (void *) ~0UL);
}

L4_INLINE L4_Word_t L4_DeassociateInterrupt(L4_ThreadId_t InterruptThread)
{
    return L4_ThreadControl(InterruptThread, InterruptThread, L4_nilthread, InterruptThread,
                            (void *) ~0UL);
}

/*
 * l4sim extension, not X.2: a thread's counters (privileged, like
 * ThreadControl): CPU time in µs (virtual in deterministic mode), messages
 * sent and received, page faults, and the scheduling parameters X.2 lets a
 * scheduler set but not read back (only the old time control): priority,
 * time slice and total quantum, and the preemption control's sensitive
 * priority and maximum delay (µs). Returns 0 on error (see L4_ErrorCode):
 * L4_ErrNoPrivilege outside the root's space, L4_ErrInvalidThread unless t
 * is an active thread.
 */
typedef struct {
    L4_Word_t cpu_us, ipc_sent, ipc_received, page_faults, priority;
    L4_Time_t timeslice, total_quantum;
    L4_Word_t sensitive_prio, max_delay;
} L4_ThreadStats_t;

L4_INLINE L4_Word_t L4_ThreadStats(L4_ThreadId_t t, L4_ThreadStats_t *out)
{
    L4_Word_t w[L4SIM_THREAD_STATS_WORDS] = {0, 0, 0, 0, 0, 0, 0};
    L4_Word_t ok = l4sim_sys_thread_stats(t.raw, w);
    out->cpu_us = w[0];
    out->ipc_sent = w[1];
    out->ipc_received = w[2];
    out->page_faults = w[3];
    out->priority = w[4];
    out->timeslice.raw = (L4_Word16_t) (w[5] >> 16);
    out->total_quantum.raw = (L4_Word16_t) w[5];
    out->sensitive_prio = (w[6] >> 16) & 0xff;
    out->max_delay = w[6] & 0xffff;
    return ok;
}

#ifdef __cplusplus
static inline L4_ThreadId_t L4_GlobalId(L4_ThreadId_t t)
{
    return L4_GlobalIdOf(t);
}

static inline L4_ThreadId_t L4_LocalId(L4_ThreadId_t t)
{
    return L4_LocalIdOf(t);
}

static inline L4_Word_t L4_UserDefinedHandle(L4_ThreadId_t t)
{
    return L4_UserDefinedHandleOf(t);
}

static inline void L4_Set_UserDefinedHandle(L4_ThreadId_t t, L4_Word_t handle)
{
    L4_Set_UserDefinedHandleOf(t, handle);
}

static inline L4_ThreadId_t L4_Pager(L4_ThreadId_t t)
{
    return L4_PagerOf(t);
}

static inline void L4_Set_Pager(L4_ThreadId_t t, L4_ThreadId_t p)
{
    L4_Set_PagerOf(t, p);
}

static inline void L4_Start(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip)
{
    L4_Start_SpIp(t, sp, ip);
}

static inline void L4_Start(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip, L4_Word_t flags)
{
    L4_Start_SpIpFlags(t, sp, ip, flags);
}

static inline L4_ThreadState_t L4_Stop(L4_ThreadId_t t, L4_Word_t *sp, L4_Word_t *ip,
                                       L4_Word_t *flags)
{
    return L4_Stop_SpIpFlags(t, sp, ip, flags);
}

static inline L4_ThreadState_t L4_AbortReceive_and_stop(L4_ThreadId_t t, L4_Word_t *sp,
                                                        L4_Word_t *ip, L4_Word_t *flags)
{
    return L4_AbortReceive_and_stop_SpIpFlags(t, sp, ip, flags);
}

static inline L4_ThreadState_t L4_AbortSend_and_stop(L4_ThreadId_t t, L4_Word_t *sp, L4_Word_t *ip,
                                                     L4_Word_t *flags)
{
    return L4_AbortSend_and_stop_SpIpFlags(t, sp, ip, flags);
}

static inline L4_ThreadState_t L4_AbortIpc_and_stop(L4_ThreadId_t t, L4_Word_t *sp, L4_Word_t *ip,
                                                    L4_Word_t *flags)
{
    return L4_AbortIpc_and_stop_SpIpFlags(t, sp, ip, flags);
}
#endif /* __cplusplus */

#endif /* L4_THREAD_H */

/*
 * The boundary between user code and the emulated kernel: the UTCB layout
 * and one entry function per X.2 system call. The <l4/...> headers are thin
 * wrappers over exactly this; nothing here may depend on them.
 */
#ifndef L4SIM_ABI_H
#define L4SIM_ABI_H

#ifdef __cplusplus
extern "C" {
#endif

#define L4SIM_NUM_MRS 64
#define L4SIM_NUM_BRS 33

/*
 * User thread control block. The kernel reads and writes it only on behalf
 * of its own thread, or while the owner is blocked in IPC (message copy).
 * The thread control registers come first, the message and buffer registers
 * follow; the layout is l4sim's own, code reaches it only through the
 * <l4/...> accessors.
 */
struct l4sim_utcb {
    unsigned long my_global_id;
    unsigned long my_local_id;
    unsigned long processor_no;
    unsigned long user_defined_handle;
    unsigned long pager;
    unsigned long exception_handler;
    unsigned long preempt_flags;
    unsigned long cop_flags;
    unsigned long error_code;
    unsigned long xfer_timeouts;
    unsigned long intended_receiver;
    unsigned long virtual_actual_sender;
    unsigned long thread_word[2];
    unsigned long mr[L4SIM_NUM_MRS];
    unsigned long br[L4SIM_NUM_BRS];
};

/*
 * Where the KIP links to each entry point: word indices into the KIP, whose
 * words hold the entry's address minus the KIP's. Words 52..62 are X.2's
 * system calls; words 64.. are l4sim's own extensions (not X.2), which an
 * ELF image needs because it cannot reach the kernel's TLS or symbols.
 */
#define L4SIM_KIP_SPACE_CONTROL      52
#define L4SIM_KIP_THREAD_CONTROL     53
#define L4SIM_KIP_PROCESSOR_CONTROL  54
#define L4SIM_KIP_MEMORY_CONTROL     55
#define L4SIM_KIP_IPC                56
#define L4SIM_KIP_LIPC               57
#define L4SIM_KIP_UNMAP              58
#define L4SIM_KIP_EXCHANGE_REGISTERS 59
#define L4SIM_KIP_SYSTEM_CLOCK       60
#define L4SIM_KIP_THREAD_SWITCH      61
#define L4SIM_KIP_SCHEDULE           62
#define L4SIM_KIP_UTCB               64 /* l4sim_sys_utcb */
#define L4SIM_KIP_KDB_PRINT          65 /* l4sim_sys_kdb_print */
#define L4SIM_KIP_FAULT_QUERY        66 /* l4sim_sys_fault_query */
#define L4SIM_KIP_THREAD_STATS       67 /* l4sim_sys_thread_stats */

/*
 * The calling thread's UTCB. A host thread that is not an L4 thread sees a
 * shared scratch UTCB, so stray register accesses do not crash; its system
 * calls fail with an error instead.
 *
 * Host code reads it from a TLS variable. An ELF image (compiled with
 * L4SIM_IMAGE defined) has no TLS of its own and asks its runtime, which
 * asks the kernel through the KIP (l4sim_sys_utcb).
 */
#ifdef L4SIM_IMAGE
struct l4sim_utcb *l4sim_image_utcb(void);

static inline struct l4sim_utcb *l4sim_utcb(void)
{
    return l4sim_image_utcb();
}
#else
extern __thread struct l4sim_utcb *l4sim_current_utcb;

static inline struct l4sim_utcb *l4sim_utcb(void)
{
    return l4sim_current_utcb;
}
#endif

/* System calls. Arguments and results are raw words, as in X.2. */
void *l4sim_sys_kernel_interface(unsigned long *api_version, unsigned long *api_flags,
                                 unsigned long *kernel_id);
unsigned long l4sim_sys_exchange_registers(unsigned long dest, unsigned long control,
                                           unsigned long sp, unsigned long ip, unsigned long flags,
                                           unsigned long user_handle, unsigned long pager,
                                           unsigned long *old_control, unsigned long *old_sp,
                                           unsigned long *old_ip, unsigned long *old_flags,
                                           unsigned long *old_user_handle,
                                           unsigned long *old_pager);
unsigned long l4sim_sys_thread_control(unsigned long dest, unsigned long space_specifier,
                                       unsigned long scheduler, unsigned long pager,
                                       unsigned long utcb_location);
unsigned long long l4sim_sys_system_clock(void);
void l4sim_sys_thread_switch(unsigned long dest);
unsigned long l4sim_sys_schedule(unsigned long dest, unsigned long time_control,
                                 unsigned long processor_control, unsigned long prio_control,
                                 unsigned long preemption_control, unsigned long *old_time_control);
/* Returns the received tag (MR0); the partner's ID is stored in *from. */
unsigned long l4sim_sys_ipc(unsigned long to, unsigned long from_specifier, unsigned long timeouts,
                            unsigned long *from);
unsigned long l4sim_sys_lipc(unsigned long to, unsigned long from_specifier, unsigned long timeouts,
                             unsigned long *from);
void l4sim_sys_unmap(unsigned long control);
/* A line for the trace (L4_KDB_PrintString): len bytes at s, already copied by the caller. */
void l4sim_sys_kdb_print(const char *s, unsigned long len);
unsigned long l4sim_sys_space_control(unsigned long space_specifier, unsigned long control,
                                      unsigned long kip_area, unsigned long utcb_area,
                                      unsigned long redirector, unsigned long *old_control);
unsigned long l4sim_sys_processor_control(unsigned long processor_no,
                                          unsigned long internal_frequency,
                                          unsigned long external_frequency, unsigned long voltage);
unsigned long l4sim_sys_memory_control(unsigned long control, const unsigned long attributes[4]);
/* Not an X.2 call: does the named fault point fire now for the caller (on
 * behalf of partner, or 0)? 0 when no fault spec is active. */
int l4sim_sys_fault_query(const char *point, unsigned long partner);
/* Not an X.2 call: a thread's statistics (privileged, like ThreadControl).
 * out[0] CPU time in µs (virtual in deterministic mode), out[1] messages
 * sent, out[2] received, out[3] page faults, out[4] priority, out[5] time
 * control and out[6] preemption control, as Schedule last set them.
 * Returns 1, or 0 with an error code in the caller's UTCB. */
#define L4SIM_THREAD_STATS_WORDS 7
unsigned long l4sim_sys_thread_stats(unsigned long thread,
                                     unsigned long out[L4SIM_THREAD_STATS_WORDS]);
/* Not an X.2 call: the calling thread's UTCB (KIP word L4SIM_KIP_UTCB). */
struct l4sim_utcb *l4sim_sys_utcb(void);

#ifdef __cplusplus
}
#endif

#endif /* L4SIM_ABI_H */

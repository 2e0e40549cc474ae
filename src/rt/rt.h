/*
 * Inside the user runtime: the state every part shares and the lock they
 * share it with. The runtime's state must survive a fork into another
 * window, so none of it may hold an absolute address into the image, its
 * heap or its stacks across a fork; start.c resets what cannot be kept.
 */
#ifndef L4RT_RT_H
#define L4RT_RT_H

#include <stdbool.h>

#include <l4/thread.h>
#include <l4/types.h>
#include <l4rt/l4rt.h>
#include <l4srv/call.h>
#include <l4srv/task.h>

/* Set by every start, before anything else runs on that thread. */
extern void *rt_kip;            /* the KIP (host memory: the same in every space) */
extern L4_Word_t rt_image;      /* where this image's offset 0 lies in this space */
extern L4_ThreadId_t rt_taskid; /* this task: its region mapper */

/* crt0.S: the entry of every thread, and the C half it calls. */
void _start(void);
_Noreturn void rt_start(void *kip, struct task_startup *startup);

/* A spinning lock that yields the CPU while it waits (no futexes here). */
struct rt_lock {
    int held;
};
void rt_lock(struct rt_lock *l);
void rt_unlock(struct rt_lock *l);

/* Images do not link the host's stubs: they wait the default call timeout. */
#define RT_CALL_TIMEOUT L4_TimePeriod(1000ULL * L4SRV_CALL_TIMEOUT_MS)

/* One Call to a server: label, u words; the reply's first `want` words to
 * out. 0, the reply's error label, L4SRV_ERR_UNRESPONSIVE when the server
 * takes neither request nor reply in RT_CALL_TIMEOUT, or L4SRV_ERR_IPC. */
int rt_call(L4_ThreadId_t to, L4_Word_t label, unsigned u, const L4_Word_t *w, unsigned want,
            L4_Word_t *out);
/* The same for a wait by design (task_wait): only the request is timed. */
int rt_call_waiting(L4_ThreadId_t to, L4_Word_t label, unsigned u, const L4_Word_t *w,
                    unsigned want, L4_Word_t *out);

/* console.c: put under the lock, so that one printf is never torn apart. */
void rt_console_lock(void);
void rt_console_unlock(void);
void rt_console_put(const char *s, size_t n);
void rt_console_flush(void);
void rt_console_reset(void); /* a forked child: the parent's partial line is not its own */

/* malloc.c */
void rt_heap_reset(void); /* a forked child: locks free again */

/* printf.c: the formatter behind every printf; emit(ctx, s, n) takes each piece. */
int rt_format(void (*emit)(void *ctx, const char *s, size_t n), void *ctx, const char *fmt,
              va_list ap);

/* Sleep for ever: what a thread does when the task server will not end it. */
_Noreturn void rt_halt(void);

#endif /* L4RT_RT_H */

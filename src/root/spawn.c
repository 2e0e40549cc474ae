/*
 * Threads of the root task's own space: the system servers run there, as
 * privileged threads. Their stacks come from the host heap and are freed
 * once the run is over; nothing here may outlive l4srv_run.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4srv/system.h>

#include "root.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif

#define MAX_LOCAL_STACKS 64

struct local_stack {
    void *base;
    unsigned valgrind_id;
};

static pthread_mutex_t stacks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct local_stack stacks[MAX_LOCAL_STACKS]; /* guarded by stacks_lock */
static unsigned stack_count;                        /* guarded by stacks_lock */

static void *stack_alloc(size_t size)
{
    pthread_mutex_lock(&stacks_lock);
    void *base = stack_count < MAX_LOCAL_STACKS ? aligned_alloc(16, size) : NULL;
    if (base) {
        stacks[stack_count].base = base;
        stacks[stack_count].valgrind_id = 0;
#ifdef HAVE_VALGRIND_H
        if (RUNNING_ON_VALGRIND)
            stacks[stack_count].valgrind_id = VALGRIND_STACK_REGISTER(base, (char *) base + size);
#endif
        stack_count++;
    }
    pthread_mutex_unlock(&stacks_lock);
    return base;
}

void root_free_stacks(void)
{
    pthread_mutex_lock(&stacks_lock);
    for (unsigned i = 0; i < stack_count; i++) {
#ifdef HAVE_VALGRIND_H
        if (stacks[i].valgrind_id)
            VALGRIND_STACK_DEREGISTER(stacks[i].valgrind_id);
#endif
        free(stacks[i].base);
    }
    stack_count = 0;
    pthread_mutex_unlock(&stacks_lock);
}

/*
 * Local IDs are UTCB locations: each thread of the root space has the slot
 * its distance from the root task's thread number gives, counted from the
 * root's own UTCB, so any of them can compute any other's.
 */
static void *utcb_location(L4_ThreadId_t tid)
{
    L4_Word_t utcb_size = L4_UtcbSize(L4_GetKernelInterface());
    L4_Word_t root_utcb =
        L4_MyLocalId().raw - (L4_ThreadNo(L4_Myself()) - l4srv_root_threadno()) * utcb_size;
    return (void *) (root_utcb + (L4_ThreadNo(tid) - l4srv_root_threadno()) * utcb_size);
}

int l4srv_spawn_local(L4_ThreadId_t tid, void (*fn)(void *kip), L4_ThreadId_t pager,
                      size_t stack_size)
{
    L4_ThreadId_t me = L4_Myself();
    if (!L4_ThreadControl(tid, me, me, pager, utcb_location(tid))) {
        fprintf(stderr, "l4srv: creating thread %lx failed: %s\n", tid.raw,
                L4_ErrorCode_String(L4_ErrorCode()));
        return 0;
    }
    char *stack = stack_alloc(stack_size);
    if (!stack) {
        fprintf(stderr, "l4srv: no stack for thread %lx\n", tid.raw);
        L4_ThreadControl(tid, L4_nilthread, L4_nilthread, L4_nilthread, (void *) ~0UL);
        return 0;
    }
    L4_Start_SpIp(tid, (L4_Word_t) (stack + stack_size), (L4_Word_t) fn);
    return 1;
}

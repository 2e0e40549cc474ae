/*
 * Finding threads: thread numbers index one table of TCBs that lives for
 * the whole run, so a stale pointer is never dangling, only out of date;
 * callers compare the ID (with its version) to notice that.
 */
#include "kernel.h"

struct kernel kernel;
__thread struct tcb *current_tcb __attribute__((tls_model("initial-exec")));

struct tcb *tcb_by_threadno(word_t no)
{
    if (no < THREADNO_USER_BASE || no >= kernel.tcb_count)
        return NULL;
    return &kernel.tcbs[no];
}

static bool is_live(struct tcb *t)
{
    int life = atomic_load_explicit(&t->life, memory_order_acquire);
    return life == LIFE_ACTIVE || life == LIFE_INACTIVE;
}

struct tcb *tcb_lookup_local(struct tcb *self, word_t local_id)
{
    struct space *s = self ? self->space : NULL;
    if (!s || !s->initialized || !space_utcb_location_valid(s, local_id))
        return NULL;
    word_t slot = (local_id - (s->utcb_area & ~0x3ffUL)) >> UTCB_SIZE_LOG2;
    struct tcb *t = __atomic_load_n(&s->slot_owner[slot], __ATOMIC_ACQUIRE);
    return t && is_live(t) && t->space == s ? t : NULL;
}

struct tcb *tcb_lookup(struct tcb *self, word_t id)
{
    if (id == ID_NIL || id == ID_ANY || id == ID_ANYLOCAL)
        return NULL;
    if (!id_is_global(id))
        return tcb_lookup_local(self, id);
    struct tcb *t = tcb_by_threadno(id_threadno(id));
    if (!t || !is_live(t) || __atomic_load_n(&t->id, __ATOMIC_ACQUIRE) != id)
        return NULL;
    return t;
}

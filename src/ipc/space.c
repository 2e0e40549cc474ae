/*
 * Spaces: what SpaceControl sets up (KIP area, UTCB area, redirector) and
 * where each thread's UTCB lives. A space's window and mappings belong to
 * the memory layer (window.c, mapdb.c).
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "kernel.h"
#include "memory.h"

#define MIN_KIP_AREA_LOG2  12
#define MAX_UTCB_AREA_LOG2 24 /* 16384 UTCBs */

struct space *space_alloc(void)
{
    for (unsigned i = 0; i < kernel.space_count; i++) {
        struct space *s = &kernel.spaces[i];
        if (!s->live) {
            *s = (struct space){.live = true, .index = i};
            return s;
        }
    }
    return NULL;
}

static void space_free_storage(struct space *s)
{
    if (s->utcb_slots)
        munmap(s->utcb_slots, s->utcb_slot_count * UTCB_SIZE);
    free(s->slot_owner);
    s->utcb_slots = NULL;
    s->slot_owner = NULL;
}

void space_release_if_unused(struct space *s)
{
    if (!s->live || s->threads)
        return;
    trace_event(TR_SPACE_DELETE, ID_NIL, ID_NIL, 0, "its last thread is gone");
    window_detach(s);
    space_free_storage(s);
    s->live = false;
}

void spaces_free_all(void)
{
    for (unsigned i = 0; i < kernel.space_count; i++)
        if (kernel.spaces[i].live) {
            window_detach(&kernel.spaces[i]);
            space_free_storage(&kernel.spaces[i]);
        }
}

bool space_utcb_location_valid(struct space *s, word_t location)
{
    if (!s->initialized || (location & (UTCB_SIZE - 1)))
        return false;
    word_t base = fpage_base(s->utcb_area);
    return location >= base && location - base < s->utcb_slot_count * UTCB_SIZE;
}

struct l4sim_utcb *space_utcb(struct space *s, word_t location)
{
    word_t slot = (location - fpage_base(s->utcb_area)) >> UTCB_SIZE_LOG2;
    return (struct l4sim_utcb *) (s->utcb_slots + slot * UTCB_SIZE);
}

/* Install KIP and UTCB areas; *error gets the X.2 code on failure. */
bool space_set_areas(struct space *s, word_t kip_area, word_t utcb_area, word_t *error)
{
    unsigned ulog2 = fpage_size_log2(utcb_area), klog2 = fpage_size_log2(kip_area);
    if (ulog2 < UTCB_SIZE_LOG2 || ulog2 > MAX_UTCB_AREA_LOG2) {
        *error = ERR_UTCB_AREA;
        return false;
    }
    if (klog2 < MIN_KIP_AREA_LOG2 || klog2 >= 48) {
        *error = ERR_KIP_AREA;
        return false;
    }
    word_t ub = fpage_base(utcb_area), kb = fpage_base(kip_area);
    if (ub < kb + (1UL << klog2) && kb < ub + (1UL << ulog2)) {
        *error = ERR_KIP_AREA; /* the KIP area must not overlap the UTCB area */
        return false;
    }
    word_t count = 1UL << (ulog2 - UTCB_SIZE_LOG2);
    /* Untouched UTCB slots cost no memory: mmap hands out zero pages lazily. */
    void *slots = mmap(NULL, count * UTCB_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    struct tcb **owners = calloc(count, sizeof(*owners));
    if (slots == MAP_FAILED || !owners) {
        if (slots != MAP_FAILED)
            munmap(slots, count * UTCB_SIZE);
        free(owners);
        *error = ERR_NO_MEM;
        return false;
    }
    space_free_storage(s);
    s->utcb_slots = slots;
    s->slot_owner = owners;
    s->utcb_slot_count = count;
    s->kip_area = kip_area;
    s->utcb_area = utcb_area;
    s->initialized = true;
    return true;
}

/*
 * SpaceControl: set a space's KIP area, UTCB area and redirector. The areas
 * are fixed once a thread of the space is active; nil fpages leave them. A
 * call that fails changes nothing. The redirector is checked and kept, but
 * IPC is never redirected (docs/design.md, Departures).
 */
word_t space_control(struct tcb *self, word_t space_spec, word_t control, word_t kip_area,
                     word_t utcb_area, word_t redirector, word_t *old_control)
{
    (void) control;
    *old_control = 0;
    struct tcb *t = id_is_global(space_spec) ? tcb_lookup(self, space_spec) : NULL;
    if (!t) {
        self->utcb->error_code = ERR_INVALID_SPACE;
        return 0;
    }
    struct space *s = t->space;
    /* nilthread leaves the redirector as it is; anythread means none. */
    if (redirector != ID_NIL && redirector != ID_ANY && !tcb_lookup(self, redirector)) {
        self->utcb->error_code = ERR_INVALID_THREAD;
        return 0;
    }
    /* Architecture-specific: the window, an fpage (windows are naturally aligned). */
    if (s->win_size)
        *old_control = s->win_base | ((word_t) __builtin_ctzl(s->win_size) << 4);
    bool set_areas = kip_area != 0 || utcb_area != 0;
    if (set_areas) {
        if (s->active_threads) {
            bool same =
                (!utcb_area || utcb_area == s->utcb_area) && (!kip_area || kip_area == s->kip_area);
            if (!same) {
                /* A nil fpage leaves that area alone: it is not the culprit. */
                self->utcb->error_code =
                    utcb_area && utcb_area != s->utcb_area ? ERR_UTCB_AREA : ERR_KIP_AREA;
                return 0;
            }
        } else {
            word_t err;
            if (!space_set_areas(s, kip_area ? kip_area : s->kip_area,
                                 utcb_area ? utcb_area : s->utcb_area, &err)) {
                self->utcb->error_code = err;
                return 0;
            }
        }
    }
    if (redirector != ID_NIL)
        s->redirector = redirector;
    return 1;
}

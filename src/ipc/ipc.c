/*
 * The IPC path: a rendezvous between a sender and a receiver, handed off
 * through the scheduler seam. The common case (the partner already waits)
 * takes no lock: the sender claims the receiver with one compare-and-swap,
 * copies the message and wakes it. Only a sender that must wait takes the
 * receiver's queue lock.
 */
#include <stdio.h>
#include <string.h>

#include "faults.h"
#include "kernel.h"
#include "message.h"

/*
 * The receiver's ipc word: state in the low byte, a generation above it
 * that grows every time the thread starts to receive. A sender that read
 * RECEIVING at generation g can only claim that very receive.
 */
#define WORD_STATE(w) ((int) ((w) &0xff))
#define WORD_GEN(w)   ((w) >> 8)
#define WORD(gen, st) (((gen) << 8) | (uint64_t) (st))

static inline uint64_t ipc_word(struct tcb *t)
{
    return atomic_load_explicit(&t->ipc_word, memory_order_acquire);
}

static inline bool claim(struct tcb *t, uint64_t seen, int new_state)
{
    return atomic_compare_exchange_strong_explicit(&t->ipc_word, &seen,
                                                   WORD(WORD_GEN(seen), new_state),
                                                   memory_order_acq_rel, memory_order_acquire);
}

static inline word_t recv_spec(struct tcb *t)
{
    return __atomic_load_n(&t->recv_from, __ATOMIC_RELAXED);
}

static inline void set_state(struct tcb *t, int state)
{
    uint64_t w = ipc_word(t);
    atomic_store_explicit(&t->ipc_word, WORD(WORD_GEN(w), state), memory_order_release);
}

/* The ID a receiver sees for its sender: local inside one space, as in X.2. */
static word_t id_seen_by(struct tcb *sender, struct tcb *receiver)
{
    if (sender->space == receiver->space)
        return sender->utcb_location;
    return sender->id;
}

bool id_matches_from(struct tcb *receiver, word_t from_spec, struct tcb *sender)
{
    if (from_spec == ID_ANY)
        return true;
    if (from_spec == ID_ANYLOCAL)
        return sender->space == receiver->space;
    if (id_is_global(from_spec))
        return sender->id == from_spec;
    return sender->space == receiver->space && sender->utcb_location == from_spec;
}

bool ipc_is_receiving(struct tcb *t)
{
    return WORD_STATE(ipc_word(t)) == IPC_RECEIVING;
}

bool ipc_is_sending(struct tcb *t)
{
    int s = atomic_load_explicit(&t->send_state, memory_order_acquire);
    return s == SEND_QUEUED || s == SEND_LOCKED;
}

/* ------------------------------------------------------- sender queues */

/* Insert behind every sender of equal or higher priority. dest->lock held. */
static void queue_insert(struct tcb *dest, struct tcb *s)
{
    struct tcb *after = dest->queue_tail;
    while (after && after->priority < s->priority)
        after = after->queue_prev;
    s->queue_prev = after;
    s->queue_next = after ? after->queue_next : dest->queue_head;
    if (s->queue_next)
        s->queue_next->queue_prev = s;
    else
        dest->queue_tail = s;
    if (after)
        after->queue_next = s;
    else
        dest->queue_head = s;
}

static void queue_remove(struct tcb *dest, struct tcb *s)
{
    if (s->queue_prev)
        s->queue_prev->queue_next = s->queue_next;
    else
        dest->queue_head = s->queue_next;
    if (s->queue_next)
        s->queue_next->queue_prev = s->queue_prev;
    else
        dest->queue_tail = s->queue_prev;
    s->queue_next = s->queue_prev = NULL;
}

static struct tcb *queue_find(struct tcb *self, word_t from_spec)
{
    for (struct tcb *s = self->queue_head; s; s = s->queue_next)
        if (id_matches_from(self, from_spec, s))
            return s;
    return NULL;
}

/* ------------------------------------------------------------- transfer */

/*
 * Copy the message from src's UTCB to dst's. Both threads are inside the
 * kernel and neither can touch its UTCB until the rendezvous ends. Returns
 * the error pair (0 when the transfer succeeded).
 */
/* ipc/mr/corrupt: flip bits of one untyped word the receiver got. */
static __attribute__((noinline)) void corrupt_words(struct tcb *src, struct tcb *dst)
{
    word_t tag = dst->utcb->mr[0];
    unsigned u = (unsigned) (tag & 0x3f);
    struct fault_site site = {src, dst->id, tag >> 16, true};
    struct fault_shot shot;
    if (!u || !fault_fires(FP_IPC_MR_CORRUPT, &site, FAULT_TRACE_LATER, &shot))
        return;
    unsigned word = 1 + (unsigned) (shot.random % u);
    unsigned bits = shot.arg == 0 ? 1 : shot.arg > 64 ? 64 : (unsigned) shot.arg;
    word_t mask = 0;
    uint64_t r = shot.random;
    while ((unsigned) __builtin_popcountl(mask) < bits) {
        r = r * 6364136223846793005ull + 1442695040888963407ull; /* any fixed mixing will do */
        mask |= 1UL << (r >> 58);
    }
    dst->utcb->mr[word] ^= mask;
    char detail[64];
    fault_detail(detail, sizeof(detail), "mr", word, "xor", mask, true);
    fault_trace(FP_IPC_MR_CORRUPT, &site, detail);
}

static struct xfer_result transfer(struct tcb *src, struct tcb *dst)
{
    struct xfer_result r = message_copy(src, dst);
    if (__builtin_expect(faults_armed, 0))
        corrupt_words(src, dst);
    dst->recv_partner = id_seen_by(src, dst);
    src->sends_ok += !r.send_error;
    src->ipc_sent++;
    dst->ipc_received++;
    atomic_fetch_add_explicit(&kernel.ipc_count, 1, memory_order_relaxed);
    if (trace_enabled()) {
        trace_event(TR_SEND, src->id, dst->id, src->utcb->mr[0], NULL);
        trace_event(TR_RECV, dst->id, src->id, dst->utcb->mr[0], r.recv_error ? "error" : NULL);
    }
    return r;
}

/* -------------------------------------------------------- receive phase */

static struct tcb *recv_begin(struct tcb *t, word_t from_spec, bool may_wait, bool take,
                              bool *receiving);

/* The outcome of waiting: 0, or an IPC error code. */
static word_t finish_receive(struct tcb *self, word_t *from)
{
    *from = self->recv_partner;
    word_t err = self->recv_error;
    set_state(self, IPC_IDLE);
    return err;
}

/*
 * Pull the message of a sender that waited in our queue. The sender is
 * SEND_LOCKED, so it stays put until we mark it SEND_DONE.
 */
static word_t pull_from(struct tcb *self, struct tcb *s, word_t *from)
{
    struct xfer_result r = transfer(s, self);
    s->send_error = r.send_error;
    /* A caller must be receiving before it learns the send is done, or a
     * reply with a zero timeout could miss it. */
    if (!r.send_error && s->send_has_recv) {
        bool receiving;
        recv_begin(s, s->recv_from, true, false, &receiving);
    }
    atomic_store_explicit(&s->send_state, SEND_DONE, memory_order_release);
    sched_wake(s);
    *from = self->recv_partner;
    return r.recv_error;
}

/*
 * Start receiving on behalf of t (itself, or a caller we just served): if
 * a matching sender waits in t's queue, take it (when take) or leave it for
 * t; otherwise publish RECEIVING so senders can claim t. Returns the sender
 * taken, if any; *receiving tells whether t is now RECEIVING.
 */
static struct tcb *recv_begin(struct tcb *t, word_t from_spec, bool may_wait, bool take,
                              bool *receiving)
{
    *receiving = false;
    klock_acquire(&t->lock);
    struct tcb *s = queue_find(t, from_spec);
    if (s && take) {
        queue_remove(t, s);
        atomic_store_explicit(&s->send_state, SEND_LOCKED, memory_order_release);
    } else if (!s && may_wait) {
        __atomic_store_n(&t->recv_from, from_spec, __ATOMIC_RELAXED);
        uint64_t w = ipc_word(t);
        atomic_store_explicit(&t->ipc_word, WORD(WORD_GEN(w) + 1, IPC_RECEIVING),
                              memory_order_seq_cst);
        *receiving = true;
    }
    klock_release(&t->lock);
    return take ? s : NULL;
}

/* Leave RECEIVING by ourselves; false if a sender claimed us first. */
static bool recv_withdraw(struct tcb *self)
{
    uint64_t w = ipc_word(self);
    return WORD_STATE(w) == IPC_RECEIVING && claim(self, w, IPC_IDLE);
}

/* A closed receive from a thread that dies before sending must not hang. */
static bool partner_gone(struct tcb *partner, word_t partner_id)
{
    int life = atomic_load_explicit(&partner->life, memory_order_seq_cst);
    return (life != LIFE_ACTIVE && life != LIFE_INACTIVE) ||
           __atomic_load_n(&partner->id, __ATOMIC_ACQUIRE) != partner_id;
}

static word_t wait_for_message(struct tcb *self, uint64_t deadline, word_t *from)
{
    bool timed_out = false;
    for (;;) {
        uint32_t seq = sched_wake_seq(self);
        int st = WORD_STATE(ipc_word(self));
        if (st == IPC_DONE)
            return finish_receive(self, from);
        bool killed = atomic_load_explicit(&self->kill_requested, memory_order_acquire);
        /* A thread waiting for its start message may be started with
         * ExchangeRegisters instead. That can happen before this receive
         * was published, too late for the canceling in ipc_cancel(), so
         * the waiting thread itself watches for it. */
        bool started = atomic_load_explicit(&self->run, memory_order_seq_cst) == RUN_WAIT_START &&
                       atomic_load_explicit(&self->start_pending, memory_order_seq_cst);
        if (st == IPC_RECEIVING && (killed || timed_out || started)) {
            if (recv_withdraw(self)) {
                if (killed)
                    thread_abandon_user(self);
                if (started)
                    return IPCERR_CANCELED | IPCERR_RECV;
                trace_event(TR_TIMEOUT, self->id, ID_NIL, 0, "receive");
                return IPCERR_TIMEOUT | IPCERR_RECV;
            }
            continue; /* a sender claimed us just now */
        }
        /* Once claimed, the message arrives whatever the timeout says. */
        uint64_t until = (st == IPC_LOCKED || killed) ? DEADLINE_NEVER : deadline;
        timed_out = sched_block(self, seq, until) == BLOCK_TIMEOUT;
    }
}

static word_t receive_phase(struct tcb *self, word_t from_spec, uint64_t deadline, bool prepared,
                            word_t *from)
{
    struct tcb *partner = NULL;
    word_t partner_id = ID_NIL;
    if (from_spec != ID_ANY && from_spec != ID_ANYLOCAL) {
        partner = tcb_lookup(self, from_spec);
        if (!partner)
            return IPCERR_NOPARTNER | IPCERR_RECV;
        partner_id = partner->id;
    }
    if (!prepared) {
        bool receiving;
        struct tcb *s = recv_begin(self, from_spec, deadline != DEADLINE_ZERO, true, &receiving);
        if (s)
            return pull_from(self, s, from);
        if (!receiving) {
            trace_event(TR_TIMEOUT, self->id, ID_NIL, 0, "receive (zero timeout)");
            return IPCERR_TIMEOUT | IPCERR_RECV;
        }
    }
    /* Pairs with the dying partner's seq_cst store of its life before it
     * scans for closed receivers: one of the two sees the other. */
    if (partner && partner_gone(partner, partner_id) && recv_withdraw(self))
        return IPCERR_ABORTED | IPCERR_RECV;
    return wait_for_message(self, deadline, from);
}

/* ----------------------------------------------------------- send phase */

/* Hand our message to a receiver we claimed (IPC_LOCKED). */
static word_t push_to(struct tcb *self, struct tcb *dest, word_t from_spec, bool *prepared)
{
    struct xfer_result r = transfer(self, dest);
    dest->recv_error = r.recv_error;
    /* Become a receiver before waking the partner so its reply finds us. */
    *prepared = false;
    if (!r.send_error && from_spec != ID_NIL)
        recv_begin(self, from_spec, true, false, prepared);
    set_state(dest, IPC_DONE);
    sched_wake(dest);
    return r.send_error;
}

/* Leave dest's queue; false if a receiver already took us. */
static bool dequeue_self(struct tcb *self, struct tcb *dest)
{
    klock_acquire(&dest->lock);
    bool queued = atomic_load_explicit(&self->send_state, memory_order_acquire) == SEND_QUEUED;
    if (queued) {
        queue_remove(dest, self);
        atomic_store_explicit(&self->send_state, SEND_NONE, memory_order_release);
    }
    klock_release(&dest->lock);
    return queued;
}

static word_t wait_in_queue(struct tcb *self, struct tcb *dest, uint64_t deadline)
{
    bool timed_out = false;
    for (;;) {
        uint32_t seq = sched_wake_seq(self);
        int st = atomic_load_explicit(&self->send_state, memory_order_acquire);
        if (st == SEND_DONE)
            break;
        bool killed = atomic_load_explicit(&self->kill_requested, memory_order_acquire);
        if (st == SEND_QUEUED && (killed || timed_out)) {
            if (dequeue_self(self, dest)) {
                if (killed) {
                    self->sends_abandoned++;
                    thread_abandon_user(self);
                }
                trace_event(TR_TIMEOUT, self->id, dest->id, 0, "send");
                return IPCERR_TIMEOUT | IPCERR_SEND;
            }
            continue;
        }
        uint64_t until = (st == SEND_LOCKED || killed) ? DEADLINE_NEVER : deadline;
        timed_out = sched_block(self, seq, until) == BLOCK_TIMEOUT;
    }
    atomic_store_explicit(&self->send_state, SEND_NONE, memory_order_relaxed);
    return self->send_error;
}

/*
 * Deliver our message to dest. On success *prepared tells whether we are
 * already RECEIVING for the receive phase.
 */
static word_t send_phase(struct tcb *self, struct tcb *dest, word_t dest_id, word_t from_spec,
                         uint64_t deadline, bool *prepared)
{
    *prepared = false;

    /* Fast path: the receiver waits for us. */
    uint64_t w = ipc_word(dest);
    if (WORD_STATE(w) == IPC_RECEIVING && id_matches_from(dest, recv_spec(dest), self) &&
        __atomic_load_n(&dest->id, __ATOMIC_ACQUIRE) == dest_id && claim(dest, w, IPC_LOCKED))
        return push_to(self, dest, from_spec, prepared);

    /* Slow path: under the receiver's lock, try once more, then queue. */
    klock_acquire(&dest->lock);
    if (partner_gone(dest, dest_id)) {
        klock_release(&dest->lock);
        return IPCERR_NOPARTNER | IPCERR_SEND;
    }
    w = ipc_word(dest);
    if (WORD_STATE(w) == IPC_RECEIVING && id_matches_from(dest, recv_spec(dest), self) &&
        claim(dest, w, IPC_LOCKED)) {
        klock_release(&dest->lock);
        return push_to(self, dest, from_spec, prepared);
    }
    if (deadline == DEADLINE_ZERO) {
        klock_release(&dest->lock);
        trace_event(TR_TIMEOUT, self->id, dest->id, 0, "send (zero timeout)");
        return IPCERR_TIMEOUT | IPCERR_SEND;
    }
    self->send_dest = dest;
    self->send_has_recv = from_spec != ID_NIL;
    __atomic_store_n(&self->recv_from, from_spec, __ATOMIC_RELAXED);
    queue_insert(dest, self);
    atomic_store_explicit(&self->send_state, SEND_QUEUED, memory_order_release);
    klock_release(&dest->lock);

    word_t err = wait_in_queue(self, dest, deadline);
    /* The receiver that pulled our message made us RECEIVING (unless a
     * sender waits in our own queue); by now the reply may already have
     * claimed us (LOCKED) or been delivered (DONE). Any state but IDLE
     * means the receive phase is under way and must not be restarted. */
    if (!err && self->send_has_recv)
        *prepared = WORD_STATE(ipc_word(self)) != IPC_IDLE;
    return err;
}

/* ---------------------------------------------------------- injection */

/*
 * The injection helpers are never inlined: ipc_do and transfer keep the
 * frames and code they had without fault injection. (Larger frames there
 * also brought back the Valgrind false alarms on user stacks described in
 * docs/design.md, in free-running mode too.)
 */

/* ipc/send/delay: the sender is held up; only a kill ends the wait early. */
static void delay_send(struct tcb *self, uint64_t us)
{
    uint64_t until = clock_now_us() + us;
    for (;;) {
        uint32_t seq = sched_wake_seq(self);
        if (atomic_load_explicit(&self->kill_requested, memory_order_acquire)) {
            self->sends_abandoned++;
            thread_abandon_user(self);
        }
        if (clock_now_us() >= until)
            return;
        sched_block(self, seq, until);
    }
}

/* server/hang: the thread stops here until it is killed. */
static __attribute__((noinline)) void hang_forever(struct tcb *self)
{
    self->hung = true;
    for (;;) {
        uint32_t seq = sched_wake_seq(self);
        if (atomic_load_explicit(&self->kill_requested, memory_order_acquire))
            thread_abandon_user(self);
        sched_block(self, seq, DEADLINE_NEVER);
    }
}

/*
 * The send phase with the send-side fault points (only when faults_armed).
 * A hang decided here lets the send go out (a server's last reply) and
 * hangs in the receive phase instead: *hang tells the caller.
 */
static __attribute__((noinline)) word_t send_injected(struct tcb *self, struct tcb *dest,
                                                      word_t from_spec, word_t timeouts,
                                                      bool *prepared, bool *hang)
{
    word_t label = self->utcb->mr[0] >> 16;
    struct fault_site site = {self, dest->id, label, true};
    struct fault_shot shot;
    *prepared = false;
    *hang = from_spec != ID_NIL && fault_check(FP_SERVER_HANG, self, ID_NIL, 0, false, NULL);
    if (*hang)
        from_spec = ID_NIL;
    if (fault_fires(FP_IPC_SEND_DELAY, &site, NULL, &shot))
        delay_send(self, shot.arg ? shot.arg : 1000);
    if (fault_fires(FP_IPC_SEND_DROP, &site, NULL, NULL)) {
        self->sends_dropped++; /* the sender sees success: the message is lost */
        return 0;
    }
    return send_phase(self, dest, dest->id, from_spec,
                      timeout_deadline((unsigned) (timeouts >> 16) & 0xffff), prepared);
}

/* --------------------------------------------------------------- the call */

/* A failed IPC returns a tag with only the error flag; ErrorCode says why. */
static word_t fail(struct tcb *self, word_t err)
{
    self->utcb->error_code = err;
    self->utcb->mr[0] = TAG_ERROR_FLAG;
    return TAG_ERROR_FLAG;
}

word_t ipc_do(struct tcb *self, word_t to, word_t from_spec, word_t timeouts, word_t *from)
{
    bool prepared = false, hang = false;
    *from = ID_NIL;

    /* Our receive buffers must be mapped before anyone can claim us. If
     * the pager will not map them, the send phase still happens, as X.2
     * orders it, and only the receive phase fails. */
    word_t buffer_err = from_spec != ID_NIL ? message_prefault(self, false) : 0;
    if (buffer_err) {
        if (to == ID_NIL)
            return fail(self, buffer_err);
        from_spec = ID_NIL;
    }
    if (to != ID_NIL) {
        struct tcb *dest = to == ID_ANY ? NULL : tcb_lookup(self, to);
        if (!dest)
            return fail(self, IPCERR_NOPARTNER | IPCERR_SEND);
        word_t bad = message_check(self->utcb);
        if (!bad)
            bad = message_prefault(self, true);
        if (bad)
            return fail(self, bad);
        self->sends_started++;
        word_t err;
        if (__builtin_expect(faults_armed, 0))
            err = send_injected(self, dest, from_spec, timeouts, &prepared, &hang);
        else
            err = send_phase(self, dest, dest->id, from_spec,
                             timeout_deadline((unsigned) (timeouts >> 16) & 0xffff), &prepared);
        if (err) {
            self->sends_failed++;
            return fail(self, err);
        }
    } else if (__builtin_expect(faults_armed, 0) && from_spec != ID_NIL &&
               atomic_load_explicit(&self->run, memory_order_relaxed) != RUN_WAIT_START) {
        /* Waiting for the start message is the kernel's protocol, not a server's receive. */
        hang = fault_check(FP_SERVER_HANG, self, ID_NIL, 0, false, NULL);
    }
    if (buffer_err)
        return fail(self, buffer_err);
    if (from_spec == ID_NIL)
        return self->utcb->mr[0] & ~TAG_FLAGS_MASK;
    if (hang)
        hang_forever(self);

    word_t err = receive_phase(self, from_spec, timeout_deadline((unsigned) timeouts & 0xffff),
                               prepared, from);
    if (err)
        return fail(self, err);
    return self->utcb->mr[0];
}

/* ---------------------------------------------------- death and aborts */

/* Complete a closed receiver waiting for a thread that can never send. */
static void abort_receiver(struct tcb *r, word_t partner_id)
{
    uint64_t w = ipc_word(r);
    if (WORD_STATE(w) != IPC_RECEIVING || !claim(r, w, IPC_LOCKED))
        return;
    r->utcb->mr[0] = 0;
    r->recv_error = IPCERR_ABORTED | IPCERR_RECV;
    r->recv_partner = partner_id;
    set_state(r, IPC_DONE);
    sched_wake(r);
}

void ipc_unwind_dying(struct tcb *self)
{
    /* Leave the queue we may be waiting in. */
    for (;;) {
        uint32_t seq = sched_wake_seq(self);
        int st = atomic_load_explicit(&self->send_state, memory_order_acquire);
        if (st == SEND_QUEUED) {
            dequeue_self(self, self->send_dest);
            continue;
        }
        if (st != SEND_LOCKED)
            break;
        sched_block(self, seq, DEADLINE_NEVER); /* a receiver is copying from us */
    }
    atomic_store_explicit(&self->send_state, SEND_NONE, memory_order_relaxed);

    /* Stop receiving; wait out a sender that is copying into us. */
    for (;;) {
        uint32_t seq = sched_wake_seq(self);
        uint64_t w = ipc_word(self);
        if (WORD_STATE(w) == IPC_LOCKED) {
            sched_block(self, seq, DEADLINE_NEVER);
            continue;
        }
        if (WORD_STATE(w) != IPC_RECEIVING || claim(self, w, IPC_IDLE))
            break;
    }
    set_state(self, IPC_IDLE);

    /* Senders waiting for us get an error instead of hanging. */
    klock_acquire(&self->lock);
    while (self->queue_head) {
        struct tcb *s = self->queue_head;
        queue_remove(self, s);
        s->send_error = IPCERR_ABORTED | IPCERR_SEND;
        atomic_store_explicit(&s->send_state, SEND_DONE, memory_order_release);
        sched_wake(s);
    }
    klock_release(&self->lock);

    /* So do closed receivers waiting for a message from us. */
    for (word_t no = THREADNO_USER_BASE; no < kernel.tcb_count; no++) {
        struct tcb *r = &kernel.tcbs[no];
        if (r == self || atomic_load_explicit(&r->life, memory_order_acquire) != LIFE_ACTIVE)
            continue;
        if (!ipc_is_receiving(r))
            continue;
        word_t spec = recv_spec(r);
        if (spec == self->id || (r->space == self->space && spec == self->utcb_location))
            abort_receiver(r, self->id);
    }
}

/* ExchangeRegisters abort: the victim's IPC fails with "canceled". */
void ipc_cancel(struct tcb *t, bool abort_send, bool abort_recv)
{
    if (abort_send && atomic_load_explicit(&t->send_state, memory_order_acquire) == SEND_QUEUED) {
        struct tcb *dest = t->send_dest;
        klock_acquire(&dest->lock);
        if (atomic_load_explicit(&t->send_state, memory_order_acquire) == SEND_QUEUED) {
            queue_remove(dest, t);
            t->send_error = IPCERR_CANCELED | IPCERR_SEND;
            atomic_store_explicit(&t->send_state, SEND_DONE, memory_order_release);
            sched_wake(t);
        }
        klock_release(&dest->lock);
    }
    if (abort_recv) {
        uint64_t w = ipc_word(t);
        if (WORD_STATE(w) == IPC_RECEIVING && claim(t, w, IPC_LOCKED)) {
            t->recv_error = IPCERR_CANCELED | IPCERR_RECV;
            t->recv_partner = ID_NIL;
            set_state(t, IPC_DONE);
            sched_wake(t);
        }
    }
}

/* For deadlock reports: what a blocked thread waits for. */
void describe_wait(struct tcb *t, char *buf, size_t size)
{
    int run = atomic_load(&t->run);
    if (ipc_is_sending(t) && t->send_dest) {
        snprintf(buf, size, "waits to send to %lu.%lu", id_threadno(t->send_dest->id),
                 id_version(t->send_dest->id));
    } else if (ipc_is_receiving(t)) {
        word_t from = recv_spec(t);
        if (from == ID_ANY)
            snprintf(buf, size, "waits to receive from anyone");
        else if (id_is_global(from))
            snprintf(buf, size, "waits to receive from %lu.%lu", id_threadno(from),
                     id_version(from));
        else
            snprintf(buf, size, "waits to receive from local thread 0x%lx", from);
    } else if (t->hung) {
        snprintf(buf, size, "hangs (fault server/hang)");
    } else if (run == RUN_HALTED) {
        snprintf(buf, size, "is halted");
    } else if (run == RUN_WAIT_START) {
        snprintf(buf, size, "waits for its start message");
    } else {
        snprintf(buf, size, "waits in the kernel");
    }
}

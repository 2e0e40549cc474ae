/*
 * /dev/random: an example device (Escape's createdev). A thread of the
 * root task registers the node and serves the file protocol for it
 * itself. Its bytes come from a PRNG seeded from the run's configuration,
 * never from the host, so a reproducible run stays reproducible.
 */
#include <stdint.h>
#include <string.h>

#include <l4srv/file.h>
#include <l4srv/naming.h>

#include "root.h"
#include "server.h"

#define RANDOM_OBJECT 1UL /* the handle the device gave /dev/random */
#define MAX_OPEN      16

struct stream {
    int used;
    L4_Word_t gen;   /* bumped on close, so the old handle goes stale */
    L4_Word_t owner; /* global ID of the opener */
    uint64_t state;  /* splitmix64 */
};

/* seed is set before the thread starts; the rest is touched only by it. */
static uint64_t seed;
static uint64_t opened;
static struct stream streams[MAX_OPEN];

void random_device_seed(uint64_t s)
{
    seed = s;
    opened = 0;
    memset(streams, 0, sizeof(streams));
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static L4_Word_t stream_handle(int i)
{
    return streams[i].gen << 8 | (L4_Word_t) i;
}

static struct stream *stream_of(const struct srv_req *rq, L4_Word_t handle)
{
    L4_Word_t i = handle & 0xff;
    if (i >= MAX_OPEN || !streams[i].used || stream_handle((int) i) != handle ||
        streams[i].owner != rq->client.raw)
        return NULL;
    return &streams[i];
}

static int do_open(const struct srv_req *rq, L4_Word_t *handle)
{
    if (!srv_shape(rq, 2, 0))
        return L4SRV_ERR_INVALID_ARG;
    if (rq->w[0] != RANDOM_OBJECT)
        return L4SRV_ERR_NON_EXISTENT;
    if (rq->w[1] & FILE_OPEN_WRITE)
        return L4SRV_ERR_FILE_ACCESS;
    if (rq->w[1] != FILE_OPEN_READ)
        return L4SRV_ERR_INVALID_ARG;
    int i = 0;
    while (i < MAX_OPEN && streams[i].used)
        i++;
    if (i == MAX_OPEN)
        return L4SRV_ERR_NO_MEM;
    /* Each open gets its own stream: the n-th open of a run always reads the same bytes. */
    uint64_t s = seed ^ ++opened;
    struct stream *st = &streams[i];
    st->used = 1;
    st->gen++;
    st->owner = rq->client.raw;
    st->state = splitmix64(&s);
    *handle = stream_handle(i);
    return 0;
}

static int read_request(const struct srv_req *rq, struct stream **st)
{
    if (!srv_shape(rq, 2, 0))
        return L4SRV_ERR_INVALID_ARG;
    if (!(*st = stream_of(rq, rq->w[0])))
        return L4SRV_ERR_NON_EXISTENT;
    if (rq->w[1] == 0 || rq->w[1] > FILE_IO_MAX)
        return L4SRV_ERR_INVALID_ARG;
    return 0;
}

static void do_read(const struct srv_req *rq)
{
    static unsigned char out[FILE_IO_MAX];
    struct stream *st;
    int err = read_request(rq, &st);
    if (err) {
        srv_reply(rq, (L4_Word_t) err, 0, NULL, NULL, 0);
        return;
    }
    uint64_t state = st->state, word = 0;
    for (L4_Word_t i = 0; i < rq->w[1]; i++) {
        if (i % 8 == 0)
            word = splitmix64(&state);
        out[i] = (unsigned char) (word >> (8 * (i % 8)));
    }
    L4_Word_t n = rq->w[1];
    if (srv_reply(rq, 0, 1, &n, out, n))
        st->state = state; /* bytes the client never got are not used up */
}

/* The rest of the file protocol: a stream has no size to speak of and no position. */
static int do_other(const struct srv_req *rq, L4_Word_t *word)
{
    unsigned u = rq->label == FILE_SEEK ? 3 : 1;
    if (!srv_shape(rq, u, rq->label == FILE_WRITE))
        return L4SRV_ERR_INVALID_ARG;
    struct stream *st = stream_of(rq, rq->w[0]);
    if (!st)
        return L4SRV_ERR_NON_EXISTENT;
    switch (rq->label) {
    case FILE_WRITE:
        return L4SRV_ERR_FILE_ACCESS;
    case FILE_SEEK:
        return L4SRV_ERR_INVALID_ARG;
    case FILE_SIZE:
        *word = 0;
        return 0;
    default:
        st->used = 0;
        return 0; /* FILE_CLOSE */
    }
}

static void serve(const struct srv_req *rq)
{
    L4_Word_t word = 0;
    int err;
    switch (rq->label) {
    case FILE_OPEN:
        err = do_open(rq, &word);
        break;
    case FILE_READ:
        do_read(rq);
        return;
    case FILE_WRITE:
    case FILE_SEEK:
    case FILE_SIZE:
    case FILE_CLOSE:
        err = do_other(rq, &word);
        break;
    default:
        err = L4SRV_ERR_INVALID_ARG;
        break;
    }
    int words = !err && (rq->label == FILE_OPEN || rq->label == FILE_SIZE);
    srv_reply(rq, (L4_Word_t) err, (unsigned) words, &word, NULL, 0);
}

void random_device(void *kip)
{
    (void) kip;
    static char buf[FILE_IO_MAX];
    service_ready(service_register("/dev", NAMING_DEVICE, "random", RANDOM_OBJECT) == 0);
    struct srv_req rq;
    for (;;) {
        srv_receive(&rq, buf, sizeof(buf));
        serve(&rq);
    }
}

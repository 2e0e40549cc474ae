/*
 * The heap of an image: first fit over one free list, sorted by address
 * and coalesced, fed with regions the task's region mapper attaches. A
 * forked child runs on a copy of this memory in another window, so every
 * link is kept as an offset from the image base, never as an address.
 */
#include <l4/types.h>
#include <l4srv/rm.h>

#include "rt.h"

#define ALIGN      16UL
#define HEADER     16UL          /* struct block, before every block's data */
#define MIN_BLOCK  32UL          /* a header and the smallest payload */
#define CHUNK      (256UL << 10) /* the least the heap grows by */
#define SIZE_LIMIT (1UL << 46)   /* more than any window: refused at once */
#define PAGE       4096UL
#define NO_BLOCK   0UL /* offset 0 is the image's first byte: never a block */

struct block {
    L4_Word_t size; /* bytes, header included */
    L4_Word_t next; /* free blocks only: the next one's offset, or NO_BLOCK */
};

static struct rt_lock lock;
static L4_Word_t free_list = NO_BLOCK; /* guarded by lock; sorted by offset */

static struct block *at(L4_Word_t offset)
{
    return (struct block *) (rt_image + offset);
}

static L4_Word_t offset_of(const struct block *b)
{
    return (L4_Word_t) b - rt_image;
}

/* Put block b on the free list, merging it with free neighbours. */
static void insert_free(struct block *b)
{
    L4_Word_t off = offset_of(b), prev = NO_BLOCK, cur = free_list;
    while (cur != NO_BLOCK && cur < off) {
        prev = cur;
        cur = at(cur)->next;
    }
    b->next = cur;
    if (cur != NO_BLOCK && off + b->size == cur) {
        b->size += at(cur)->size;
        b->next = at(cur)->next;
    }
    if (prev == NO_BLOCK) {
        free_list = off;
    } else if (prev + at(prev)->size == off) {
        at(prev)->size += b->size;
        at(prev)->next = b->next;
    } else {
        at(prev)->next = off;
    }
}

/* A new region of at least need bytes from the region mapper, onto the free list. */
static bool grow(L4_Word_t need)
{
    L4_Word_t size = need < CHUNK ? CHUNK : (need + PAGE - 1) & ~(PAGE - 1);
    L4_Word_t w[3] = {size, L4_Readable | L4_Writable, 0}, address;
    if (rt_call(L4_Pager(), RM_ATTACH, 3, w, 1, &address) != 0 || address == 0)
        return false;
    struct block *b = (struct block *) address;
    b->size = size;
    insert_free(b);
    return true;
}

/* Take need bytes off the first free block big enough; NULL if none is. */
static struct block *take(L4_Word_t need)
{
    L4_Word_t prev = NO_BLOCK;
    for (L4_Word_t cur = free_list; cur != NO_BLOCK; prev = cur, cur = at(cur)->next) {
        struct block *b = at(cur);
        if (b->size < need)
            continue;
        if (b->size - need >= MIN_BLOCK) {
            /* Cut from the block's end: the free list stays as it is. */
            b->size -= need;
            struct block *tail = (struct block *) ((char *) b + b->size);
            tail->size = need;
            return tail;
        }
        if (prev == NO_BLOCK)
            free_list = b->next;
        else
            at(prev)->next = b->next;
        return b;
    }
    return NULL;
}

void *malloc(size_t size)
{
    if (size == 0 || size > SIZE_LIMIT)
        return NULL;
    L4_Word_t need = ((size + ALIGN - 1) & ~(ALIGN - 1)) + HEADER;
    rt_lock(&lock);
    struct block *b = take(need);
    if (!b && grow(need))
        b = take(need);
    rt_unlock(&lock);
    return b ? (char *) b + HEADER : NULL;
}

void free(void *p)
{
    if (!p)
        return;
    rt_lock(&lock);
    insert_free((struct block *) ((char *) p - HEADER));
    rt_unlock(&lock);
}

void *calloc(size_t count, size_t size)
{
    if (size && count > SIZE_LIMIT / size)
        return NULL;
    void *p = malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *realloc(void *p, size_t size)
{
    if (!p)
        return malloc(size);
    if (size == 0) {
        free(p);
        return NULL;
    }
    L4_Word_t have = ((struct block *) ((char *) p - HEADER))->size - HEADER;
    if (size <= have)
        return p;
    void *q = malloc(size);
    if (q) {
        memcpy(q, p, have);
        free(p);
    }
    return q;
}

void rt_heap_reset(void)
{
    rt_unlock(&lock);
}

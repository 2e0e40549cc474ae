/*
 * X.2 messages: the message and buffer registers, message tags, typed items
 * (map, grant and string items), L4_Msg_t message objects, acceptors and
 * receive string buffers.
 */
#ifndef L4_MESSAGE_H
#define L4_MESSAGE_H

#include <l4sim/abi.h>
#include <l4/types.h>

#define __L4_NUM_MRS L4SIM_NUM_MRS
#define __L4_NUM_BRS L4SIM_NUM_BRS

/*
 * Message registers MR0..MR63 and buffer registers BR0..BR32 live in the
 * calling thread's UTCB. Indices are not checked, exactly like the hardware
 * registers they stand for.
 */
L4_INLINE void L4_StoreMR(int i, L4_Word_t *w)
{
    *w = l4sim_utcb()->mr[i];
}

L4_INLINE void L4_LoadMR(int i, L4_Word_t w)
{
    l4sim_utcb()->mr[i] = w;
}

L4_INLINE void L4_StoreMRs(int i, int k, L4_Word_t *w)
{
    const L4_Word_t *mr = &l4sim_utcb()->mr[i];
    for (int n = 0; n < k; n++)
        w[n] = mr[n];
}

L4_INLINE void L4_LoadMRs(int i, int k, const L4_Word_t *w)
{
    L4_Word_t *mr = &l4sim_utcb()->mr[i];
    for (int n = 0; n < k; n++)
        mr[n] = w[n];
}

L4_INLINE void L4_StoreBR(int i, L4_Word_t *w)
{
    *w = l4sim_utcb()->br[i];
}

L4_INLINE void L4_LoadBR(int i, L4_Word_t w)
{
    l4sim_utcb()->br[i] = w;
}

L4_INLINE void L4_StoreBRs(int i, int k, L4_Word_t *w)
{
    const L4_Word_t *br = &l4sim_utcb()->br[i];
    for (int n = 0; n < k; n++)
        w[n] = br[n];
}

L4_INLINE void L4_LoadBRs(int i, int k, const L4_Word_t *w)
{
    L4_Word_t *br = &l4sim_utcb()->br[i];
    for (int n = 0; n < k; n++)
        br[n] = w[n];
}

/*
 * Message tag (MR0). flags is written by the kernel on receipt: bit 0
 * propagated, bit 1 redirected, bit 2 cross-processor, bit 3 error.
 */
typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t u : 6;
        L4_Word_t t : 6;
        L4_Word_t flags : 4;
        L4_Word_t label : 48;
    } X;
} L4_MsgTag_t;

#define L4SIM_API_LABEL_MASK 0xffffffffffffUL

#define L4_Niltag L4SIM_API_RAW(L4_MsgTag_t, 0UL)

L4_INLINE L4_Bool_t L4_IsMsgTagEqual(const L4_MsgTag_t l, const L4_MsgTag_t r)
{
    return l.raw == r.raw;
}

L4_INLINE L4_Bool_t L4_IsMsgTagNotEqual(const L4_MsgTag_t l, const L4_MsgTag_t r)
{
    return l.raw != r.raw;
}

/* Labels are taken as words so negative protocol labels survive intact. */
L4_INLINE L4_MsgTag_t L4_MsgTagAddLabel(const L4_MsgTag_t t, L4_Word_t label)
{
    L4_MsgTag_t tag;
    tag.raw = (t.raw & 0xffffUL) | ((label & L4SIM_API_LABEL_MASK) << 16);
    return tag;
}

L4_INLINE L4_MsgTag_t L4_MsgTagAddLabelTo(L4_MsgTag_t *t, L4_Word_t label)
{
    *t = L4_MsgTagAddLabel(*t, label);
    return *t;
}

L4_INLINE L4_Word_t L4_Label(L4_MsgTag_t t)
{
    return t.X.label;
}

L4_INLINE L4_Word_t L4_UntypedWords(L4_MsgTag_t t)
{
    return t.X.u;
}

L4_INLINE L4_Word_t L4_TypedWords(L4_MsgTag_t t)
{
    return t.X.t;
}

L4_INLINE void L4_Set_Label(L4_MsgTag_t *t, L4_Word_t label)
{
    L4_MsgTagAddLabelTo(t, label);
}

/* The tag currently in MR0. */
L4_INLINE L4_MsgTag_t L4_MsgTag(void)
{
    L4_MsgTag_t tag;
    L4_StoreMR(0, &tag.raw);
    return tag;
}

L4_INLINE void L4_Set_MsgTag(L4_MsgTag_t t)
{
    L4_LoadMR(0, t.raw);
}

/*
 * Kernel-defined protocols put a small negative number in the upper 44 bits
 * of the label and arguments in its low four bits. Comparing whole labels
 * against e.g. (-2 << 4) fails because the label is only 48 bits wide; this
 * returns the sign-extended protocol number instead (-2 for a page fault).
 */
#define L4_PROTOCOL_INTERRUPT  (-1L)
#define L4_PROTOCOL_PAGEFAULT  (-2L)
#define L4_PROTOCOL_PREEMPTION (-3L)
#define L4_PROTOCOL_SIGMA0     (-6L)

L4_INLINE L4_SignedWord_t L4_MsgTagProtocol(L4_MsgTag_t t)
{
    return (L4_SignedWord_t) t.raw >> 20;
}

/* The 48-bit label of protocol `proto` with argument bits `low4`. */
L4_INLINE L4_Word_t L4_ProtocolLabel(L4_SignedWord_t proto, L4_Word_t low4)
{
    return (((L4_Word_t) proto << 4) | (low4 & 0xf)) & L4SIM_API_LABEL_MASK;
}

#ifdef __cplusplus
static inline bool operator==(const L4_MsgTag_t &l, const L4_MsgTag_t &r)
{
    return l.raw == r.raw;
}

static inline bool operator!=(const L4_MsgTag_t &l, const L4_MsgTag_t &r)
{
    return l.raw != r.raw;
}

static inline L4_MsgTag_t operator+(const L4_MsgTag_t &t, L4_Word_t label)
{
    return L4_MsgTagAddLabel(t, label);
}

static inline L4_MsgTag_t operator+=(L4_MsgTag_t &t, L4_Word_t label)
{
    return L4_MsgTagAddLabelTo(&t, label);
}
#endif /* __cplusplus */

/*
 * Typed items. The first word of every item has the continuation bit C in
 * bit 0 and the item type in bits 1..3: 100 map, 101 grant, 0hh string
 * (hh being a cache allocation hint).
 */
#define L4SIM_API_ITEM_TYPE(w)  (((w) >> 1) & 7)
#define L4SIM_API_TYPE_MAP      4UL
#define L4SIM_API_TYPE_GRANT    5UL
#define L4SIM_API_STR_J(w)      (((w) >> 4) & 0x1f)
#define L4SIM_API_STR_COMPOUND  (1UL << 9)
#define L4SIM_API_STR_LEN_SHIFT 10

/* A map item: the sender's fpage and where within the receive window it lands. */
typedef union {
    L4_Word_t raw[2];
    struct {
        L4_Word_t C : 1;
        L4_Word_t __type : 3;
        L4_Word_t __zeros : 6;
        L4_Word_t snd_base : 54;
        L4_Fpage_t snd_fpage;
    } X;
} L4_MapItem_t;

L4_INLINE L4_MapItem_t L4_MapItem(L4_Fpage_t f, L4_Word_t SndBase)
{
    L4_MapItem_t item;
    item.raw[0] = (SndBase & ~L4SIM_API_FPAGE_LOW_BITS) | (L4SIM_API_TYPE_MAP << 1);
    item.raw[1] = f.raw;
    return item;
}

L4_INLINE L4_Bool_t L4_IsMapItem(L4_MapItem_t m)
{
    return L4SIM_API_ITEM_TYPE(m.raw[0]) == L4SIM_API_TYPE_MAP;
}

L4_INLINE L4_Fpage_t L4_MapItemSndFpage(L4_MapItem_t m)
{
    return m.X.snd_fpage;
}

L4_INLINE L4_Word_t L4_MapItemSndBase(L4_MapItem_t m)
{
    return m.raw[0] & ~L4SIM_API_FPAGE_LOW_BITS;
}

/* A grant item has the map item's layout; the sender loses the fpage. */
typedef union {
    L4_Word_t raw[2];
    struct {
        L4_Word_t C : 1;
        L4_Word_t __type : 3;
        L4_Word_t __zeros : 6;
        L4_Word_t snd_base : 54;
        L4_Fpage_t snd_fpage;
    } X;
} L4_GrantItem_t;

L4_INLINE L4_GrantItem_t L4_GrantItem(L4_Fpage_t f, L4_Word_t SndBase)
{
    L4_GrantItem_t item;
    item.raw[0] = (SndBase & ~L4SIM_API_FPAGE_LOW_BITS) | (L4SIM_API_TYPE_GRANT << 1);
    item.raw[1] = f.raw;
    return item;
}

L4_INLINE L4_Bool_t L4_IsGrantItem(L4_GrantItem_t g)
{
    return L4SIM_API_ITEM_TYPE(g.raw[0]) == L4SIM_API_TYPE_GRANT;
}

L4_INLINE L4_Fpage_t L4_GrantItemSndFpage(L4_GrantItem_t g)
{
    return g.X.snd_fpage;
}

L4_INLINE L4_Word_t L4_GrantItemSndBase(L4_GrantItem_t g)
{
    return g.raw[0] & ~L4SIM_API_FPAGE_LOW_BITS;
}

#ifdef __cplusplus
static inline L4_Bool_t L4_MapItem(L4_MapItem_t m)
{
    return L4_IsMapItem(m);
}

static inline L4_Fpage_t L4_SndFpage(L4_MapItem_t m)
{
    return L4_MapItemSndFpage(m);
}

static inline L4_Word_t L4_SndBase(L4_MapItem_t m)
{
    return L4_MapItemSndBase(m);
}

static inline L4_Bool_t L4_GrantItem(L4_GrantItem_t g)
{
    return L4_IsGrantItem(g);
}

static inline L4_Fpage_t L4_SndFpage(L4_GrantItem_t g)
{
    return L4_GrantItemSndFpage(g);
}

static inline L4_Word_t L4_SndBase(L4_GrantItem_t g)
{
    return L4_GrantItemSndBase(g);
}
#endif /* __cplusplus */

/*
 * String items. A simple string item is two words: a header and one
 * pointer. A header may be followed by j + 1 pointers (a string scattered
 * over equally long substrings), and with c set another header follows that
 * continues the same logical string (a compound string). L4_StringItem_t
 * describes the first two words only; functions taking a pointer to one
 * expect the rest of the compound string to follow it in memory.
 */
typedef union {
    L4_Word_t raw[2];
    struct {
        L4_Word_t C : 1;
        L4_Word_t __type : 3;
        L4_Word_t j : 5;
        L4_Word_t c : 1;
        L4_Word_t string_length : 54;
        union {
            void *string_ptr;
        } str;
    } X;
} L4_StringItem_t;

L4_INLINE L4_StringItem_t L4_StringItem(int size, void *address)
{
    L4_StringItem_t item;
    item.raw[0] = ((L4_Word_t) size << L4SIM_API_STR_LEN_SHIFT);
    item.raw[1] = (L4_Word_t) address;
    return item;
}

L4_INLINE L4_Bool_t L4_IsStringItem(L4_StringItem_t *s)
{
    return (L4SIM_API_ITEM_TYPE(s->raw[0]) & 4) == 0;
}

L4_INLINE L4_Bool_t L4_CompoundString(L4_StringItem_t *s)
{
    return (s->raw[0] & L4SIM_API_STR_COMPOUND) != 0;
}

L4_INLINE L4_Word_t L4_Substrings(L4_StringItem_t *s)
{
    return L4SIM_API_STR_J(s->raw[0]) + 1;
}

/* Substring n counts from 1; its pointer is word n of the item. */
L4_INLINE void *L4_Substring(L4_StringItem_t *s, L4_Word_t n)
{
    return (void *) ((const L4_Word_t *) s)[n];
}

/* Internal: the number of words in the compound string starting at w. */
L4_INLINE L4_Word_t l4sim_api_string_words(const L4_Word_t *w)
{
    L4_Word_t n = 0, header;
    do {
        header = w[n];
        n += 2 + L4SIM_API_STR_J(header);
    } while (header & L4SIM_API_STR_COMPOUND);
    return n;
}

/* Internal: the word index of the last header in the compound string at w. */
L4_INLINE L4_Word_t l4sim_api_string_last_header(const L4_Word_t *w)
{
    L4_Word_t n = 0;
    while (w[n] & L4SIM_API_STR_COMPOUND)
        n += 2 + L4SIM_API_STR_J(w[n]);
    return n;
}

L4_INLINE void l4sim_api_copy_words(L4_Word_t *dst, const L4_Word_t *src, L4_Word_t n)
{
    for (L4_Word_t i = 0; i < n; i++)
        dst[i] = src[i];
}

/*
 * Appends the compound string *substr behind the end of the compound string
 * *dest, which must have room for it, and returns where the copy starts.
 */
L4_INLINE L4_StringItem_t *L4_AddSubstringTo(L4_StringItem_t *dest, L4_StringItem_t *substr)
{
    L4_Word_t *w = (L4_Word_t *) dest;
    L4_Word_t last = l4sim_api_string_last_header(w);
    L4_Word_t end = last + 2 + L4SIM_API_STR_J(w[last]);
    w[last] |= L4SIM_API_STR_COMPOUND;
    l4sim_api_copy_words(w + end, (const L4_Word_t *) substr,
                         l4sim_api_string_words((const L4_Word_t *) substr));
    return (L4_StringItem_t *) (w + end);
}

/* Adds one more substring pointer to the last piece of the compound string *dest. */
L4_INLINE L4_StringItem_t *L4_AddSubstringAddressTo(L4_StringItem_t *dest, void *substring_addr)
{
    L4_Word_t *w = (L4_Word_t *) dest;
    L4_Word_t last = l4sim_api_string_last_header(w);
    L4_Word_t j = L4SIM_API_STR_J(w[last]) + 1;
    w[last + 1 + j] = (L4_Word_t) substring_addr;
    w[last] = (w[last] & ~(0x1fUL << 4)) | ((j & 0x1f) << 4);
    return dest;
}

#ifdef __cplusplus
static inline L4_Bool_t L4_StringItem(L4_StringItem_t *s)
{
    return L4_IsStringItem(s);
}

/* A string item passed by value can only contribute its own first piece. */
static inline L4_StringItem_t *operator+=(L4_StringItem_t &dest, L4_StringItem_t substring)
{
    substring.raw[0] &= ~(L4SIM_API_STR_COMPOUND | (0x1fUL << 4));
    L4_AddSubstringTo(&dest, &substring);
    return &dest;
}

/*
 * Pistachio takes the compound substring by reference, which is ambiguous
 * with the by-value form for every lvalue; a pointer says "the whole
 * compound string lives here".
 */
static inline L4_StringItem_t *operator+=(L4_StringItem_t &dest, L4_StringItem_t *substring)
{
    L4_AddSubstringTo(&dest, substring);
    return &dest;
}

static inline L4_StringItem_t *operator+=(L4_StringItem_t &dest, void *substring_addr)
{
    L4_AddSubstringAddressTo(&dest, substring_addr);
    return &dest;
}
#endif /* __cplusplus */

/* Cache allocation hints travel in the hh bits (1..2) of a string item. */
typedef struct {
    L4_Word_t raw;
} L4_CacheAllocationHint_t;

#define L4_UseDefaultCacheAllocation L4SIM_API_RAW(L4_CacheAllocationHint_t, 0UL)

L4_INLINE L4_CacheAllocationHint_t L4_CacheAllocationHint(const L4_StringItem_t s)
{
    L4_CacheAllocationHint_t hint;
    hint.raw = s.raw[0] & 0x6;
    return hint;
}

/* Pistachio's spelling. */
#define L4_CacheAlloctionHint L4_CacheAllocationHint

L4_INLINE L4_Bool_t L4_IsCacheAllocationHintEqual(const L4_CacheAllocationHint_t l,
                                                  const L4_CacheAllocationHint_t r)
{
    return (l.raw & 0x6) == (r.raw & 0x6);
}

L4_INLINE L4_Bool_t L4_IsCacheAllocationHintNotEqual(const L4_CacheAllocationHint_t l,
                                                     const L4_CacheAllocationHint_t r)
{
    return (l.raw & 0x6) != (r.raw & 0x6);
}

L4_INLINE L4_StringItem_t L4_AddCacheAllocationHint(const L4_StringItem_t dest,
                                                    const L4_CacheAllocationHint_t h)
{
    L4_StringItem_t item = dest;
    item.raw[0] |= h.raw & 0x6;
    return item;
}

L4_INLINE L4_StringItem_t L4_AddCacheAllocationHintTo(L4_StringItem_t *dest,
                                                      const L4_CacheAllocationHint_t h)
{
    *dest = L4_AddCacheAllocationHint(*dest, h);
    return *dest;
}

#ifdef __cplusplus
static inline bool operator==(const L4_CacheAllocationHint_t &l, const L4_CacheAllocationHint_t &r)
{
    return L4_IsCacheAllocationHintEqual(l, r) != 0;
}

static inline bool operator!=(const L4_CacheAllocationHint_t &l, const L4_CacheAllocationHint_t &r)
{
    return L4_IsCacheAllocationHintNotEqual(l, r) != 0;
}

static inline L4_StringItem_t operator+(const L4_StringItem_t &dest,
                                        const L4_CacheAllocationHint_t &h)
{
    return L4_AddCacheAllocationHint(dest, h);
}

static inline L4_StringItem_t operator+=(L4_StringItem_t &dest, const L4_CacheAllocationHint_t &h)
{
    return L4_AddCacheAllocationHintTo(&dest, h);
}
#endif /* __cplusplus */

/*
 * Message objects: a memory image of MR0..MR63 to compose or take apart a
 * message before L4_MsgLoad or after L4_MsgStore. msg[0] is the tag;
 * untyped words follow, then typed items.
 */
typedef union {
    L4_Word_t raw[__L4_NUM_MRS];
    L4_Word_t msg[__L4_NUM_MRS];
    L4_MsgTag_t tag;
} L4_Msg_t;

L4_INLINE void L4_MsgPut(L4_Msg_t *msg, L4_Word_t label, int u, const L4_Word_t *Untyped, int t,
                         const void *Items)
{
    const L4_Word_t *items = (const L4_Word_t *) Items;
    for (int i = 0; i < u; i++)
        msg->msg[1 + i] = Untyped[i];
    for (int i = 0; i < t; i++)
        msg->msg[1 + u + i] = items[i];
    msg->tag.raw = ((label & L4SIM_API_LABEL_MASK) << 16) | (((L4_Word_t) t & 0x3f) << 6) |
                   ((L4_Word_t) u & 0x3f);
}

L4_INLINE void L4_MsgGet(const L4_Msg_t *msg, L4_Word_t *Untyped, void *Items)
{
    L4_Word_t u = msg->tag.X.u, t = msg->tag.X.t;
    L4_Word_t *items = (L4_Word_t *) Items;
    for (L4_Word_t i = 0; i < u; i++)
        Untyped[i] = msg->msg[1 + i];
    for (L4_Word_t i = 0; i < t; i++)
        items[i] = msg->msg[1 + u + i];
}

L4_INLINE L4_MsgTag_t L4_MsgMsgTag(const L4_Msg_t *msg)
{
    return msg->tag;
}

L4_INLINE void L4_Set_MsgMsgTag(L4_Msg_t *msg, L4_MsgTag_t t)
{
    msg->tag = t;
}

L4_INLINE L4_Word_t L4_MsgLabel(const L4_Msg_t *msg)
{
    return msg->tag.X.label;
}

L4_INLINE void L4_Set_MsgLabel(L4_Msg_t *msg, L4_Word_t label)
{
    L4_MsgTagAddLabelTo(&msg->tag, label);
}

/* Copies the tag and every word it announces into the MRs. */
L4_INLINE void L4_MsgLoad(L4_Msg_t *msg)
{
    L4_LoadMRs(0, (int) (1 + msg->tag.X.u + msg->tag.X.t), msg->msg);
}

/* Copies the words announced by t out of the MRs; t is the tag an IPC returned. */
L4_INLINE void L4_MsgStore(L4_MsgTag_t t, L4_Msg_t *msg)
{
    L4_StoreMRs(1, (int) (t.X.u + t.X.t), &msg->msg[1]);
    msg->tag = t;
}

L4_INLINE void L4_MsgClear(L4_Msg_t *msg)
{
    msg->msg[0] = 0;
}

/* Untyped words precede typed items, so existing items move up one word. */
L4_INLINE void L4_MsgAppendWord(L4_Msg_t *msg, L4_Word_t w)
{
    L4_Word_t u = msg->tag.X.u, t = msg->tag.X.t;
    for (L4_Word_t i = u + t; i > u; i--)
        msg->msg[i + 1] = msg->msg[i];
    msg->msg[u + 1] = w;
    msg->tag.X.u = u + 1;
}

/* Internal: appends n typed words. */
L4_INLINE void l4sim_api_msg_append_typed(L4_Msg_t *msg, const L4_Word_t *w, L4_Word_t n)
{
    l4sim_api_copy_words(&msg->msg[1 + msg->tag.X.u + msg->tag.X.t], w, n);
    msg->tag.X.t += n;
}

L4_INLINE void L4_MsgAppendMapItem(L4_Msg_t *msg, L4_MapItem_t m)
{
    l4sim_api_msg_append_typed(msg, m.raw, 2);
}

L4_INLINE void L4_MsgAppendGrantItem(L4_Msg_t *msg, L4_GrantItem_t g)
{
    l4sim_api_msg_append_typed(msg, g.raw, 2);
}

/* Only the first substring of s is sent; c and j are cleared to say so. */
L4_INLINE void L4_MsgAppendSimpleStringItem(L4_Msg_t *msg, L4_StringItem_t s)
{
    s.raw[0] &= ~(L4SIM_API_STR_COMPOUND | (0x1fUL << 4));
    l4sim_api_msg_append_typed(msg, s.raw, 2);
}

L4_INLINE void L4_MsgAppendStringItem(L4_Msg_t *msg, L4_StringItem_t *s)
{
    const L4_Word_t *w = (const L4_Word_t *) s;
    l4sim_api_msg_append_typed(msg, w, l4sim_api_string_words(w));
}

L4_INLINE void L4_MsgPutWord(L4_Msg_t *msg, L4_Word_t u, L4_Word_t w)
{
    msg->msg[u + 1] = w;
}

/* The Put/Get item functions address typed words: t counts from 0 after the untyped words. */
L4_INLINE void L4_MsgPutMapItem(L4_Msg_t *msg, L4_Word_t t, L4_MapItem_t m)
{
    l4sim_api_copy_words(&msg->msg[1 + msg->tag.X.u + t], m.raw, 2);
}

L4_INLINE void L4_MsgPutGrantItem(L4_Msg_t *msg, L4_Word_t t, L4_GrantItem_t g)
{
    l4sim_api_copy_words(&msg->msg[1 + msg->tag.X.u + t], g.raw, 2);
}

L4_INLINE void L4_MsgPutSimpleStringItem(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t s)
{
    s.raw[0] &= ~(L4SIM_API_STR_COMPOUND | (0x1fUL << 4));
    l4sim_api_copy_words(&msg->msg[1 + msg->tag.X.u + t], s.raw, 2);
}

L4_INLINE void L4_MsgPutStringItem(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t *s)
{
    const L4_Word_t *w = (const L4_Word_t *) s;
    l4sim_api_copy_words(&msg->msg[1 + msg->tag.X.u + t], w, l4sim_api_string_words(w));
}

L4_INLINE L4_Word_t L4_MsgWord(L4_Msg_t *msg, L4_Word_t u)
{
    return msg->msg[u + 1];
}

L4_INLINE void L4_MsgGetWord(L4_Msg_t *msg, L4_Word_t u, L4_Word_t *w)
{
    *w = msg->msg[u + 1];
}

/* The item getters return how many typed words the item occupied. */
L4_INLINE L4_Word_t L4_MsgGetMapItem(L4_Msg_t *msg, L4_Word_t t, L4_MapItem_t *m)
{
    l4sim_api_copy_words(m->raw, &msg->msg[1 + msg->tag.X.u + t], 2);
    return 2;
}

L4_INLINE L4_Word_t L4_MsgGetGrantItem(L4_Msg_t *msg, L4_Word_t t, L4_GrantItem_t *g)
{
    l4sim_api_copy_words(g->raw, &msg->msg[1 + msg->tag.X.u + t], 2);
    return 2;
}

/* *s must have room for the whole compound string. */
L4_INLINE L4_Word_t L4_MsgGetStringItem(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t *s)
{
    const L4_Word_t *w = &msg->msg[1 + msg->tag.X.u + t];
    L4_Word_t n = l4sim_api_string_words(w);
    l4sim_api_copy_words((L4_Word_t *) s, w, n);
    return n;
}

#ifdef __cplusplus
static inline void L4_Put(L4_Msg_t *msg, L4_Word_t label, int u, const L4_Word_t *Untyped, int t,
                          const void *Items)
{
    L4_MsgPut(msg, label, u, Untyped, t, Items);
}

static inline void L4_Get(const L4_Msg_t *msg, L4_Word_t *Untyped, void *Items)
{
    L4_MsgGet(msg, Untyped, Items);
}

static inline L4_MsgTag_t L4_MsgTag(const L4_Msg_t *msg)
{
    return L4_MsgMsgTag(msg);
}

static inline void L4_Set_MsgTag(L4_Msg_t *msg, L4_MsgTag_t t)
{
    L4_Set_MsgMsgTag(msg, t);
}

static inline L4_Word_t L4_Label(const L4_Msg_t *msg)
{
    return L4_MsgLabel(msg);
}

static inline void L4_Set_Label(L4_Msg_t *msg, L4_Word_t label)
{
    L4_Set_MsgLabel(msg, label);
}

static inline void L4_Load(L4_Msg_t *msg)
{
    L4_MsgLoad(msg);
}

static inline void L4_Store(L4_MsgTag_t t, L4_Msg_t *msg)
{
    L4_MsgStore(t, msg);
}

static inline void L4_Clear(L4_Msg_t *msg)
{
    L4_MsgClear(msg);
}

static inline void L4_Append(L4_Msg_t *msg, L4_Word_t w)
{
    L4_MsgAppendWord(msg, w);
}

static inline void L4_Append(L4_Msg_t *msg, int w)
{
    L4_MsgAppendWord(msg, (L4_Word_t) w);
}

static inline void L4_Append(L4_Msg_t *msg, L4_MapItem_t m)
{
    L4_MsgAppendMapItem(msg, m);
}

static inline void L4_Append(L4_Msg_t *msg, L4_GrantItem_t g)
{
    L4_MsgAppendGrantItem(msg, g);
}

static inline void L4_Append(L4_Msg_t *msg, L4_StringItem_t s)
{
    L4_MsgAppendSimpleStringItem(msg, s);
}

static inline void L4_Append(L4_Msg_t *msg, L4_StringItem_t *s)
{
    L4_MsgAppendStringItem(msg, s);
}

static inline void L4_Put(L4_Msg_t *msg, L4_Word_t u, L4_Word_t w)
{
    L4_MsgPutWord(msg, u, w);
}

static inline void L4_Put(L4_Msg_t *msg, L4_Word_t t, L4_MapItem_t m)
{
    L4_MsgPutMapItem(msg, t, m);
}

static inline void L4_Put(L4_Msg_t *msg, L4_Word_t t, L4_GrantItem_t g)
{
    L4_MsgPutGrantItem(msg, t, g);
}

static inline void L4_Put(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t s)
{
    L4_MsgPutSimpleStringItem(msg, t, s);
}

static inline void L4_Put(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t *s)
{
    L4_MsgPutStringItem(msg, t, s);
}

static inline L4_Word_t L4_Get(L4_Msg_t *msg, L4_Word_t u)
{
    return L4_MsgWord(msg, u);
}

static inline void L4_Get(L4_Msg_t *msg, L4_Word_t u, L4_Word_t *w)
{
    L4_MsgGetWord(msg, u, w);
}

static inline L4_Word_t L4_Get(L4_Msg_t *msg, L4_Word_t t, L4_MapItem_t *m)
{
    return L4_MsgGetMapItem(msg, t, m);
}

static inline L4_Word_t L4_Get(L4_Msg_t *msg, L4_Word_t t, L4_GrantItem_t *g)
{
    return L4_MsgGetGrantItem(msg, t, g);
}

static inline L4_Word_t L4_Get(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t *s)
{
    return L4_MsgGetStringItem(msg, t, s);
}
#endif /* __cplusplus */

/*
 * Acceptor (BR0): what the receiver lets in besides untyped words. s admits
 * string items (described by BR1..), a non-nil RcvWindow admits map and
 * grant items into that region.
 */
typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t s : 1;
        L4_Word_t c : 1;
        L4_Word_t __zeros : 2;
        L4_Word_t RcvWindow : 60;
    } X;
} L4_Acceptor_t;

#define L4_UntypedWordsAcceptor L4SIM_API_RAW(L4_Acceptor_t, 0UL)
#define L4_StringItemsAcceptor  L4SIM_API_RAW(L4_Acceptor_t, 1UL)

/* The window's rights bits share space with s and c, so they are dropped. */
L4_INLINE L4_Acceptor_t L4_MapGrantItems(L4_Fpage_t RcvWindow)
{
    L4_Acceptor_t a;
    a.raw = RcvWindow.raw & ~0xfUL;
    return a;
}

L4_INLINE L4_Acceptor_t L4_AddAcceptor(const L4_Acceptor_t l, const L4_Acceptor_t r)
{
    L4_Acceptor_t a;
    L4_Word_t window = (r.raw & ~0xfUL) ? (r.raw & ~0xfUL) : (l.raw & ~0xfUL);
    a.raw = window | ((l.raw | r.raw) & 0x3);
    return a;
}

L4_INLINE L4_Acceptor_t L4_AddAcceptorTo(L4_Acceptor_t *l, const L4_Acceptor_t r)
{
    *l = L4_AddAcceptor(*l, r);
    return *l;
}

L4_INLINE L4_Acceptor_t L4_RemoveAcceptor(const L4_Acceptor_t l, const L4_Acceptor_t r)
{
    L4_Acceptor_t a = l;
    a.raw &= ~(r.raw & 0x3);
    if (r.raw & ~0xfUL)
        a.raw &= 0xfUL;
    return a;
}

L4_INLINE L4_Acceptor_t L4_RemoveAcceptorFrom(L4_Acceptor_t *l, const L4_Acceptor_t r)
{
    *l = L4_RemoveAcceptor(*l, r);
    return *l;
}

L4_INLINE L4_Bool_t L4_HasStringItems(const L4_Acceptor_t a)
{
    return (a.raw & 1) != 0;
}

L4_INLINE L4_Bool_t L4_HasMapGrantItems(const L4_Acceptor_t a)
{
    return (a.raw & ~0xfUL) != 0;
}

L4_INLINE L4_Fpage_t L4_RcvWindow(const L4_Acceptor_t a)
{
    L4_Fpage_t f;
    f.raw = a.raw & ~0xfUL;
    return f;
}

L4_INLINE void L4_Accept(const L4_Acceptor_t a)
{
    L4_LoadBR(0, a.raw);
}

L4_INLINE L4_Acceptor_t L4_Accepted(void)
{
    L4_Acceptor_t a;
    L4_StoreBR(0, &a.raw);
    return a;
}

#ifdef __cplusplus
static inline L4_Acceptor_t operator+(const L4_Acceptor_t &l, const L4_Acceptor_t &r)
{
    return L4_AddAcceptor(l, r);
}

static inline L4_Acceptor_t operator+=(L4_Acceptor_t &l, const L4_Acceptor_t &r)
{
    return L4_AddAcceptorTo(&l, r);
}

static inline L4_Acceptor_t operator-(const L4_Acceptor_t &l, const L4_Acceptor_t &r)
{
    return L4_RemoveAcceptor(l, r);
}

static inline L4_Acceptor_t operator-=(L4_Acceptor_t &l, const L4_Acceptor_t &r)
{
    return L4_RemoveAcceptorFrom(&l, r);
}

static inline L4_Bool_t L4_StringItems(const L4_Acceptor_t a)
{
    return L4_HasStringItems(a);
}

static inline L4_Bool_t L4_MapGrantItems(const L4_Acceptor_t a)
{
    return L4_HasMapGrantItems(a);
}
#endif /* __cplusplus */

/*
 * Receive string buffers: the memory image of BR1..BR32, a sequence of
 * compound strings. Each one's first header has C set when another string
 * buffer follows it. An empty buffer has raw[0] and raw[2] zero; a first
 * simple string sets raw[2] as a marker so that even a zero-length buffer
 * counts as present.
 */
typedef union {
    L4_Word_t raw[__L4_NUM_BRS - 1];
    L4_StringItem_t string[(__L4_NUM_BRS - 1) / 2];
} L4_MsgBuffer_t;

L4_INLINE void L4_MsgBufferClear(L4_MsgBuffer_t *b)
{
    b->raw[0] = 0;
    b->raw[2] = 0;
}

/* Internal: the words used by every string in b, and where its last string starts. */
L4_INLINE L4_Word_t l4sim_api_buffer_words(const L4_MsgBuffer_t *b, L4_Word_t *last_start)
{
    L4_Word_t pos = 0, start;
    if (b->raw[0] == 0 && b->raw[2] == 0) {
        *last_start = 0;
        return 0;
    }
    do {
        start = pos;
        pos += l4sim_api_string_words(&b->raw[start]);
    } while ((b->raw[start] & 1) && pos < __L4_NUM_BRS - 1);
    *last_start = start;
    return pos;
}

/* Internal: appends the n-word compound string w as the buffer's last string. */
L4_INLINE void l4sim_api_buffer_append(L4_MsgBuffer_t *b, const L4_Word_t *w, L4_Word_t n)
{
    L4_Word_t last, end = l4sim_api_buffer_words(b, &last);
    if (end != 0)
        b->raw[last] |= 1;
    l4sim_api_copy_words(&b->raw[end], w, n);
    b->raw[end] &= ~1UL;
}

L4_INLINE void L4_MsgBufferAppendSimpleRcvString(L4_MsgBuffer_t *b, L4_StringItem_t s)
{
    int was_empty = b->raw[0] == 0 && b->raw[2] == 0;
    s.raw[0] &= ~(L4SIM_API_STR_COMPOUND | (0x1fUL << 4));
    l4sim_api_buffer_append(b, s.raw, 2);
    if (was_empty)
        b->raw[2] = ~0UL;
}

L4_INLINE void L4_MsgBufferAppendRcvString(L4_MsgBuffer_t *b, L4_StringItem_t *s)
{
    const L4_Word_t *w = (const L4_Word_t *) s;
    l4sim_api_buffer_append(b, w, l4sim_api_string_words(w));
}

/* Sets the acceptor and copies the buffer's strings into BR1 onwards. */
L4_INLINE void L4_AcceptStrings(const L4_Acceptor_t a, L4_MsgBuffer_t *b)
{
    L4_Word_t last, n = l4sim_api_buffer_words(b, &last);
    L4_LoadBR(0, a.raw);
    if (n > __L4_NUM_BRS - 1)
        n = __L4_NUM_BRS - 1;
    L4_LoadBRs(1, (int) n, b->raw);
}

#ifdef __cplusplus
static inline void L4_Accept(const L4_Acceptor_t a, L4_MsgBuffer_t *b)
{
    L4_AcceptStrings(a, b);
}

static inline void L4_Clear(L4_MsgBuffer_t *b)
{
    L4_MsgBufferClear(b);
}

static inline void L4_Append(L4_MsgBuffer_t *b, L4_StringItem_t s)
{
    L4_MsgBufferAppendSimpleRcvString(b, s);
}

static inline void L4_Append(L4_MsgBuffer_t *b, L4_StringItem_t *s)
{
    L4_MsgBufferAppendRcvString(b, s);
}
#endif /* __cplusplus */

L4SIM_API_STATIC_ASSERT(sizeof(L4_MsgTag_t) == 8, "a message tag is one word");
L4SIM_API_STATIC_ASSERT(sizeof(L4_MapItem_t) == 16, "a map item is two words");
L4SIM_API_STATIC_ASSERT(sizeof(L4_GrantItem_t) == 16, "a grant item is two words");
L4SIM_API_STATIC_ASSERT(sizeof(L4_StringItem_t) == 16, "a simple string item is two words");
L4SIM_API_STATIC_ASSERT(sizeof(L4_Acceptor_t) == 8, "an acceptor is one word");
L4SIM_API_STATIC_ASSERT(sizeof(L4_Msg_t) == __L4_NUM_MRS * 8, "L4_Msg_t mirrors the MRs");
L4SIM_API_STATIC_ASSERT(sizeof(L4_MsgBuffer_t) == (__L4_NUM_BRS - 1) * 8,
                        "L4_MsgBuffer_t mirrors BR1..BR32");

#endif /* L4_MESSAGE_H */

/*
 * X.2 base types for amd64: words, thread IDs, flexpages, clock and time
 * values and the system-call error codes. Pure bit manipulation; nothing in
 * this header enters the kernel.
 */
#ifndef L4_TYPES_H
#define L4_TYPES_H

#include <stddef.h>
#include <l4sim/abi.h>

#if !defined(__x86_64__) || !defined(__LP64__) || !defined(__BYTE_ORDER__) ||                      \
    __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the <l4/...> headers implement the amd64 binding of X.2 only (LP64, little-endian)"
#endif

/* Pistachio code tests these to pick layouts; only one combination exists here. */
#define L4_ARCH_AMD64
#define L4_64BIT
#define L4_LITTLE_ENDIAN

typedef unsigned long L4_Word_t;
typedef unsigned long L4_Word64_t;
typedef unsigned int L4_Word32_t;
typedef unsigned short L4_Word16_t;
typedef unsigned char L4_Word8_t;

typedef signed long L4_SignedWord_t;
typedef signed long L4_SignedWord64_t;
typedef signed int L4_SignedWord32_t;
typedef signed short L4_SignedWord16_t;
typedef signed char L4_SignedWord8_t;

typedef unsigned long L4_Size_t;
typedef L4_Word64_t L4_Paddr_t;
typedef L4_Word_t L4_Bool_t;

#define L4_INLINE        static inline
#define L4_BITS_PER_WORD 64

/*
 * Internal helpers, not part of the X.2 interface.
 *
 * L4SIM_API_RAW builds a value of one of the union types below from its raw
 * encoding; `raw` is always the first member, so plain aggregate
 * initialisation picks it in both languages. C gets a compound literal
 * (which GNU C also accepts in static initialisers), C++11 a braced
 * temporary, since it has no compound literals.
 */
#ifdef __cplusplus
#define L4SIM_API_RAW(type, value)         (type{value})
#define L4SIM_API_STATIC_ASSERT(cond, why) static_assert(cond, why)
#else
#define L4SIM_API_RAW(type, value)         ((type){.raw = (value)})
#define L4SIM_API_STATIC_ASSERT(cond, why) _Static_assert(cond, why)
#endif

/*
 * Error codes left in the ErrorCode TCR by the privileged system calls
 * (ThreadControl, SpaceControl, ...). IPC uses its own encoding, see ipc.h.
 */
#define L4_ErrOk               (0)
#define L4_ErrNoPrivilege      (1)
#define L4_ErrInvalidThread    (2)
#define L4_ErrInvalidSpace     (3)
#define L4_ErrInvalidScheduler (4)
#define L4_ErrInvalidParam     (5)
#define L4_ErrUtcbArea         (6)
#define L4_ErrKipArea          (7)
#define L4_ErrNoMem            (8)

L4_INLINE const char *L4_ErrorCode_String(L4_Word_t err)
{
    static const char *const names[] = {
        "ok",
        "no privilege",
        "invalid thread",
        "invalid space",
        "invalid scheduler",
        "invalid parameter",
        "invalid UTCB area",
        "invalid KIP area",
        "out of memory",
    };
    if (err >= sizeof(names) / sizeof(names[0]))
        return "unknown error code";
    return names[err];
}

/*
 * Flexpages: a naturally aligned 2^s byte region with access rights. The
 * base's low ten bits hold s and the rights, so regions are at least 1 KiB.
 */
typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t rwx : 3;
        L4_Word_t extended : 1;
        L4_Word_t s : 6;
        L4_Word_t b : 54;
    } X;
} L4_Fpage_t;

#define L4_Readable        (0x04)
#define L4_Writable        (0x02)
#define L4_eXecutable      (0x01)
#define L4_FullyAccessible (0x07)
#define L4_ReadWriteOnly   (0x06)
#define L4_ReadeXecOnly    (0x05)
#define L4_NoAccess        (0x00)

#define L4SIM_API_FPAGE_LOW_BITS 0x3ffUL

#define L4_Nilpage L4SIM_API_RAW(L4_Fpage_t, 0UL)
/* Size exponent 1 with base 0 is X.2's special encoding for "everything". */
#define L4_CompleteAddressSpace L4SIM_API_RAW(L4_Fpage_t, 1UL << 4)

L4_INLINE L4_Bool_t L4_IsNilFpage(L4_Fpage_t f)
{
    return f.raw == 0;
}

L4_INLINE L4_Word_t L4_Rights(L4_Fpage_t f)
{
    return f.X.rwx;
}

L4_INLINE L4_Fpage_t L4_Set_Rights(L4_Fpage_t *f, L4_Word_t rwx)
{
    f->X.rwx = rwx & 7;
    return *f;
}

L4_INLINE L4_Fpage_t L4_FpageAddRights(L4_Fpage_t f, L4_Word_t rwx)
{
    f.raw |= rwx & 7;
    return f;
}

L4_INLINE L4_Fpage_t L4_FpageAddRightsTo(L4_Fpage_t *f, L4_Word_t rwx)
{
    *f = L4_FpageAddRights(*f, rwx);
    return *f;
}

L4_INLINE L4_Fpage_t L4_FpageRemoveRights(L4_Fpage_t f, L4_Word_t rwx)
{
    f.raw &= ~(rwx & 7);
    return f;
}

L4_INLINE L4_Fpage_t L4_FpageRemoveRightsFrom(L4_Fpage_t *f, L4_Word_t rwx)
{
    *f = L4_FpageRemoveRights(*f, rwx);
    return *f;
}

/*
 * A size that is not a power of two is rounded up to the next one, so the
 * fpage always covers the requested range (as Pistachio does). Sizes 0 and 1
 * give s = 0, a nil-sized fpage. Base bits below 1 KiB cannot be encoded and
 * are dropped; higher base bits below the size are kept, and L4_Address
 * ignores them.
 */
L4_INLINE L4_Fpage_t L4_Fpage(L4_Word_t BaseAddress, L4_Word_t FpageSize)
{
    L4_Fpage_t f;
    L4_Word_t log2 = FpageSize > 1 ? 64 - (L4_Word_t) __builtin_clzl(FpageSize - 1) : 0;
    f.raw = (BaseAddress & ~L4SIM_API_FPAGE_LOW_BITS) | ((log2 & 0x3f) << 4) | L4_NoAccess;
    return f;
}

L4_INLINE L4_Fpage_t L4_FpageLog2(L4_Word_t BaseAddress, int FpageSize)
{
    L4_Fpage_t f;
    f.raw = (BaseAddress & ~L4SIM_API_FPAGE_LOW_BITS) | (((L4_Word_t) FpageSize & 0x3f) << 4) |
            L4_NoAccess;
    return f;
}

L4_INLINE L4_Word_t L4_Address(L4_Fpage_t f)
{
    return f.raw & ~L4SIM_API_FPAGE_LOW_BITS & ~((1UL << f.X.s) - 1);
}

L4_INLINE L4_Word_t L4_Size(L4_Fpage_t f)
{
    return f.X.s == 0 ? 0 : 1UL << f.X.s;
}

L4_INLINE L4_Word_t L4_SizeLog2(L4_Fpage_t f)
{
    return f.X.s;
}

#ifdef __cplusplus
static inline L4_Fpage_t operator+(const L4_Fpage_t &f, L4_Word_t rwx)
{
    return L4_FpageAddRights(f, rwx);
}

static inline L4_Fpage_t operator+=(L4_Fpage_t &f, L4_Word_t rwx)
{
    return L4_FpageAddRightsTo(&f, rwx);
}

static inline L4_Fpage_t operator-(const L4_Fpage_t &f, L4_Word_t rwx)
{
    return L4_FpageRemoveRights(f, rwx);
}

static inline L4_Fpage_t operator-=(L4_Fpage_t &f, L4_Word_t rwx)
{
    return L4_FpageRemoveRightsFrom(&f, rwx);
}

static inline bool operator==(const L4_Fpage_t &l, const L4_Fpage_t &r)
{
    return l.raw == r.raw;
}

static inline bool operator!=(const L4_Fpage_t &l, const L4_Fpage_t &r)
{
    return l.raw != r.raw;
}
#endif /* __cplusplus */

/*
 * Thread IDs. A global ID carries a version in its low half, whose low six
 * bits are never all zero; a local ID (an address-space relative name) has
 * exactly those six bits clear. That is how the two are told apart.
 */
typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t version : 32;
        L4_Word_t thread_no : 32;
    } X;
} L4_GthreadId_t;

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t __zeros : 6;
        L4_Word_t local_id : 58;
    } X;
} L4_LthreadId_t;

typedef union {
    L4_Word_t raw;
    L4_GthreadId_t global;
    L4_LthreadId_t local;
} L4_ThreadId_t;

#define L4_nilthread      L4SIM_API_RAW(L4_ThreadId_t, 0UL)
#define L4_anythread      L4SIM_API_RAW(L4_ThreadId_t, ~0UL)
#define L4_anylocalthread L4SIM_API_RAW(L4_ThreadId_t, ~0UL << 6)

L4_INLINE L4_ThreadId_t L4_GlobalId(L4_Word_t threadno, L4_Word_t version)
{
    L4_ThreadId_t t;
    t.raw = (threadno << 32) | (version & 0xffffffffUL);
    return t;
}

L4_INLINE L4_Word_t L4_Version(L4_ThreadId_t t)
{
    return t.global.X.version;
}

L4_INLINE L4_Word_t L4_ThreadNo(L4_ThreadId_t t)
{
    return t.global.X.thread_no;
}

L4_INLINE L4_Bool_t L4_IsThreadEqual(const L4_ThreadId_t l, const L4_ThreadId_t r)
{
    return l.raw == r.raw;
}

L4_INLINE L4_Bool_t L4_IsThreadNotEqual(const L4_ThreadId_t l, const L4_ThreadId_t r)
{
    return l.raw != r.raw;
}

L4_INLINE L4_Bool_t L4_IsNilThread(L4_ThreadId_t t)
{
    return t.raw == 0;
}

L4_INLINE L4_Bool_t L4_IsLocalId(L4_ThreadId_t t)
{
    return t.local.X.__zeros == 0;
}

L4_INLINE L4_Bool_t L4_IsGlobalId(L4_ThreadId_t t)
{
    return t.local.X.__zeros != 0;
}

#ifdef __cplusplus
static inline bool operator==(const L4_ThreadId_t &l, const L4_ThreadId_t &r)
{
    return l.raw == r.raw;
}

static inline bool operator!=(const L4_ThreadId_t &l, const L4_ThreadId_t &r)
{
    return l.raw != r.raw;
}
#endif /* __cplusplus */

/* System clock readings, in microseconds. */
typedef union {
    L4_Word64_t raw;
    struct {
        L4_Word32_t low;
        L4_Word32_t high;
    } X;
} L4_Clock_t;

L4_INLINE L4_Clock_t L4_ClockAddUsec(const L4_Clock_t c, const L4_Word64_t r)
{
    L4_Clock_t sum;
    sum.raw = c.raw + r;
    return sum;
}

L4_INLINE L4_Clock_t L4_ClockSubUsec(const L4_Clock_t c, const L4_Word64_t r)
{
    L4_Clock_t diff;
    diff.raw = c.raw - r;
    return diff;
}

L4_INLINE L4_Bool_t L4_IsClockEarlier(const L4_Clock_t l, const L4_Clock_t r)
{
    return l.raw < r.raw;
}

L4_INLINE L4_Bool_t L4_IsClockLater(const L4_Clock_t l, const L4_Clock_t r)
{
    return l.raw > r.raw;
}

L4_INLINE L4_Bool_t L4_IsClockEqual(const L4_Clock_t l, const L4_Clock_t r)
{
    return l.raw == r.raw;
}

L4_INLINE L4_Bool_t L4_IsClockNotEqual(const L4_Clock_t l, const L4_Clock_t r)
{
    return l.raw != r.raw;
}

#ifdef __cplusplus
static inline L4_Clock_t operator+(const L4_Clock_t &l, const int r)
{
    return L4_ClockAddUsec(l, (L4_Word64_t) r);
}

static inline L4_Clock_t operator+(const L4_Clock_t &l, const L4_Word64_t r)
{
    return L4_ClockAddUsec(l, r);
}

static inline L4_Clock_t operator+(const L4_Clock_t &l, const L4_Clock_t r)
{
    return L4_ClockAddUsec(l, r.raw);
}

static inline L4_Clock_t operator-(const L4_Clock_t &l, const int r)
{
    return L4_ClockSubUsec(l, (L4_Word64_t) r);
}

static inline L4_Clock_t operator-(const L4_Clock_t &l, const L4_Word64_t r)
{
    return L4_ClockSubUsec(l, r);
}

static inline L4_Clock_t operator-(const L4_Clock_t &l, const L4_Clock_t r)
{
    return L4_ClockSubUsec(l, r.raw);
}

static inline bool operator<(const L4_Clock_t &l, const L4_Clock_t &r)
{
    return l.raw < r.raw;
}

static inline bool operator>(const L4_Clock_t &l, const L4_Clock_t &r)
{
    return l.raw > r.raw;
}

static inline bool operator<=(const L4_Clock_t &l, const L4_Clock_t &r)
{
    return l.raw <= r.raw;
}

static inline bool operator>=(const L4_Clock_t &l, const L4_Clock_t &r)
{
    return l.raw >= r.raw;
}

static inline bool operator==(const L4_Clock_t &l, const L4_Clock_t &r)
{
    return l.raw == r.raw;
}

static inline bool operator!=(const L4_Clock_t &l, const L4_Clock_t &r)
{
    return l.raw != r.raw;
}
#endif /* __cplusplus */

/*
 * Timeouts are 16-bit floating point values. A period (a = 0) lasts
 * m * 2^e microseconds; the all-zero word means "never" and m = 0 with e != 0
 * means "now". A point (a = 1) names a future clock value instead.
 */
typedef union {
    L4_Word16_t raw;
    struct {
        L4_Word16_t m : 10;
        L4_Word16_t e : 5;
        L4_Word16_t a : 1;
    } period;
    struct {
        L4_Word16_t m : 10;
        L4_Word16_t c : 1;
        L4_Word16_t e : 4;
        L4_Word16_t a : 1;
    } point;
} L4_Time_t;

#define L4_Never    L4SIM_API_RAW(L4_Time_t, (L4_Word16_t) 0)
#define L4_ZeroTime L4SIM_API_RAW(L4_Time_t, (L4_Word16_t) (1U << 10))

/*
 * The mantissa keeps the ten most significant bits of the duration; lower
 * bits are truncated, so the timeout may fire up to 0.1% early (Pistachio
 * rounds the same way). Durations of 2^41 us (about 25 days) and more do not
 * fit the five-bit exponent and become L4_Never. Zero becomes L4_ZeroTime:
 * its naive encoding (m = 0, e = 0) would be L4_Never.
 */
L4_INLINE L4_Time_t L4_TimePeriod(L4_Word64_t microseconds)
{
    L4_Time_t t;
    L4_Word_t e = 0;
    if (microseconds == 0)
        return L4_ZeroTime;
    while (microseconds >= (1UL << 10)) {
        microseconds >>= 1;
        e++;
    }
    if (e > 31)
        return L4_Never;
    t.raw = (L4_Word16_t) ((e << 10) | microseconds);
    return t;
}

/* The length of a period in microseconds; ~0 for L4_Never. Not for points. */
L4_INLINE L4_Word64_t L4_TimePeriodUsec(L4_Time_t t)
{
    if (t.raw == 0)
        return ~0UL;
    return (L4_Word64_t) t.period.m << t.period.e;
}

/* Comparisons of durations: different encodings of one length are equal. */
L4_INLINE L4_Bool_t L4_IsTimeLonger(L4_Time_t l, L4_Time_t r)
{
    return L4_TimePeriodUsec(l) > L4_TimePeriodUsec(r);
}

L4_INLINE L4_Bool_t L4_IsTimeShorter(L4_Time_t l, L4_Time_t r)
{
    return L4_TimePeriodUsec(l) < L4_TimePeriodUsec(r);
}

L4_INLINE L4_Bool_t L4_IsTimeEqual(L4_Time_t l, L4_Time_t r)
{
    return L4_TimePeriodUsec(l) == L4_TimePeriodUsec(r);
}

L4_INLINE L4_Bool_t L4_IsTimeNotEqual(L4_Time_t l, L4_Time_t r)
{
    return L4_TimePeriodUsec(l) != L4_TimePeriodUsec(r);
}

#ifdef __cplusplus
static inline bool operator==(const L4_Time_t &l, const L4_Time_t &r)
{
    return L4_IsTimeEqual(l, r) != 0;
}

static inline bool operator!=(const L4_Time_t &l, const L4_Time_t &r)
{
    return L4_IsTimeNotEqual(l, r) != 0;
}

static inline bool operator<(const L4_Time_t &l, const L4_Time_t &r)
{
    return L4_IsTimeShorter(l, r) != 0;
}

static inline bool operator>(const L4_Time_t &l, const L4_Time_t &r)
{
    return L4_IsTimeLonger(l, r) != 0;
}
#endif /* __cplusplus */

/* Layout checks: these unions are exchanged with the kernel as raw words. */
L4SIM_API_STATIC_ASSERT(sizeof(L4_Word_t) == 8, "amd64 words are 64 bits");
L4SIM_API_STATIC_ASSERT(sizeof(L4_Fpage_t) == 8, "an fpage is one word");
L4SIM_API_STATIC_ASSERT(sizeof(L4_ThreadId_t) == 8, "a thread ID is one word");
L4SIM_API_STATIC_ASSERT(sizeof(L4_Clock_t) == 8, "a clock value is 64 bits");
L4SIM_API_STATIC_ASSERT(sizeof(L4_Time_t) == 2, "a time value is 16 bits");

#endif /* L4_TYPES_H */

/*
 * The X.2 kernel interface page (64-bit layout): its structure, the kernel
 * and memory descriptors it points to, and accessors for the fields user
 * code needs (thread ID ranges, UTCB geometry, page sizes, memory map).
 */
#ifndef L4_KIP_H
#define L4_KIP_H

#include <stddef.h>
#include <l4sim/abi.h>
#include <l4/types.h>

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t __padding : 16;
        L4_Word_t subid : 8;
        L4_Word_t id : 8;
        L4_Word_t __pad32 : 32;
    } x;
} L4_KernelId_t;

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t __padding : 16;
        L4_Word_t subversion : 8;
        L4_Word_t version : 8;
        L4_Word_t __pad32 : 32;
    } x;
} L4_ApiVersion_t;

/* ee: endianness (0 little), ww: word width (0 32-bit, 1 64-bit). */
typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t ee : 2;
        L4_Word_t ww : 2;
        L4_Word_t __padding : 60;
    } x;
} L4_ApiFlags_t;

/* n descriptors, found MemDescPtr bytes from the start of the KIP. */
typedef struct {
    L4_Word_t n : 32;
    L4_Word_t MemDescPtr : 32;
} L4_MemoryInfo_t;

/* Initial stack, entry point and memory range of a boot-time server. */
typedef struct {
    L4_Word_t sp;
    L4_Word_t ip;
    L4_Word_t low;
    L4_Word_t high;
} L4_KipServerInfo_t;

typedef struct {
    L4_Word_t low;
    L4_Word_t high;
} L4_KipRegion_t;

/*
 * Fields are whole words; offsets are those of X.2 for 64-bit words (the
 * 32-bit offsets doubled). The syscall words hold the entry points
 * relative to the KIP; host code calls the l4sim_sys_* functions directly,
 * ELF images go through these words (L4SIM_KIP_* in <l4sim/abi.h>, which
 * also names l4sim's own extension words from 64 on).
 */
typedef struct {
    /* 0x000 */
    L4_Word_t magic;
    L4_ApiVersion_t ApiVersion;
    L4_ApiFlags_t ApiFlags;
    union {
        L4_Word_t KernelDescPtr; /* offset of the L4_KernelDesc_t from the KIP */
        L4_Word_t KernelVerPtr;  /* Pistachio's name */
    };

    /* 0x020: boot configuration written by a boot loader; user code has no use for it. */
    struct {
        L4_Word_t init;
        L4_Word_t entry;
        L4_Word_t low;
        L4_Word_t high;
    } Kdebug;
    /* 0x040 */
    L4_KipServerInfo_t Sigma0;
    /* 0x060 */
    L4_KipServerInfo_t Sigma1;
    /* 0x080 */
    L4_KipServerInfo_t RootServer;

    /* 0x0a0 */
    L4_Word_t reserved_0a0;
    L4_MemoryInfo_t MemoryInfo; /* 0x0a8 */
    L4_Word_t KdebugConfig[2];

    /* 0x0c0: X.0 leftovers; X.2 describes memory through MemoryInfo. */
    L4_KipRegion_t MainMem;
    L4_KipRegion_t ReservedMem[2];
    L4_KipRegion_t DedicatedMem[5];

    /* 0x140 */
    L4_Word_t reserved_140[2];

    /* 0x150: UTCBs are m * 2^a bytes, a thread's area at least 2^s bytes. */
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t m : 10;
            L4_Word_t a : 6;
            L4_Word_t s : 6;
            L4_Word_t __padding : 42;
        } X;
    } UtcbAreaInfo;

    /* 0x158 */
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t s : 6;
            L4_Word_t __padding : 58;
        } X;
    } KipAreaInfo;

    /* 0x160 */
    L4_Word_t reserved_160[2];
    L4_Word_t BootInfo;    /* 0x170 */
    L4_Word_t ProcDescPtr; /* 0x178 */

    /* 0x180: both precisions in microseconds. */
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t ReadPrecision : 16;
            L4_Word_t SchedulePrecision : 16;
            L4_Word_t __pad32 : 32;
        } X;
    } ClockInfo;

    /* 0x188: t significant thread number bits; thread numbers below
     * SystemBase are interrupts, below UserBase kernel threads. */
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t t : 8;
            L4_Word_t SystemBase : 12;
            L4_Word_t UserBase : 12;
            L4_Word_t __pad32 : 32;
        } X;
    } ThreadInfo;

    /* 0x190: bit n of the mask (n >= 10) set if pages of 2^n bytes exist. */
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t rwx : 3;
            L4_Word_t __padding : 7;
            L4_Word_t page_size_mask : 54;
        } X;
    } PageInfo;

    /* 0x198: processors is the count minus one; descriptors are 2^s bytes. */
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t processors : 16;
            L4_Word_t __padding : 44;
            L4_Word_t s : 4;
        } X;
    } ProcessorInfo;

    /* 0x1a0 */
    L4_Word_t SpaceControl;
    L4_Word_t ThreadControl;
    L4_Word_t ProcessorControl;
    L4_Word_t MemoryControl;

    /* 0x1c0 */
    L4_Word_t Ipc;
    L4_Word_t Lipc;
    L4_Word_t Unmap;
    L4_Word_t ExchangeRegisters;

    /* 0x1e0 */
    L4_Word_t SystemClock;
    L4_Word_t ThreadSwitch;
    L4_Word_t Schedule;
    L4_Word_t reserved_1f8;

    /* 0x200 */
    L4_Word_t reserved_200[4];

    /* 0x220 */
    L4_Word_t ArchSyscall0;
    L4_Word_t ArchSyscall1;
    L4_Word_t ArchSyscall2;
    L4_Word_t ArchSyscall3;
} L4_KernelInterfacePage_t;

#define L4SIM_API_KIP_OFFSET(field, off)                                                           \
    L4SIM_API_STATIC_ASSERT(offsetof(L4_KernelInterfacePage_t, field) == (off),                    \
                            "X.2 KIP layout: " #field " must be at " #off)
L4SIM_API_KIP_OFFSET(ApiVersion, 0x08);
L4SIM_API_KIP_OFFSET(KernelDescPtr, 0x18);
L4SIM_API_KIP_OFFSET(Sigma0, 0x40);
L4SIM_API_KIP_OFFSET(RootServer, 0x80);
L4SIM_API_KIP_OFFSET(MemoryInfo, 0xa8);
L4SIM_API_KIP_OFFSET(UtcbAreaInfo, 0x150);
L4SIM_API_KIP_OFFSET(KipAreaInfo, 0x158);
L4SIM_API_KIP_OFFSET(BootInfo, 0x170);
L4SIM_API_KIP_OFFSET(ProcDescPtr, 0x178);
L4SIM_API_KIP_OFFSET(ClockInfo, 0x180);
L4SIM_API_KIP_OFFSET(ThreadInfo, 0x188);
L4SIM_API_KIP_OFFSET(PageInfo, 0x190);
L4SIM_API_KIP_OFFSET(ProcessorInfo, 0x198);
L4SIM_API_KIP_OFFSET(SpaceControl, 0x1a0);
L4SIM_API_KIP_OFFSET(MemoryControl, 0x1b8);
L4SIM_API_KIP_OFFSET(Ipc, 0x1c0);
L4SIM_API_KIP_OFFSET(ExchangeRegisters, 0x1d8);
L4SIM_API_KIP_OFFSET(SystemClock, 0x1e0);
L4SIM_API_KIP_OFFSET(Schedule, 0x1f0);
L4SIM_API_KIP_OFFSET(ArchSyscall0, 0x220);
L4SIM_API_STATIC_ASSERT(sizeof(L4_KernelInterfacePage_t) == 0x240, "X.2 KIP is 72 words");
L4SIM_API_STATIC_ASSERT(sizeof(L4_MemoryInfo_t) == 8, "MemoryInfo is one word");

/* Processor descriptors; frequencies in kHz. */
typedef union {
    L4_Word_t raw[4];
    struct {
        L4_Word_t ExternalFreq;
        L4_Word_t InternalFreq;
        L4_Word_t __padding[2];
    } X;
} L4_ProcDesc_t;

/*
 * Kernel descriptor, KernelDescPtr bytes into the KIP. It is followed by the
 * version string and then the feature strings, each NUL-terminated, the
 * list ending with an empty string.
 */
typedef struct {
    L4_KernelId_t KernelId;
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t day : 5;
            L4_Word_t month : 4;
            L4_Word_t year : 7; /* since 2000 */
            L4_Word_t __padding : 48;
        } X;
    } KernelGenDate;
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t subsubver : 16;
            L4_Word_t subver : 8;
            L4_Word_t ver : 8;
            L4_Word_t __pad32 : 32;
        } X;
    } KernelVer;
    L4_Word_t Supplier; /* four characters, first one in the lowest byte */
} L4_KernelDesc_t;

/* "L4\346K" read as a little-endian word; the upper half is zero. */
#define L4_KIP_MAGIC 0x4be6344cUL
#define L4_MAGIC     L4_KIP_MAGIC

/* API version (the version byte of ApiVersion) and flags. */
#define L4_APIVERSION_2     (0x02)
#define L4_APIVERSION_4     (0x04)
#define L4_APIVERSION_X0    (0x83)
#define L4_APIVERSION_X1    (0x83)
#define L4_APIVERSION_X2    (0x84)
#define L4_APISUBVERSION_X0 (0x80)
#define L4_APISUBVERSION_X1 (0x81)

#define L4_APIFLAG_LE    (0x00)
#define L4_APIFLAG_BE    (0x01)
#define L4_APIFLAG_32BIT (0x00)
#define L4_APIFLAG_64BIT (0x01)

/*
 * Kernel IDs, as (id << 8) | subid: bits 16..31 of KernelId. l4sim's own
 * (0x2a) is no registered ID.
 */
#define L4_KID_L4_486          (0x0001)
#define L4_KID_L4_PENTIUM      (0x0002)
#define L4_KID_L4_X86          (0x0003)
#define L4_KID_L4_MIPS         (0x0101)
#define L4_KID_L4_ALPHA        (0x0201)
#define L4_KID_FIASCO          (0x0301)
#define L4_KID_L4KA_HAZELNUT   (0x0401)
#define L4_KID_L4KA_PISTACHIO  (0x0402)
#define L4_KID_L4KA_STRAWBERRY (0x0403)
#define L4_KID_NICTA_PISTACHIO (0x0501)
#define L4_KID_L4SIM           (0x2a00)

/* Kernel suppliers: four characters, the first in the lowest byte (little-endian). */
#define L4_SUPL_GMD   (0x20444d47UL) /* "GMD " */
#define L4_SUPL_IBM   (0x204d4249UL) /* "IBM " */
#define L4_SUPL_UNSW  (0x57534e55UL) /* "UNSW" */
#define L4_SUPL_UKA   (0x20614b55UL) /* "UKa " */
#define L4_SUPL_NICTA (0x5443494eUL) /* "NICT" */
#define L4_SUPL_L4SIM (0x6d73346cUL) /* "l4sm" */

/*
 * The KernelInterface system call: the KIP's address in the caller's
 * space plus three identification words. Null pointers are allowed.
 */
L4_INLINE void *L4_KernelInterface(L4_Word_t *ApiVersion, L4_Word_t *ApiFlags, L4_Word_t *KernelId)
{
    L4_Word_t scratch[3];
    return l4sim_sys_kernel_interface(ApiVersion ? ApiVersion : &scratch[0],
                                      ApiFlags ? ApiFlags : &scratch[1],
                                      KernelId ? KernelId : &scratch[2]);
}

L4_INLINE void *L4_GetKernelInterface(void)
{
    return L4_KernelInterface((L4_Word_t *) 0, (L4_Word_t *) 0, (L4_Word_t *) 0);
}

L4_INLINE L4_Word_t L4_ApiVersion(void)
{
    L4_Word_t v = 0;
    L4_KernelInterface(&v, (L4_Word_t *) 0, (L4_Word_t *) 0);
    return v;
}

L4_INLINE L4_Word_t L4_ApiFlags(void)
{
    L4_Word_t f = 0;
    L4_KernelInterface((L4_Word_t *) 0, &f, (L4_Word_t *) 0);
    return f;
}

L4_INLINE L4_Word_t L4_KernelId(void)
{
    L4_Word_t id = 0;
    L4_KernelInterface((L4_Word_t *) 0, (L4_Word_t *) 0, &id);
    return id;
}

/* Internal: the KIP behind an untyped pointer, and its kernel descriptor. */
L4_INLINE L4_KernelInterfacePage_t *l4sim_api_kip(void *KernelInterface)
{
    return (L4_KernelInterfacePage_t *) KernelInterface;
}

L4_INLINE L4_KernelDesc_t *l4sim_api_kernel_desc(void *KernelInterface)
{
    return (L4_KernelDesc_t *) ((char *) KernelInterface +
                                l4sim_api_kip(KernelInterface)->KernelDescPtr);
}

L4_INLINE void L4_KernelGenDate(void *KernelInterface, L4_Word_t *year, L4_Word_t *month,
                                L4_Word_t *day)
{
    L4_KernelDesc_t *d = l4sim_api_kernel_desc(KernelInterface);
    *year = d->KernelGenDate.X.year + 2000;
    *month = d->KernelGenDate.X.month;
    *day = d->KernelGenDate.X.day;
}

L4_INLINE L4_Word_t L4_KernelVersion(void *KernelInterface)
{
    return l4sim_api_kernel_desc(KernelInterface)->KernelVer.raw;
}

L4_INLINE L4_Word_t L4_KernelSupplier(void *KernelInterface)
{
    return l4sim_api_kernel_desc(KernelInterface)->Supplier;
}

L4_INLINE char *L4_KernelVersionString(void *KernelInterface)
{
    return (char *) (l4sim_api_kernel_desc(KernelInterface) + 1);
}

/* Feature string num (from 0), or null past the last one. */
L4_INLINE char *L4_Feature(void *KernelInterface, L4_Word_t num)
{
    char *s = L4_KernelVersionString(KernelInterface);
    for (;;) {
        while (*s != '\0')
            s++;
        s++;
        if (*s == '\0')
            return (char *) 0;
        if (num-- == 0)
            return s;
    }
}

L4_INLINE L4_Bool_t L4_HasFeature(const char *feature_name)
{
    void *kip = L4_GetKernelInterface();
    const char *f;
    for (L4_Word_t i = 0; (f = L4_Feature(kip, i)) != (char *) 0; i++) {
        const char *n = feature_name;
        while (*f != '\0' && *f == *n) {
            f++;
            n++;
        }
        if (*f == *n)
            return 1;
    }
    return 0;
}

L4_INLINE L4_Word_t L4_NumProcessors(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->ProcessorInfo.X.processors + 1;
}

L4_INLINE L4_Word_t L4_NumMemoryDescriptors(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->MemoryInfo.n;
}

L4_INLINE L4_Word_t L4_PageSizeMask(void *KernelInterface)
{
    return (L4_Word_t) l4sim_api_kip(KernelInterface)->PageInfo.X.page_size_mask << 10;
}

L4_INLINE L4_Word_t L4_PageRights(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->PageInfo.X.rwx;
}

L4_INLINE L4_Word_t L4_ThreadIdBits(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->ThreadInfo.X.t;
}

L4_INLINE L4_Word_t L4_ThreadIdSystemBase(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->ThreadInfo.X.SystemBase;
}

L4_INLINE L4_Word_t L4_ThreadIdUserBase(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->ThreadInfo.X.UserBase;
}

L4_INLINE L4_Word_t L4_ReadPrecision(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->ClockInfo.X.ReadPrecision;
}

L4_INLINE L4_Word_t L4_SchedulePrecision(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->ClockInfo.X.SchedulePrecision;
}

L4_INLINE L4_Word_t L4_UtcbAreaSizeLog2(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->UtcbAreaInfo.X.s;
}

L4_INLINE L4_Word_t L4_UtcbAreaSize(void *KernelInterface)
{
    return 1UL << L4_UtcbAreaSizeLog2(KernelInterface);
}

L4_INLINE L4_Word_t L4_UtcbAlignmentLog2(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->UtcbAreaInfo.X.a;
}

L4_INLINE L4_Word_t L4_UtcbSize(void *KernelInterface)
{
    L4_KernelInterfacePage_t *kip = l4sim_api_kip(KernelInterface);
    return (1UL << kip->UtcbAreaInfo.X.a) * kip->UtcbAreaInfo.X.m;
}

L4_INLINE L4_Word_t L4_KipAreaSizeLog2(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->KipAreaInfo.X.s;
}

L4_INLINE L4_Word_t L4_KipAreaSize(void *KernelInterface)
{
    return 1UL << L4_KipAreaSizeLog2(KernelInterface);
}

L4_INLINE L4_Word_t L4_BootInfo(void *KernelInterface)
{
    return l4sim_api_kip(KernelInterface)->BootInfo;
}

/*
 * Memory descriptors: a region [low, high] of one type. Addresses are kept
 * in 1 KiB units, so high always ends in 0x3ff.
 */
typedef union {
    L4_Word_t raw[2];
    struct {
        L4_Word_t type : 4;
        L4_Word_t t : 4;
        L4_Word_t __padding1 : 1;
        L4_Word_t v : 1;
        L4_Word_t low : 54;
        L4_Word_t __padding2 : 10;
        L4_Word_t high : 54;
    } x;
} L4_MemoryDesc_t;

L4SIM_API_STATIC_ASSERT(sizeof(L4_MemoryDesc_t) == 16, "a memory descriptor is two words");

#define L4_UndefinedMemoryType            (0x0)
#define L4_ConventionalMemoryType         (0x1)
#define L4_ReservedMemoryType             (0x2)
#define L4_DedicatedMemoryType            (0x3)
#define L4_SharedMemoryType               (0x4)
#define L4_BootLoaderSpecificMemoryType   (0xe)
#define L4_ArchitectureSpecificMemoryType (0xf)

/* Descriptor num (from 0), or null if there are fewer. */
L4_INLINE L4_MemoryDesc_t *L4_MemoryDesc(void *KernelInterface, L4_Word_t num)
{
    L4_KernelInterfacePage_t *kip = l4sim_api_kip(KernelInterface);
    if (num >= kip->MemoryInfo.n)
        return (L4_MemoryDesc_t *) 0;
    return (L4_MemoryDesc_t *) ((char *) KernelInterface + kip->MemoryInfo.MemDescPtr) + num;
}

L4_INLINE L4_Bool_t L4_IsMemoryDescVirtual(L4_MemoryDesc_t *m)
{
    return m->x.v;
}

/* For the two open-ended types the subtype t is folded into bits 4..7. */
L4_INLINE L4_Word_t L4_MemoryDescType(L4_MemoryDesc_t *m)
{
    if (m->x.type >= L4_BootLoaderSpecificMemoryType)
        return m->x.type | ((L4_Word_t) m->x.t << 4);
    return m->x.type;
}

L4_INLINE L4_Word_t L4_MemoryDescLow(L4_MemoryDesc_t *m)
{
    return (L4_Word_t) m->x.low << 10;
}

L4_INLINE L4_Word_t L4_MemoryDescHigh(L4_MemoryDesc_t *m)
{
    return ((L4_Word_t) m->x.high << 10) | 0x3ff;
}

/* Processor cpu's descriptor (from 0), or null if there is no such processor. */
L4_INLINE L4_ProcDesc_t *L4_ProcDesc(void *KernelInterface, L4_Word_t cpu)
{
    L4_KernelInterfacePage_t *kip = l4sim_api_kip(KernelInterface);
    if (cpu > kip->ProcessorInfo.X.processors)
        return (L4_ProcDesc_t *) 0;
    return (L4_ProcDesc_t *) ((char *) KernelInterface + kip->ProcDescPtr +
                              (cpu << kip->ProcessorInfo.X.s));
}

L4_INLINE L4_Word_t L4_ProcDescExternalFreq(L4_ProcDesc_t *p)
{
    return p->X.ExternalFreq;
}

L4_INLINE L4_Word_t L4_ProcDescInternalFreq(L4_ProcDesc_t *p)
{
    return p->X.InternalFreq;
}

#ifdef __cplusplus
static inline void *L4_KernelInterface(void)
{
    return L4_GetKernelInterface();
}

static inline L4_Bool_t L4_IsVirtual(L4_MemoryDesc_t *m)
{
    return L4_IsMemoryDescVirtual(m);
}

static inline L4_Word_t L4_Type(L4_MemoryDesc_t *m)
{
    return L4_MemoryDescType(m);
}

static inline L4_Word_t L4_Low(L4_MemoryDesc_t *m)
{
    return L4_MemoryDescLow(m);
}

static inline L4_Word_t L4_High(L4_MemoryDesc_t *m)
{
    return L4_MemoryDescHigh(m);
}

static inline L4_Word_t L4_ExternalFreq(L4_ProcDesc_t *p)
{
    return L4_ProcDescExternalFreq(p);
}

static inline L4_Word_t L4_InternalFreq(L4_ProcDesc_t *p)
{
    return L4_ProcDescInternalFreq(p);
}
#endif /* __cplusplus */

#endif /* L4_KIP_H */

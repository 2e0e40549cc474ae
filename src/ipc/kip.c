/*
 * The kernel interface page: one page describing this kernel the X.2 way
 * (version, thread-number layout, UTCB and KIP areas, page sizes, memory
 * descriptors) and linking to the system-call entry points.
 */
#include <string.h>
#include <sys/mman.h>

#include "kernel.h"
#include "memory.h"

#define KIP_SIZE           4096UL
#define KIP_MAGIC_VALUE    (('K' << 24) | (230 << 16) | ('4' << 8) | 'L')
#define API_VERSION_X2     0x84UL
#define API_SUBVERSION     0x05UL
#define API_FLAGS_64BIT_LE (1UL << 2) /* ww = 01: 64-bit words; ee = 00: little endian */
#define KERNEL_ID_L4SIM    0x2aUL     /* not a registered kernel ID: l4sim's own */

/* Layout after the fixed part: kernel descriptor, processor and memory descriptors. */
#define KDESC_WORD    80
#define PROCDESC_WORD 96
#define MEMDESC_WORD  104

#define MEMTYPE_CONVENTIONAL 0x1UL
#define MEMTYPE_RESERVED     0x2UL

static word_t *kip_words(void)
{
    return kernel.kip;
}

word_t kip_word(enum kip_word_index i)
{
    return kip_words()[i];
}

word_t kip_kernel_id(void)
{
    return kip_words()[KDESC_WORD];
}

static void set_memdesc(word_t *w, word_t type, bool virtual_range, word_t low, word_t high)
{
    w[0] = (low & ~0x3ffUL) | (virtual_range ? 1UL << 9 : 0) | type;
    w[1] = high & ~0x3ffUL;
}

int kip_build(void)
{
    void *page = mmap(NULL, KIP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return -1;
    kernel.kip = page;
    word_t *k = page;
    word_t base = (word_t) page;

    k[KIP_MAGIC] = KIP_MAGIC_VALUE;
    k[KIP_API_VERSION] = (API_VERSION_X2 << 24) | (API_SUBVERSION << 16);
    k[KIP_API_FLAGS] = API_FLAGS_64BIT_LE;
    k[KIP_KERNEL_DESC] = KDESC_WORD * sizeof(word_t);

    /* Kernel descriptor: ID, generation date, version, supplier, name. */
    word_t *kd = &k[KDESC_WORD];
    kd[0] = KERNEL_ID_L4SIM << 24;
    kd[1] = (26UL << 9) | (11UL << 5) | 21UL; /* 2026-11-21: year-2000, month, day */
    kd[2] = (0UL << 24) | (1UL << 16);
    memcpy(&kd[3], "l4sm", 4);
    strcpy((char *) &kd[4], "l4sim X.2 simulator");

    k[KIP_UTCB_INFO] = ((word_t) UTCB_SIZE_LOG2 << 16) | ((word_t) UTCB_SIZE_LOG2 << 10) | 1UL;
    k[KIP_KIP_AREA_INFO] = 12; /* the KIP area is one 4 KiB page */
    k[KIP_BOOT_INFO] = 0;
    k[KIP_PROC_DESC] = PROCDESC_WORD * sizeof(word_t);
    k[KIP_CLOCK_INFO] = 1UL | (1UL << 16); /* read and schedule precision: 1 µs */
    k[KIP_THREAD_INFO] =
        ((word_t) THREADNO_USER_BASE << 20) | ((word_t) THREADNO_SYSTEM_BASE << 8) | THREADNO_BITS;
    k[KIP_PAGE_INFO] = (1UL << 12) | 0x7; /* 4 KiB pages, read/write/execute */
    k[KIP_PROCESSOR_INFO] = 5UL << 60;    /* one processor (count - 1); descriptors are 2^5 bytes */

    /* Links are relative to the KIP. X.2's system calls, then l4sim's own
     * extensions, which an ELF image needs to reach its UTCB and the trace. */
    static const struct {
        unsigned word;
        void (*entry)(void);
    } links[] = {
        {L4SIM_KIP_SPACE_CONTROL, (void (*)(void)) l4sim_sys_space_control},
        {L4SIM_KIP_THREAD_CONTROL, (void (*)(void)) l4sim_sys_thread_control},
        {L4SIM_KIP_PROCESSOR_CONTROL, (void (*)(void)) l4sim_sys_processor_control},
        {L4SIM_KIP_MEMORY_CONTROL, (void (*)(void)) l4sim_sys_memory_control},
        {L4SIM_KIP_IPC, (void (*)(void)) l4sim_sys_ipc},
        {L4SIM_KIP_LIPC, (void (*)(void)) l4sim_sys_lipc},
        {L4SIM_KIP_UNMAP, (void (*)(void)) l4sim_sys_unmap},
        {L4SIM_KIP_EXCHANGE_REGISTERS, (void (*)(void)) l4sim_sys_exchange_registers},
        {L4SIM_KIP_SYSTEM_CLOCK, (void (*)(void)) l4sim_sys_system_clock},
        {L4SIM_KIP_THREAD_SWITCH, (void (*)(void)) l4sim_sys_thread_switch},
        {L4SIM_KIP_SCHEDULE, (void (*)(void)) l4sim_sys_schedule},
        {L4SIM_KIP_UTCB, (void (*)(void)) l4sim_sys_utcb},
        {L4SIM_KIP_KDB_PRINT, (void (*)(void)) l4sim_sys_kdb_print},
        {L4SIM_KIP_FAULT_QUERY, (void (*)(void)) l4sim_sys_fault_query},
        {L4SIM_KIP_THREAD_STATS, (void (*)(void)) l4sim_sys_thread_stats},
    };
    for (unsigned i = 0; i < sizeof(links) / sizeof(links[0]); i++)
        k[links[i].word] = (word_t) links[i].entry - base;

    /* One processor with no frequency to speak of. */
    memset(&k[PROCDESC_WORD], 0, 4 * sizeof(word_t));

    /* Memory: the simulated RAM is conventional memory; the KIP itself is
     * reserved. Virtual-address descriptors say what user spaces may use. */
    word_t *md = &k[MEMDESC_WORD];
    unsigned n = 0;
    word_t ram = phys_size();
    if (ram)
        set_memdesc(&md[2 * n++], MEMTYPE_CONVENTIONAL, false, phys_base(), phys_base() + ram - 1);
    set_memdesc(&md[2 * n++], MEMTYPE_RESERVED, false, base, base + KIP_SIZE - 1);
    set_memdesc(&md[2 * n++], MEMTYPE_CONVENTIONAL, true, 0, (1UL << 47) - 1);
    k[KIP_MEMORY_INFO] = ((word_t) (MEMDESC_WORD * sizeof(word_t)) << 32) | n;
    return 0;
}

void kip_free(void)
{
    if (kernel.kip)
        munmap(kernel.kip, KIP_SIZE);
    kernel.kip = NULL;
}

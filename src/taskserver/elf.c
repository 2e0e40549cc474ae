/*
 * The ELF loader: every check and every libelf call happens once, in
 * elf_image_load, which boils the file down to segments and a sorted
 * relocation array. elf_fill_page then only copies and adds; it must never
 * allocate, lock or call libelf (its caller may be killed at any instant).
 */
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"

#ifndef DT_RELR
#define DT_RELR 36
#endif

struct elf_reloc {
    L4_Word_t offset; /* image offset of the 8 bytes written */
    L4_Word_t addend; /* the value written is base + addend */
};

struct elf_image {
    unsigned long refs; /* atomic */
    unsigned char *bytes;
    size_t size;
    L4_Word_t span, entry;
    unsigned nseg;
    struct elf_segment seg[ELF_MAX_SEGMENTS]; /* sorted by vaddr, disjoint */
    size_t nrel, rel_cap;
    struct elf_reloc *rel; /* sorted by offset, disjoint */
};

/* What the checks found in PT_DYNAMIC. */
struct dyn_tables {
    L4_Word_t rela, relasz, relaent;
    bool has_rela, has_relasz, has_relaent;
    L4_Word_t jmprel, pltrelsz, pltrel;
    bool has_jmprel, has_pltrelsz, has_pltrel;
};

static bool refuse(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool refuse(char *why, size_t why_len, const char *fmt, ...)
{
    if (why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return false;
}

#define REFUSE(...) refuse(why, why_len, __VA_ARGS__)

/* For the refusal message: R_X86_64_<name>. */
static const char *reloc_name(unsigned type)
{
#define NAME(t) [R_X86_64_##t] = #t
    static const char *const names[] = {
        NAME(NONE),
        NAME(64),
        NAME(PC32),
        NAME(GOT32),
        NAME(PLT32),
        NAME(COPY),
        NAME(GLOB_DAT),
        NAME(JUMP_SLOT),
        NAME(RELATIVE),
        NAME(GOTPCREL),
        NAME(32),
        NAME(32S),
        NAME(16),
        NAME(PC16),
        NAME(8),
        NAME(PC8),
        NAME(DTPMOD64),
        NAME(DTPOFF64),
        NAME(TPOFF64),
        NAME(TLSGD),
        NAME(TLSLD),
        NAME(DTPOFF32),
        NAME(GOTTPOFF),
        NAME(TPOFF32),
        NAME(PC64),
        NAME(GOTOFF64),
        NAME(GOTPC32),
        NAME(GOT64),
        NAME(GOTPCREL64),
        NAME(GOTPC64),
        NAME(GOTPLT64),
        NAME(PLTOFF64),
        NAME(SIZE32),
        NAME(SIZE64),
        NAME(GOTPC32_TLSDESC),
        NAME(TLSDESC_CALL),
        NAME(TLSDESC),
        NAME(IRELATIVE),
        NAME(RELATIVE64),
        NAME(GOTPCRELX),
        NAME(REX_GOTPCRELX),
    };
#undef NAME
    return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "unknown";
}

static const char *type_name(unsigned type)
{
    switch (type) {
    case ET_NONE:
        return "ET_NONE";
    case ET_REL:
        return "ET_REL (an object file)";
    case ET_EXEC:
        return "ET_EXEC (not position-independent)";
    case ET_CORE:
        return "ET_CORE";
    default:
        return "unknown";
    }
}

static unsigned rights_of(Elf64_Word flags)
{
    return (flags & PF_R ? L4_Readable : 0) | (flags & PF_W ? L4_Writable : 0) |
           (flags & PF_X ? L4_eXecutable : 0);
}

/* [start, start + len) fits in [0, limit) without wrapping. */
static bool range_within(uint64_t start, uint64_t len, uint64_t limit)
{
    return start <= limit && len <= limit - start;
}

/* ---------------------------------------------------------- headers */

/* The identification bytes, before libelf sees the file. */
static bool check_ident(const unsigned char *b, size_t size, char *why, size_t why_len)
{
    size_t magic = size < SELFMAG ? size : SELFMAG;
    if (size == 0)
        return REFUSE("empty: not an ELF file");
    if (memcmp(b, ELFMAG, magic) != 0)
        return REFUSE("bad magic: not an ELF file");
    if (size < EI_NIDENT)
        return REFUSE("truncated: %zu bytes, shorter than an ELF header", size);
    if (b[EI_CLASS] != ELFCLASS64)
        return REFUSE("wrong class: %s, want ELF64",
                      b[EI_CLASS] == ELFCLASS32 ? "ELF32" : "invalid");
    if (b[EI_DATA] != ELFDATA2LSB)
        return REFUSE("wrong data encoding: %s, want little-endian",
                      b[EI_DATA] == ELFDATA2MSB ? "big-endian" : "invalid");
    if (b[EI_VERSION] != EV_CURRENT)
        return REFUSE("wrong ELF version %u", b[EI_VERSION]);
    if (size < sizeof(Elf64_Ehdr))
        return REFUSE("truncated: %zu bytes, shorter than an ELF header", size);
    return true;
}

static bool check_ehdr(Elf *elf, const GElf_Ehdr *eh, size_t size, size_t *phnum, char *why,
                       size_t why_len)
{
    if (eh->e_machine != EM_X86_64)
        return REFUSE("wrong machine %u, want x86-64 (%u)", eh->e_machine, EM_X86_64);
    if (eh->e_type != ET_DYN)
        return REFUSE("wrong type %s, want ET_DYN (a static PIE)", type_name(eh->e_type));
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return REFUSE("program header size %u, want %zu", eh->e_phentsize, sizeof(Elf64_Phdr));
    /* The header's own count: libelf's would be cut to what fits in the file. Only
     * PN_XNUM sends us to section 0 for it. */
    *phnum = eh->e_phnum;
    if (eh->e_phnum == PN_XNUM && elf_getphdrnum(elf, phnum) != 0)
        return REFUSE("bad program header count: %s", elf_errmsg(-1));
    if (*phnum == 0)
        return REFUSE("no program headers");
    if (*phnum > ELF_MAX_PHDRS)
        return REFUSE("too many program headers: %zu, at most %d", *phnum, ELF_MAX_PHDRS);
    if (!range_within(eh->e_phoff, (uint64_t) *phnum * sizeof(Elf64_Phdr), size))
        return REFUSE("truncated: program headers at 0x%lx run past the end of the file (%zu "
                      "bytes)",
                      (unsigned long) eh->e_phoff, size);
    return true;
}

/* ---------------------------------------------------------- segments */

static bool add_segment(struct elf_image *img, unsigned index, const GElf_Phdr *ph, char *why,
                        size_t why_len)
{
    if (ph->p_filesz > ph->p_memsz)
        return REFUSE("segment %u: p_filesz 0x%lx > p_memsz 0x%lx", index,
                      (unsigned long) ph->p_filesz, (unsigned long) ph->p_memsz);
    if (!range_within(ph->p_offset, ph->p_filesz, img->size))
        return REFUSE("segment %u: file bytes [0x%lx, +0x%lx) outside the file (%zu bytes)", index,
                      (unsigned long) ph->p_offset, (unsigned long) ph->p_filesz, img->size);
    if ((ph->p_vaddr - ph->p_offset) % ELF_PAGE_SIZE != 0)
        return REFUSE("segment %u: vaddr 0x%lx and file offset 0x%lx differ modulo the page "
                      "size",
                      index, (unsigned long) ph->p_vaddr, (unsigned long) ph->p_offset);
    /* The end, rounded up to a page, must still be representable. */
    if (!range_within(ph->p_vaddr, ph->p_memsz, -ELF_PAGE_SIZE))
        return REFUSE("segment %u: vaddr 0x%lx + memsz 0x%lx overflows", index,
                      (unsigned long) ph->p_vaddr, (unsigned long) ph->p_memsz);
    if (ph->p_memsz == 0)
        return true; /* occupies nothing */
    if (img->nseg == ELF_MAX_SEGMENTS)
        return REFUSE("too many loadable segments: more than %d", ELF_MAX_SEGMENTS);
    img->seg[img->nseg++] = (struct elf_segment){
        .vaddr = ph->p_vaddr,
        .memsz = ph->p_memsz,
        .filesz = ph->p_filesz,
        .file_offset = ph->p_offset,
        .rights = rights_of(ph->p_flags),
    };
    return true;
}

static int by_vaddr(const void *a, const void *b)
{
    const struct elf_segment *x = a, *y = b;
    return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* Sorted, disjoint, within room, and the entry in executable file bytes. */
static bool check_layout(struct elf_image *img, L4_Word_t entry, L4_Word_t room, char *why,
                         size_t why_len)
{
    if (img->nseg == 0)
        return REFUSE("no loadable segment (PT_LOAD)");
    qsort(img->seg, img->nseg, sizeof(img->seg[0]), by_vaddr);
    for (unsigned i = 1; i < img->nseg; i++) {
        const struct elf_segment *p = &img->seg[i - 1], *s = &img->seg[i];
        if (p->vaddr + p->memsz > s->vaddr)
            return REFUSE("segments at 0x%lx (0x%lx bytes) and 0x%lx overlap", p->vaddr, p->memsz,
                          s->vaddr);
    }
    const struct elf_segment *last = &img->seg[img->nseg - 1];
    img->span = (last->vaddr + last->memsz + ELF_PAGE_SIZE - 1) & ~(ELF_PAGE_SIZE - 1);
    if (img->span > room)
        return REFUSE("the image spans 0x%lx bytes, more than its room of 0x%lx", img->span, room);
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        if ((s->rights & L4_eXecutable) && entry >= s->vaddr && entry - s->vaddr < s->filesz) {
            img->entry = entry;
            return true;
        }
    }
    return REFUSE("entry 0x%lx is not in the file bytes of an executable segment", entry);
}

/* The segment whose memory holds [offset, offset + len), or NULL. */
static const struct elf_segment *segment_holding(const struct elf_image *img, L4_Word_t offset,
                                                 L4_Word_t len)
{
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        if (offset >= s->vaddr && range_within(offset - s->vaddr, len, s->memsz))
            return s;
    }
    return NULL;
}

/* ------------------------------------------------------- relocations */

static bool read_dynamic(Elf *elf, const GElf_Phdr *ph, size_t size, struct dyn_tables *d,
                         char *why, size_t why_len)
{
    if (!range_within(ph->p_offset, ph->p_filesz, size))
        return REFUSE("PT_DYNAMIC [0x%lx, +0x%lx) outside the file (%zu bytes)",
                      (unsigned long) ph->p_offset, (unsigned long) ph->p_filesz, size);
    size_t n = ph->p_filesz / sizeof(Elf64_Dyn);
    if (n == 0)
        return true;
    Elf_Data *data =
        elf_getdata_rawchunk(elf, (int64_t) ph->p_offset, n * sizeof(Elf64_Dyn), ELF_T_DYN);
    if (!data)
        return REFUSE("PT_DYNAMIC unreadable: %s", elf_errmsg(-1));
    for (size_t i = 0; i < n; i++) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(data, (int) i, &dyn))
            return REFUSE("PT_DYNAMIC entry %zu unreadable: %s", i, elf_errmsg(-1));
        L4_Word_t v = dyn.d_un.d_val;
        switch (dyn.d_tag) {
        case DT_NULL:
            return true;
        case DT_NEEDED:
            return REFUSE("needs a shared library (DT_NEEDED): not a static PIE");
        case DT_REL:
        case DT_RELSZ:
            return REFUSE("DT_REL relocations (without addends) are not supported");
        case DT_RELR:
            return REFUSE("DT_RELR (packed) relocations are not supported");
        case DT_RELA:
            d->rela = v, d->has_rela = true;
            break;
        case DT_RELASZ:
            d->relasz = v, d->has_relasz = true;
            break;
        case DT_RELAENT:
            d->relaent = v, d->has_relaent = true;
            break;
        case DT_JMPREL:
            d->jmprel = v, d->has_jmprel = true;
            break;
        case DT_PLTRELSZ:
            d->pltrelsz = v, d->has_pltrelsz = true;
            break;
        case DT_PLTREL:
            d->pltrel = v, d->has_pltrel = true;
            break;
        default:
            break;
        }
    }
    return true;
}

/* Room for n more relocations in img->rel. */
static bool reserve_relocs(struct elf_image *img, size_t n, char *why, size_t why_len)
{
    if (n > ELF_MAX_RELOCS - img->nrel)
        return REFUSE("too many relocations: more than %d", ELF_MAX_RELOCS);
    size_t want = img->nrel + n;
    if (want <= img->rel_cap)
        return true;
    struct elf_reloc *r = realloc(img->rel, want * sizeof(*r));
    if (!r)
        return REFUSE("out of memory for %zu relocations", want);
    img->rel = r;
    img->rel_cap = want;
    return true;
}

/* One RELA table of size bytes at image offset vaddr (a DT_RELA or DT_JMPREL). */
static bool read_rela_table(struct elf_image *img, Elf *elf, const char *what, L4_Word_t vaddr,
                            L4_Word_t size, char *why, size_t why_len)
{
    if (size == 0)
        return true;
    if (size % sizeof(Elf64_Rela) != 0)
        return REFUSE("%s: size %lu is not a multiple of %zu", what, size, sizeof(Elf64_Rela));
    size_t n = size / sizeof(Elf64_Rela);
    if (!reserve_relocs(img, n, why, why_len))
        return false;
    /* The table must be file bytes: find them through the segment holding it. */
    const struct elf_segment *s = NULL;
    for (unsigned i = 0; i < img->nseg && !s; i++)
        if (vaddr >= img->seg[i].vaddr &&
            range_within(vaddr - img->seg[i].vaddr, size, img->seg[i].filesz))
            s = &img->seg[i];
    if (!s)
        return REFUSE("%s: table at 0x%lx (%lu bytes) is not in the file bytes of a segment", what,
                      vaddr, size);
    L4_Word_t file_offset = s->file_offset + (vaddr - s->vaddr);
    if (file_offset % 8 != 0)
        return REFUSE("%s: table at file offset 0x%lx is misaligned", what, file_offset);
    Elf_Data *data = elf_getdata_rawchunk(elf, (int64_t) file_offset, size, ELF_T_RELA);
    if (!data)
        return REFUSE("%s: unreadable: %s", what, elf_errmsg(-1));
    for (size_t i = 0; i < n; i++) {
        GElf_Rela r;
        if (!gelf_getrela(data, (int) i, &r))
            return REFUSE("%s: entry %zu unreadable: %s", what, i, elf_errmsg(-1));
        unsigned type = (unsigned) GELF_R_TYPE(r.r_info);
        if (type == R_X86_64_NONE)
            continue;
        if (type != R_X86_64_RELATIVE)
            return REFUSE("%s: relocation %zu at 0x%lx has unsupported type R_X86_64_%s (%u)", what,
                          i, (unsigned long) r.r_offset, reloc_name(type), type);
        if (!segment_holding(img, r.r_offset, 8))
            return REFUSE("%s: relocation %zu at 0x%lx is outside every loaded segment", what, i,
                          (unsigned long) r.r_offset);
        img->rel[img->nrel++] = (struct elf_reloc){r.r_offset, (L4_Word_t) r.r_addend};
    }
    return true;
}

static int by_offset(const void *a, const void *b)
{
    const struct elf_reloc *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static bool read_relocs(struct elf_image *img, Elf *elf, const struct dyn_tables *d, char *why,
                        size_t why_len)
{
    if (d->has_rela != d->has_relasz)
        return REFUSE("DT_RELA and DT_RELASZ must come together");
    if (d->has_rela && d->relasz) {
        if (!d->has_relaent)
            return REFUSE("DT_RELA without DT_RELAENT");
        if (d->relaent != sizeof(Elf64_Rela))
            return REFUSE("DT_RELAENT is %lu, want %zu", d->relaent, sizeof(Elf64_Rela));
        if (!read_rela_table(img, elf, "DT_RELA", d->rela, d->relasz, why, why_len))
            return false;
    }
    if (d->has_jmprel != d->has_pltrelsz)
        return REFUSE("DT_JMPREL and DT_PLTRELSZ must come together");
    if (d->has_jmprel && d->pltrelsz) {
        if (!d->has_pltrel || d->pltrel != DT_RELA)
            return REFUSE("DT_PLTREL is not DT_RELA");
        if (!read_rela_table(img, elf, "DT_JMPREL", d->jmprel, d->pltrelsz, why, why_len))
            return false;
    }
    if (img->nrel)
        qsort(img->rel, img->nrel, sizeof(img->rel[0]), by_offset);
    for (size_t i = 1; i < img->nrel; i++)
        if (img->rel[i].offset - img->rel[i - 1].offset < 8)
            return REFUSE("relocations at 0x%lx and 0x%lx overlap", img->rel[i - 1].offset,
                          img->rel[i].offset);
    return true;
}

/* ---------------------------------------------------------- loading */

static void libelf_init(void)
{
    elf_version(EV_CURRENT);
}

/* Every check after the identification bytes, on img's own copy. */
static bool parse(struct elf_image *img, Elf *elf, L4_Word_t room, char *why, size_t why_len)
{
    GElf_Ehdr eh;
    size_t phnum;
    if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
        return REFUSE("unreadable ELF header: %s", elf_errmsg(-1));
    if (!check_ehdr(elf, &eh, img->size, &phnum, why, why_len))
        return false;
    GElf_Phdr dynamic = {0};
    bool has_dynamic = false;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int) i, &ph))
            return REFUSE("program header %zu unreadable: %s", i, elf_errmsg(-1));
        switch (ph.p_type) {
        case PT_LOAD:
            if (!add_segment(img, (unsigned) i, &ph, why, why_len))
                return false;
            break;
        case PT_INTERP:
            return REFUSE("has PT_INTERP: needs a dynamic linker, not a static PIE");
        case PT_TLS:
            return REFUSE("has PT_TLS: images have no thread-local storage");
        case PT_DYNAMIC:
            if (has_dynamic)
                return REFUSE("more than one PT_DYNAMIC");
            dynamic = ph;
            has_dynamic = true;
            break;
        default:
            break;
        }
    }
    if (!check_layout(img, eh.e_entry, room, why, why_len))
        return false;
    struct dyn_tables d = {0};
    if (has_dynamic && !read_dynamic(elf, &dynamic, img->size, &d, why, why_len))
        return false;
    return read_relocs(img, elf, &d, why, why_len);
}

int elf_image_load(const void *bytes, size_t size, L4_Word_t room, struct elf_image **out,
                   char *why, size_t why_len)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    *out = NULL;
    if (why_len)
        why[0] = 0;
    if (!check_ident(bytes, size, why, why_len))
        return L4SRV_ERR_BAD_IMAGE;
    struct elf_image *img = calloc(1, sizeof(*img));
    unsigned char *copy = malloc(size);
    if (!img || !copy) {
        free(img);
        free(copy);
        REFUSE("out of memory for a copy of %zu bytes", size);
        return L4SRV_ERR_NO_MEM;
    }
    memcpy(copy, bytes, size);
    img->bytes = copy;
    img->size = size;
    img->refs = 1;

    pthread_once(&once, libelf_init);
    Elf *elf = elf_memory((char *) copy, size);
    bool ok = elf ? parse(img, elf, room, why, why_len)
                  : REFUSE("libelf cannot read it: %s", elf_errmsg(-1));
    if (elf)
        elf_end(elf);
    if (!ok) {
        elf_image_put(img);
        return L4SRV_ERR_BAD_IMAGE;
    }
    *out = img;
    return 0;
}

struct elf_image *elf_image_get(struct elf_image *img)
{
    __atomic_fetch_add(&img->refs, 1, __ATOMIC_RELAXED);
    return img;
}

void elf_image_put(struct elf_image *img)
{
    if (!img || __atomic_sub_fetch(&img->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    free(img->rel);
    free(img->bytes);
    free(img);
}

L4_Word_t elf_image_span(const struct elf_image *img)
{
    return img->span;
}

L4_Word_t elf_image_entry(const struct elf_image *img)
{
    return img->entry;
}

unsigned elf_image_segment_count(const struct elf_image *img)
{
    return img->nseg;
}

const struct elf_segment *elf_image_segment(const struct elf_image *img, unsigned i)
{
    return i < img->nseg ? &img->seg[i] : NULL;
}

size_t elf_image_reloc_count(const struct elf_image *img)
{
    return img->nrel;
}

/* ------------------------------------------------------------ pages */

static bool touches(const struct elf_segment *s, L4_Word_t page)
{
    return s->vaddr < page + ELF_PAGE_SIZE && page < s->vaddr + s->memsz;
}

unsigned elf_page_rights(const struct elf_image *img, L4_Word_t page_offset)
{
    unsigned rights = 0;
    if (page_offset >= img->span)
        return 0;
    for (unsigned i = 0; i < img->nseg; i++)
        if (touches(&img->seg[i], page_offset))
            rights |= img->seg[i].rights;
    return rights;
}

/* The first relocation whose 8 bytes reach offset or beyond. */
static size_t first_reloc_reaching(const struct elf_image *img, L4_Word_t offset)
{
    size_t lo = 0, hi = img->nrel;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (img->rel[mid].offset + 8 <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void elf_fill_page(const struct elf_image *img, L4_Word_t page_offset, L4_Word_t base, void *dst)
{
    unsigned char *page = dst;
    memset(page, 0, ELF_PAGE_SIZE);
    if (page_offset >= img->span)
        return; /* nothing of the image there (and page_offset + 4096 might wrap) */
    L4_Word_t end = page_offset + ELF_PAGE_SIZE;
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        L4_Word_t from = s->vaddr > page_offset ? s->vaddr : page_offset;
        L4_Word_t to = s->vaddr + s->filesz < end ? s->vaddr + s->filesz : end;
        if (from < to)
            memcpy(page + (from - page_offset), img->bytes + s->file_offset + (from - s->vaddr),
                   to - from);
    }
    for (size_t i = first_reloc_reaching(img, page_offset);
         i < img->nrel && img->rel[i].offset < end; i++) {
        L4_Word_t value = base + img->rel[i].addend;
        /* Little-endian, byte by byte: the word may straddle the page's edge. */
        for (unsigned b = 0; b < 8; b++) {
            L4_Word_t at = img->rel[i].offset + b;
            if (at >= page_offset && at < end)
                page[at - page_offset] = (unsigned char) (value >> (8 * b));
        }
    }
}

bool elf_page_has_relocs(const struct elf_image *img, L4_Word_t page_offset)
{
    size_t i = first_reloc_reaching(img, page_offset);
    return i < img->nrel && img->rel[i].offset < page_offset + ELF_PAGE_SIZE;
}

void elf_rebase_page(const struct elf_image *img, L4_Word_t page_offset, L4_Word_t old_base,
                     L4_Word_t new_base, void *dst)
{
    unsigned char *page = dst;
    L4_Word_t end = page_offset + ELF_PAGE_SIZE;
    for (size_t i = first_reloc_reaching(img, page_offset);
         i < img->nrel && img->rel[i].offset < end; i++) {
        L4_Word_t at = img->rel[i].offset, value;
        if (at >= page_offset && at + 8 <= end) {
            memcpy(&value, page + (at - page_offset), 8);
            value += new_base - old_base; /* keeps whatever the program stored there */
            memcpy(page + (at - page_offset), &value, 8);
            continue;
        }
        /* Straddling the page's edge: the other half is not here, so the
         * word gets its load-time value for the new base. */
        value = new_base + img->rel[i].addend;
        for (unsigned b = 0; b < 8; b++)
            if (at + b >= page_offset && at + b < end)
                page[at + b - page_offset] = (unsigned char) (value >> (8 * b));
    }
}

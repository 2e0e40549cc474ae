/*
 * The ELF loader (src/taskserver/elf.c) against the built test images and
 * against corrupted copies of them, and the user runtime (src/rt) running
 * an image's own code on an L4 thread, through the KIP, before any task
 * server exists: the test relocates the image into host memory itself.
 */
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <l4/kdebug.h>
#include <l4srv/task.h>

#include "../src/taskserver/elf.h"
#include "harness.h"
#include "naming_util.h"

#define ROOM (1UL << 30)

static const char *const images[] = {"hello", "heap", "fork", "crash", "threads", "rtcheck"};

/* ------------------------------------------------------------ files */

struct file {
    unsigned char *bytes;
    size_t size;
};

static struct file read_image(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", L4SIM_IMAGES_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct file out = {NULL, 0};
    size_t cap = 0, got;
    do {
        if (out.size == cap) {
            cap = cap ? 2 * cap : 65536;
            out.bytes = realloc(out.bytes, cap);
            assert_non_null(out.bytes);
        }
        got = fread(out.bytes + out.size, 1, cap - out.size, f);
        out.size += got;
    } while (got);
    fclose(f);
    return out;
}

/* The test's own reading of the file, independent of the loader's. */
static const Elf64_Ehdr *ehdr(const struct file *f)
{
    return (const Elf64_Ehdr *) f->bytes;
}

static Elf64_Phdr *phdr(const struct file *f, unsigned i)
{
    return (Elf64_Phdr *) (f->bytes + ehdr(f)->e_phoff) + i;
}

static Elf64_Phdr *find_phdr(const struct file *f, Elf64_Word type)
{
    for (unsigned i = 0; i < ehdr(f)->e_phnum; i++)
        if (phdr(f, i)->p_type == type)
            return phdr(f, i);
    return NULL;
}

/* The file offset of image offset vaddr (in some segment's file bytes), or 0. */
static size_t file_offset_of(const struct file *f, Elf64_Addr vaddr)
{
    for (unsigned i = 0; i < ehdr(f)->e_phnum; i++) {
        const Elf64_Phdr *p = phdr(f, i);
        if (p->p_type == PT_LOAD && vaddr >= p->p_vaddr && vaddr < p->p_vaddr + p->p_filesz)
            return p->p_offset + (vaddr - p->p_vaddr);
    }
    return 0;
}

static Elf64_Dyn *find_dyn(const struct file *f, Elf64_Sxword tag)
{
    const Elf64_Phdr *d = find_phdr(f, PT_DYNAMIC);
    if (!d)
        return NULL;
    for (Elf64_Dyn *e = (Elf64_Dyn *) (f->bytes + d->p_offset); e->d_tag != DT_NULL; e++)
        if (e->d_tag == tag)
            return e;
    return NULL;
}

static Elf64_Rela *relas(const struct file *f, size_t *n)
{
    Elf64_Dyn *rela = find_dyn(f, DT_RELA), *sz = find_dyn(f, DT_RELASZ);
    *n = rela && sz ? sz->d_un.d_val / sizeof(Elf64_Rela) : 0;
    return *n ? (Elf64_Rela *) (f->bytes + file_offset_of(f, rela->d_un.d_ptr)) : NULL;
}

/* A symbol's value (an image offset) from the symbol table, through libelf. */
static L4_Word_t symbol(const struct file *f, const char *name)
{
    elf_version(EV_CURRENT);
    Elf *elf = elf_memory((char *) f->bytes, f->size);
    assert_non_null(elf);
    L4_Word_t value = 0;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(elf, scn)) && !value) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
            continue;
        Elf_Data *data = elf_getdata(scn, NULL);
        for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Sym sym;
            const char *n;
            if (gelf_getsym(data, (int) i, &sym) &&
                (n = elf_strptr(elf, sh.sh_link, sym.st_name)) && !strcmp(n, name))
                value = sym.st_value;
        }
    }
    elf_end(elf);
    if (!value)
        fail_msg("no symbol %s", name);
    return value;
}

/* --------------------------------------------------- loading images */

static struct elf_image *load(const struct file *f)
{
    struct elf_image *img;
    char why[256];
    int err = elf_image_load(f->bytes, f->size, ROOM, &img, why, sizeof(why));
    if (err)
        fail_msg("refused: %s", why);
    return img;
}

/* Segments, entry, span and the rights of every page, as the file says. */
static void check_layout(const struct file *f, const struct elf_image *img)
{
    unsigned n = 0;
    L4_Word_t end = 0;
    for (unsigned i = 0; i < ehdr(f)->e_phnum; i++) {
        const Elf64_Phdr *p = phdr(f, i);
        if (p->p_type != PT_LOAD || p->p_memsz == 0)
            continue;
        const struct elf_segment *s = elf_image_segment(img, n++);
        assert_non_null(s);
        assert_int_equal(s->vaddr, p->p_vaddr); /* the linker emits them sorted */
        assert_int_equal(s->memsz, p->p_memsz);
        assert_int_equal(s->filesz, p->p_filesz);
        assert_int_equal(s->file_offset, p->p_offset);
        unsigned rights = (p->p_flags & PF_R ? L4_Readable : 0) |
                          (p->p_flags & PF_W ? L4_Writable : 0) |
                          (p->p_flags & PF_X ? L4_eXecutable : 0);
        assert_int_equal(s->rights, rights);
        if (p->p_vaddr + p->p_memsz > end)
            end = p->p_vaddr + p->p_memsz;
    }
    assert_int_equal(elf_image_segment_count(img), n);
    assert_true(n >= 2);
    assert_int_equal(elf_image_span(img), (end + 4095) & ~4095UL);
    assert_int_equal(elf_image_entry(img), ehdr(f)->e_entry);

    for (L4_Word_t page = 0; page < elf_image_span(img) + 8192; page += 4096) {
        unsigned want = 0;
        for (unsigned i = 0; i < ehdr(f)->e_phnum; i++) {
            const Elf64_Phdr *p = phdr(f, i);
            if (p->p_type == PT_LOAD && p->p_memsz && p->p_vaddr < page + 4096 &&
                page < p->p_vaddr + p->p_memsz)
                want |= (p->p_flags & PF_R ? L4_Readable : 0) |
                        (p->p_flags & PF_W ? L4_Writable : 0) |
                        (p->p_flags & PF_X ? L4_eXecutable : 0);
        }
        assert_int_equal(elf_page_rights(img, page), want);
    }
    unsigned entry_rights = elf_page_rights(img, elf_image_entry(img) & ~4095UL);
    assert_true(entry_rights & L4_eXecutable);
}

static void every_image_loads_with_its_segments_entry_and_span(void **state)
{
    (void) state;
    for (unsigned i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
        struct file f = read_image(images[i]);
        struct elf_image *img = load(&f);
        check_layout(&f, img);
        elf_image_put(img);
        free(f.bytes);
    }
}

/* What page `page` must hold: file bytes of the segments, zero elsewhere, no relocation. */
static void expected_page(const struct file *f, L4_Word_t page, unsigned char *out)
{
    memset(out, 0, 4096);
    for (unsigned i = 0; i < ehdr(f)->e_phnum; i++) {
        const Elf64_Phdr *p = phdr(f, i);
        if (p->p_type != PT_LOAD)
            continue;
        for (L4_Word_t a = page; a < page + 4096; a++)
            if (a >= p->p_vaddr && a < p->p_vaddr + p->p_filesz)
                out[a - page] = f->bytes[p->p_offset + (a - p->p_vaddr)];
    }
}

/* The image as two bases see it: relocated words differ by the bases' difference. */
static void check_fill(const struct file *f, const struct elf_image *img)
{
    const L4_Word_t base_a = 0x7f0000000000UL, base_b = 0x100000400000UL;
    L4_Word_t span = elf_image_span(img);
    unsigned char *a = malloc(span), *b = malloc(span), *want = malloc(span);
    assert_true(a && b && want);
    for (L4_Word_t page = 0; page < span; page += 4096) {
        elf_fill_page(img, page, base_a, a + page);
        elf_fill_page(img, page, base_b, b + page);
        expected_page(f, page, want + page);
    }
    /* Mark every byte a relocation writes, and check its value at both bases. */
    size_t n;
    const Elf64_Rela *r = relas(f, &n);
    unsigned char *relocated = calloc(span, 1);
    assert_non_null(relocated);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ELF64_R_TYPE(r[i].r_info), R_X86_64_RELATIVE);
        uint64_t va, vb;
        memcpy(&va, a + r[i].r_offset, 8);
        memcpy(&vb, b + r[i].r_offset, 8);
        assert_int_equal(va - vb, base_a - base_b);
        assert_int_equal(va, base_a + (L4_Word_t) r[i].r_addend);
        memset(relocated + r[i].r_offset, 1, 8);
    }
    assert_int_equal(elf_image_reloc_count(img), n);
    for (L4_Word_t i = 0; i < span; i++) {
        if (relocated[i])
            continue;
        if (a[i] != want[i] || b[i] != want[i])
            fail_msg("byte 0x%lx: %02x and %02x, want %02x", i, a[i], b[i], want[i]);
    }
    /* The bss is zero: what lies past a writable segment's file bytes. */
    const Elf64_Phdr *rw = NULL;
    for (unsigned i = 0; i < ehdr(f)->e_phnum; i++)
        if (phdr(f, i)->p_type == PT_LOAD && (phdr(f, i)->p_flags & PF_W))
            rw = phdr(f, i);
    assert_non_null(rw);
    for (L4_Word_t i = rw->p_vaddr + rw->p_filesz; i < rw->p_vaddr + rw->p_memsz; i++)
        assert_int_equal(a[i], 0);
    free(relocated);
    free(a);
    free(b);
    free(want);
}

static void fill_page_relocates_every_page_for_any_base(void **state)
{
    (void) state;
    size_t with_relocs = 0;
    for (unsigned i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
        struct file f = read_image(images[i]);
        struct elf_image *img = load(&f);
        check_fill(&f, img);
        with_relocs += elf_image_reloc_count(img) > 0;
        /* A page outside the image is all zero, and has no rights. */
        unsigned char page[4096];
        memset(page, 0xaa, sizeof(page));
        elf_fill_page(img, elf_image_span(img), 0x1000000, page);
        for (unsigned k = 0; k < sizeof(page); k++)
            assert_int_equal(page[k], 0);
        assert_int_equal(elf_page_rights(img, elf_image_span(img)), 0);
        assert_int_equal(elf_page_rights(img, ~0UL & ~4095UL), 0);
        elf_image_put(img);
        free(f.bytes);
    }
    assert_true(with_relocs >= 2); /* hello and rtcheck keep pointers in data */
}

/* A relocation whose word crosses a page edge is split between the two pages. */
static void relocation_straddling_a_page_edge_is_split(void **state)
{
    (void) state;
    struct file f = read_image("hello");
    size_t n;
    Elf64_Rela *r = relas(&f, &n);
    assert_true(n >= 1);
    /* A page edge 4 bytes into the writable segment's memory, clear of the other relocations. */
    const Elf64_Phdr *rw = NULL;
    for (unsigned i = 0; i < ehdr(&f)->e_phnum; i++)
        if (phdr(&f, i)->p_type == PT_LOAD && (phdr(&f, i)->p_flags & PF_W))
            rw = phdr(&f, i);
    assert_non_null(rw);
    L4_Word_t edge = 0;
    for (L4_Word_t e = (rw->p_vaddr + 4 + 4095) & ~4095UL;
         e + 4 <= rw->p_vaddr + rw->p_memsz && !edge; e += 4096) {
        edge = e;
        for (size_t i = 1; i < n; i++)
            if (r[i].r_offset + 8 > e - 4 && r[i].r_offset < e + 4)
                edge = 0;
    }
    assert_true(edge != 0);
    r[0].r_offset = edge - 4;
    L4_Word_t addend = (L4_Word_t) r[0].r_addend, base = 0x5550000000UL;

    struct elf_image *img = load(&f);
    unsigned char pages[8192];
    elf_fill_page(img, edge - 4096, base, pages);
    elf_fill_page(img, edge, base, pages + 4096);
    uint64_t v;
    memcpy(&v, pages + 4096 - 4, 8);
    assert_int_equal(v, base + addend);
    /* Filling one page alone writes only its own half. */
    unsigned char lone[4096];
    elf_fill_page(img, edge, base + 0x1000, lone);
    uint64_t high = (base + 0x1000 + addend) >> 32;
    assert_int_equal(lone[0] | lone[1] << 8 | lone[2] << 16 | (uint64_t) lone[3] << 24, high);
    elf_image_put(img);
    free(f.bytes);
}

/* get and put count references; the last put frees (valgrind checks). */
static void image_lives_until_the_last_reference_goes(void **state)
{
    (void) state;
    struct file f = read_image("hello");
    struct elf_image *img = load(&f);
    free(f.bytes); /* the image keeps a copy of its own */
    assert_ptr_equal(elf_image_get(img), img);
    elf_image_put(img);
    unsigned char page[4096];
    elf_fill_page(img, elf_image_entry(img) & ~4095UL, 0, page);
    elf_image_put(img);
    elf_image_put(NULL);
}

/* -------------------------------------------------------- refusals */

struct refusal {
    const char *what;
    void (*corrupt)(struct file *f);
    const char *reason; /* a part of the reason the loader must give */
};

static Elf64_Ehdr *wehdr(struct file *f)
{
    return (Elf64_Ehdr *) f->bytes;
}

static Elf64_Phdr *load_phdr(struct file *f, unsigned nth)
{
    for (unsigned i = 0; i < ehdr(f)->e_phnum; i++)
        if (phdr(f, i)->p_type == PT_LOAD && nth-- == 0)
            return phdr(f, i);
    fail_msg("no PT_LOAD number %u", nth);
    return NULL;
}

static void bad_magic(struct file *f)
{
    f->bytes[1] = 'X';
}
static void elf32(struct file *f)
{
    f->bytes[EI_CLASS] = ELFCLASS32;
}
static void big_endian(struct file *f)
{
    f->bytes[EI_DATA] = ELFDATA2MSB;
}
static void bad_version(struct file *f)
{
    f->bytes[EI_VERSION] = 7;
}
static void arm64(struct file *f)
{
    wehdr(f)->e_machine = EM_AARCH64;
}
static void et_exec(struct file *f)
{
    wehdr(f)->e_type = ET_EXEC;
}
static void et_rel(struct file *f)
{
    wehdr(f)->e_type = ET_REL;
}
static void phentsize(struct file *f)
{
    wehdr(f)->e_phentsize = 32;
}
static void no_phdrs(struct file *f)
{
    wehdr(f)->e_phnum = 0;
}
static void many_phdrs(struct file *f)
{
    wehdr(f)->e_phnum = ELF_MAX_PHDRS + 1;
}
static void phdrs_past_end(struct file *f)
{
    wehdr(f)->e_phoff = f->size - 10;
}
static void truncate_to(struct file *f, size_t n)
{
    f->size = n;
}
static void truncated_3(struct file *f)
{
    truncate_to(f, 3);
}
static void truncated_16(struct file *f)
{
    truncate_to(f, 16);
}
static void truncated_63(struct file *f)
{
    truncate_to(f, 63);
}
static void truncated_in_phdrs(struct file *f)
{
    truncate_to(f, ehdr(f)->e_phoff + 100);
}
static void truncated_in_text(struct file *f)
{
    truncate_to(f, load_phdr(f, 1)->p_offset + 10);
}
static void truncated_by_one(struct file *f)
{
    const Elf64_Phdr *last = load_phdr(f, 3);
    truncate_to(f, last->p_offset + last->p_filesz - 1);
}
static void filesz_over_memsz(struct file *f)
{
    Elf64_Phdr *p = load_phdr(f, 3);
    p->p_filesz = p->p_memsz + 1;
}
static void huge_filesz(struct file *f)
{
    Elf64_Phdr *p = load_phdr(f, 1);
    p->p_filesz = p->p_memsz = 1UL << 40;
}
static void offset_wraps(struct file *f)
{
    Elf64_Phdr *p = load_phdr(f, 1);
    p->p_offset = ~0UL - 4095;
    p->p_vaddr = 0x1000;
}
static void not_congruent(struct file *f)
{
    load_phdr(f, 2)->p_offset += 8;
}
static void overlapping(struct file *f)
{
    Elf64_Phdr *text = load_phdr(f, 1), *ro = load_phdr(f, 2);
    ro->p_vaddr = text->p_vaddr + 0x1000 + (ro->p_offset & 4095);
}
static void vaddr_huge(struct file *f)
{
    Elf64_Phdr *p = load_phdr(f, 3);
    p->p_vaddr = (~0UL & ~4095UL) + (p->p_offset & 4095) - 4096;
    p->p_memsz = 0x10000;
}
static void too_big_for_room(struct file *f)
{
    Elf64_Phdr *p = load_phdr(f, 3);
    p->p_vaddr += ROOM;
}
static void no_load(struct file *f)
{
    for (unsigned i = 0; i < ehdr(f)->e_phnum; i++)
        if (phdr(f, i)->p_type == PT_LOAD)
            phdr(f, i)->p_type = PT_NULL;
}
static void interp(struct file *f)
{
    find_phdr(f, PT_NOTE)->p_type = PT_INTERP;
}
static void tls(struct file *f)
{
    find_phdr(f, PT_NOTE)->p_type = PT_TLS;
}
static void entry_in_rodata(struct file *f)
{
    wehdr(f)->e_entry = load_phdr(f, 2)->p_vaddr;
}
static void entry_nowhere(struct file *f)
{
    wehdr(f)->e_entry = 0x7fffffff;
}
static void entry_in_bss(struct file *f)
{
    /* Executable, but past the segment's file bytes. */
    Elf64_Phdr *p = load_phdr(f, 3);
    p->p_flags |= PF_X;
    wehdr(f)->e_entry = p->p_vaddr + p->p_filesz + 8;
}
static Elf64_Rela *first_rela(struct file *f)
{
    size_t n;
    Elf64_Rela *r = relas(f, &n);
    if (!r)
        fail_msg("no relocations");
    return r;
}
static void reloc_r64(struct file *f)
{
    first_rela(f)->r_info = ELF64_R_INFO(1, R_X86_64_64);
}
static void reloc_copy(struct file *f)
{
    first_rela(f)->r_info = ELF64_R_INFO(0, R_X86_64_COPY);
}
static void reloc_unknown(struct file *f)
{
    first_rela(f)->r_info = ELF64_R_INFO(0, 200);
}
static void reloc_far(struct file *f)
{
    first_rela(f)->r_offset = 0x10000000;
}
static void reloc_past_segment_end(struct file *f)
{
    const Elf64_Phdr *p = load_phdr(f, 3);
    first_rela(f)->r_offset = p->p_vaddr + p->p_memsz - 4;
}
static void reloc_overlap(struct file *f)
{
    Elf64_Rela *r = first_rela(f);
    r[1].r_offset = r[0].r_offset + 4;
}
static void relaent_16(struct file *f)
{
    find_dyn(f, DT_RELAENT)->d_un.d_val = 16;
}
static void relaent_missing(struct file *f)
{
    find_dyn(f, DT_RELAENT)->d_tag = DT_DEBUG;
}
static void relasz_odd(struct file *f)
{
    find_dyn(f, DT_RELASZ)->d_un.d_val -= 1;
}
static void relasz_missing(struct file *f)
{
    find_dyn(f, DT_RELASZ)->d_tag = DT_DEBUG;
}
static void relasz_huge(struct file *f)
{
    find_dyn(f, DT_RELASZ)->d_un.d_val = (ELF_MAX_RELOCS + 1UL) * sizeof(Elf64_Rela);
}
static void rela_outside(struct file *f)
{
    find_dyn(f, DT_RELA)->d_un.d_ptr = 0x40000000;
}
static void rela_in_bss(struct file *f)
{
    const Elf64_Phdr *p = load_phdr(f, 3);
    find_dyn(f, DT_RELA)->d_un.d_ptr = p->p_vaddr + p->p_filesz;
    find_dyn(f, DT_RELASZ)->d_un.d_val = sizeof(Elf64_Rela);
}
static void rela_misaligned(struct file *f)
{
    find_dyn(f, DT_RELA)->d_un.d_ptr -= 4;
}
static void needed(struct file *f)
{
    find_dyn(f, DT_DEBUG)->d_tag = DT_NEEDED;
}
static void dt_rel(struct file *f)
{
    find_dyn(f, DT_DEBUG)->d_tag = DT_REL;
}
static void dt_relr(struct file *f)
{
    find_dyn(f, DT_DEBUG)->d_tag = 36; /* DT_RELR */
}
static void dynamic_outside(struct file *f)
{
    find_phdr(f, PT_DYNAMIC)->p_offset = f->size + 4096;
}
static void two_dynamics(struct file *f)
{
    find_phdr(f, PT_NOTE)->p_type = PT_DYNAMIC;
}

static const struct refusal refusals[] = {
    {"bad magic", bad_magic, "bad magic"},
    {"ELF32", elf32, "wrong class: ELF32"},
    {"big-endian", big_endian, "big-endian"},
    {"ELF version", bad_version, "ELF version"},
    {"wrong machine", arm64, "wrong machine"},
    {"ET_EXEC", et_exec, "ET_EXEC"},
    {"ET_REL", et_rel, "ET_REL"},
    {"program header size", phentsize, "program header size"},
    {"no program headers", no_phdrs, "no program headers"},
    {"too many program headers", many_phdrs, "too many program headers"},
    {"program headers past the end", phdrs_past_end, "truncated"},
    {"truncated to 3 bytes", truncated_3, "truncated"},
    {"truncated to 16 bytes", truncated_16, "truncated"},
    {"truncated to 63 bytes", truncated_63, "truncated"},
    {"truncated in the program headers", truncated_in_phdrs, "truncated"},
    {"truncated in the text", truncated_in_text, "outside the file"},
    {"truncated by one byte", truncated_by_one, "outside the file"},
    {"filesz > memsz", filesz_over_memsz, "p_filesz"},
    {"huge filesz", huge_filesz, "outside the file"},
    {"file offset wraps", offset_wraps, "outside the file"},
    {"vaddr and offset not congruent", not_congruent, "modulo the page size"},
    {"overlapping segments", overlapping, "overlap"},
    {"vaddr huge", vaddr_huge, "overflows"},
    {"span beyond the room", too_big_for_room, "room"},
    {"no PT_LOAD", no_load, "no loadable segment"},
    {"PT_INTERP", interp, "PT_INTERP"},
    {"PT_TLS", tls, "PT_TLS"},
    {"two PT_DYNAMIC", two_dynamics, "more than one PT_DYNAMIC"},
    {"PT_DYNAMIC outside the file", dynamic_outside, "PT_DYNAMIC"},
    {"entry in a non-executable segment", entry_in_rodata, "entry"},
    {"entry in no segment", entry_nowhere, "entry"},
    {"entry past the file bytes", entry_in_bss, "entry"},
    {"R_X86_64_64", reloc_r64, "R_X86_64_64 "},
    {"R_X86_64_COPY", reloc_copy, "R_X86_64_COPY"},
    {"unknown relocation type", reloc_unknown, "unknown (200)"},
    {"relocation far away", reloc_far, "outside every loaded segment"},
    {"relocation past a segment's end", reloc_past_segment_end, "outside every loaded segment"},
    {"overlapping relocations", reloc_overlap, "overlap"},
    {"DT_RELAENT 16", relaent_16, "DT_RELAENT"},
    {"no DT_RELAENT", relaent_missing, "DT_RELAENT"},
    {"DT_RELASZ not a multiple", relasz_odd, "multiple of 24"},
    {"no DT_RELASZ", relasz_missing, "DT_RELASZ"},
    {"too many relocations", relasz_huge, "too many relocations"},
    {"DT_RELA outside the file", rela_outside, "not in the file bytes"},
    {"DT_RELA in the bss", rela_in_bss, "not in the file bytes"},
    {"DT_RELA misaligned", rela_misaligned, "misaligned"},
    {"DT_NEEDED", needed, "DT_NEEDED"},
    {"DT_REL", dt_rel, "DT_REL "},
    {"DT_RELR", dt_relr, "DT_RELR"},
};

static void corrupted_images_are_refused_with_a_reason(void **state)
{
    (void) state;
    struct file hello = read_image("hello");
    int failed = 0;
    for (unsigned i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        const struct refusal *t = &refusals[i];
        struct file f = {malloc(hello.size), hello.size};
        assert_non_null(f.bytes);
        memcpy(f.bytes, hello.bytes, hello.size);
        t->corrupt(&f);
        struct elf_image *img = (struct elf_image *) 1;
        char why[256] = "(untouched)";
        int err = elf_image_load(f.bytes, f.size, ROOM, &img, why, sizeof(why));
        printf("  %-36s -> %s\n", t->what, why);
        if (err != L4SRV_ERR_BAD_IMAGE || img != NULL || !strstr(why, t->reason)) {
            print_error("%s: error %d, image %p, reason \"%s\", want \"%s\"\n", t->what, err,
                        (void *) img, why, t->reason);
            failed++;
        }
        free(f.bytes);
    }
    free(hello.bytes);
    assert_int_equal(failed, 0);
}

/*
 * Every prefix of an image is refused or loaded, never a crash (why may be
 * absent). A prefix that still holds every segment's file bytes loads: the
 * loader needs no section headers.
 */
static void every_truncation_is_handled(void **state)
{
    (void) state;
    struct file f = read_image("rtcheck");
    size_t needed = 0;
    for (unsigned i = 0; i < ehdr(&f)->e_phnum; i++)
        if (phdr(&f, i)->p_type == PT_LOAD &&
            phdr(&f, i)->p_offset + phdr(&f, i)->p_filesz > needed)
            needed = phdr(&f, i)->p_offset + phdr(&f, i)->p_filesz;
    unsigned loaded = 0;
    for (size_t n = 0; n <= f.size; n += n < 1024 ? 1 : 97) {
        struct elf_image *img;
        int err = elf_image_load(f.bytes, n, ROOM, &img, NULL, 0);
        if (n < needed) {
            assert_int_equal(err, L4SRV_ERR_BAD_IMAGE);
            assert_null(img);
        } else if (err == 0) {
            loaded++;
            elf_image_put(img);
        }
    }
    assert_true(loaded > 0);
    free(f.bytes);
}

/* Writable enough for 16 segments; one more is refused. */
static struct file synthetic(unsigned segments)
{
    size_t size = 4096UL * (segments + 1);
    struct file f = {calloc(1, size), size};
    assert_non_null(f.bytes);
    Elf64_Ehdr *e = wehdr(&f);
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_DYN;
    e->e_machine = EM_X86_64;
    e->e_version = EV_CURRENT;
    e->e_entry = 0x1000;
    e->e_phoff = sizeof(*e);
    e->e_ehsize = sizeof(*e);
    e->e_phentsize = sizeof(Elf64_Phdr);
    e->e_phnum = (Elf64_Half) segments;
    for (unsigned i = 0; i < segments; i++) {
        Elf64_Phdr *p = phdr(&f, i);
        p->p_type = PT_LOAD;
        p->p_flags = i == 0 ? PF_R | PF_X : PF_R | PF_W;
        p->p_offset = p->p_vaddr = 4096UL * (i + 1);
        p->p_filesz = 4096;
        p->p_memsz = i == segments - 1 ? 3 * 4096 : 4096;
        p->p_align = 4096;
        f.bytes[p->p_offset] = (unsigned char) i;
    }
    return f;
}

static void segment_limit_is_enforced(void **state)
{
    (void) state;
    struct file ok = synthetic(ELF_MAX_SEGMENTS), bad = synthetic(ELF_MAX_SEGMENTS + 1);
    struct elf_image *img;
    char why[256];
    assert_int_equal(elf_image_load(ok.bytes, ok.size, ROOM, &img, why, sizeof(why)), 0);
    assert_int_equal(elf_image_segment_count(img), ELF_MAX_SEGMENTS);
    assert_int_equal(elf_image_reloc_count(img), 0);
    assert_int_equal(elf_image_span(img), 4096UL * (ELF_MAX_SEGMENTS + 3));
    unsigned char page[4096];
    elf_fill_page(img, 4096UL * 5, 0, page);
    assert_int_equal(page[0], 4);
    elf_fill_page(img, 4096UL * (ELF_MAX_SEGMENTS + 1), 0, page); /* the last one's bss */
    assert_int_equal(page[0], 0);
    assert_int_equal(elf_page_rights(img, 4096UL * (ELF_MAX_SEGMENTS + 2)),
                     L4_Readable | L4_Writable);
    elf_image_put(img);
    /* Not even room for the image: the same file in a smaller window. */
    assert_int_equal(elf_image_load(ok.bytes, ok.size, 4096UL * 4, &img, why, sizeof(why)),
                     L4SRV_ERR_BAD_IMAGE);
    assert_non_null(strstr(why, "room"));
    assert_int_equal(elf_image_load(bad.bytes, bad.size, ROOM, &img, why, sizeof(why)),
                     L4SRV_ERR_BAD_IMAGE);
    assert_non_null(strstr(why, "too many loadable segments"));
    assert_null(img);
    free(ok.bytes);
    free(bad.bytes);
}

/* ------------------------------------------------ the runtime, live */

/*
 * t_call_entry(entry, kip, sp, block, len): move to the stack at sp, copy
 * the len bytes at block to sp, and call entry(kip) there, as the kernel
 * starts a thread: the block (a task_startup) is then at the entry's
 * %rsp + 8. The copy happens after the move because Valgrind takes a
 * falling stack pointer for fresh, undefined stack, and the block lies in
 * what the move uncovers. Returns if the entry does.
 */
__asm__(".text\n"
        ".type t_call_entry, @function\n"
        "t_call_entry:\n"
        "    push %rbx\n"
        "    push %r12\n"
        "    mov %rsp, %rbx\n"
        "    mov %rdi, %rax\n" /* entry */
        "    mov %rsi, %r12\n" /* kip */
        "    mov %rdx, %rsp\n"
        "    mov %rdx, %rdi\n"
        "    mov %rcx, %rsi\n"
        "    mov %r8, %rcx\n"
        "    rep movsb\n"
        "    mov %r12, %rdi\n"
        "    call *%rax\n"
        "    mov %rbx, %rsp\n"
        "    pop %r12\n"
        "    pop %rbx\n"
        "    ret\n"
        ".size t_call_entry, . - t_call_entry\n");
void t_call_entry(L4_Word_t entry, void *kip, L4_Word_t sp, const void *block, size_t len);

/* An image relocated into host memory of our own, and what to start in it. */
struct live {
    const char *name;
    struct file file;
    struct elf_image *img;
    unsigned char *base; /* mapped read/write/execute: the test plays the region mapper */
    L4_Word_t kind;      /* enum task_start_kind */
    L4_Word_t fn;        /* THREAD: image offset of the function */
    const char *cmdline;
    L4_ThreadId_t thread;
};

static void live_load(struct live *l)
{
    l->file = read_image(l->name);
    l->img = load(&l->file);
    L4_Word_t span = elf_image_span(l->img);
    l->base =
        mmap(NULL, span, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(l->base != MAP_FAILED);
    for (L4_Word_t page = 0; page < span; page += 4096)
        elf_fill_page(l->img, page, (L4_Word_t) l->base, l->base + page);
}

static void live_unload(struct live *l)
{
    munmap(l->base, elf_image_span(l->img));
    elf_image_put(l->img);
    free(l->file.bytes);
}

/*
 * The task's thread (a native MM-server task, its stack in its window):
 * starts the image's _start well below its own frame, with the startup
 * block and the command line just above the image's stack.
 */
static void image_thread(void *kip)
{
    struct live *l = h_arg();
    L4_Word_t rsp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
    L4_Word_t sp = (rsp - 16384) & ~15UL;
    struct {
        struct task_startup su;
        char cmdline[TASK_CMDLINE_MAX + 1];
    } block;
    memset(&block, 0, sizeof(block));
    strcpy(block.cmdline, l->cmdline);
    block.su = (struct task_startup){
        .kind = l->kind,
        .cmdline = (const char *) (sp + offsetof(__typeof__(block), cmdline)),
        .arg = {l->fn, L4_Myself().raw},
        .task = L4_Myself().raw,
        .image = (L4_Word_t) l->base,
        .stack_lo = sp - 65536,
    };
    t_call_entry((L4_Word_t) l->base + elf_image_entry(l->img), kip, sp, &block, sizeof(block));
    H_CHECK(!"the image's _start returned");
}

/* The trace of the run, one line per event. */
static char trace_buf[1 << 20];
static size_t trace_len;

static void capture(const char *line, size_t len, void *ctx)
{
    (void) ctx;
    if (trace_len + len + 1 < sizeof(trace_buf)) {
        memcpy(trace_buf + trace_len, line, len);
        trace_len += len;
        trace_buf[trace_len++] = '\n';
        trace_buf[trace_len] = 0;
    }
}

static int run_live(int (*body)(void *), struct live *l)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    if (!getenv("L4SIM_DETERMINISTIC"))
        cfg.deterministic = 1;
    if (cfg.deterministic && !getenv("L4SIM_SEED"))
        cfg.seed = 6;
    cfg.trace_sink = capture;
    trace_len = 0;
    trace_buf[0] = 0;
    struct l4srv_options opt = {.modules_dir = L4SIM_IMAGES_DIR};
    return h_run_system_config(&cfg, &opt, body, l);
}

/* Read /logs/system until it holds `want` (about 20 s at most). */
static bool log_has(const char *want, char *text, size_t cap)
{
    for (int i = 0; i < 2000; i++) {
        size_t len;
        if (u_read_path("/logs/system", text, cap, &len) == 0 && strstr(text, want))
            return true;
        L4_Sleep(L4_TimePeriod(10000));
    }
    h_fail_at(__FILE__, __LINE__, "/logs/system never showed \"%s\"; it has:\n%s", want, text);
    return false;
}

static int body_main(void *arg)
{
    struct live *l = arg;
    /* The image is a module like any other. */
    H_CHECK(u_listed("/modules", l->name));
    l->thread = h_task(0, image_thread, l);
    static char text[8192];
    if (log_has("argv[2] = two", text, sizeof(text)))
        H_CHECK(strstr(text, "hello, world\nargv[0] = hello\nargv[1] = one\nargv[2] = two\n"));
    return 0;
}

static void image_main_prints_through_the_log_service(void **state)
{
    (void) state;
    struct live l = {.name = "hello", .kind = TASK_STARTUP_MAIN, .cmdline = "hello one  two"};
    live_load(&l);
    assert_int_equal(run_live(body_main, &l), 0);
    /* The log service narrated every line into the trace. */
    assert_non_null(strstr(trace_buf, "log: hello, world"));
    assert_non_null(strstr(trace_buf, "log: argv[2] = two"));
    live_unload(&l);
}

static int body_thread(void *arg)
{
    struct live *l = arg;
    volatile int *done = (volatile int *) (l->base + symbol(&l->file, "rtcheck_done"));
    l->thread = h_task(0, image_thread, l);
    h_wait_flag((volatile int *) done);
    static char text[8192];
    char want[64];
    snprintf(want, sizeof(want), "rtcheck: thread %lx passed 3f of 3f", l->thread.raw);
    log_has(want, text, sizeof(text));
    return 0;
}

static void image_thread_makes_system_calls_through_the_kip(void **state)
{
    (void) state;
    struct live l = {.name = "rtcheck", .kind = TASK_STARTUP_THREAD, .cmdline = ""};
    live_load(&l);
    l.fn = symbol(&l.file, "rtcheck_thread");
    assert_int_equal(run_live(body_thread, &l), 0);
    unsigned long result = *(volatile unsigned long *) (l.base + symbol(&l.file, "rtcheck_result"));
    assert_int_equal(result, 0x3f);
    /* Its pager is the MM server, no region mapper: malloc fails cleanly. */
    assert_int_equal(*(volatile unsigned long *) (l.base + symbol(&l.file, "rtcheck_malloc")), 0);
    assert_non_null(strstr(trace_buf, "rtcheck: kdb print through the KIP"));
    assert_non_null(strstr(trace_buf, "log: rtcheck: thread"));
    live_unload(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_image_loads_with_its_segments_entry_and_span),
        cmocka_unit_test(fill_page_relocates_every_page_for_any_base),
        cmocka_unit_test(relocation_straddling_a_page_edge_is_split),
        cmocka_unit_test(image_lives_until_the_last_reference_goes),
        cmocka_unit_test(corrupted_images_are_refused_with_a_reason),
        cmocka_unit_test(every_truncation_is_handled),
        cmocka_unit_test(segment_limit_is_enforced),
        cmocka_unit_test(image_main_prints_through_the_log_service),
        cmocka_unit_test(image_thread_makes_system_calls_through_the_kip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

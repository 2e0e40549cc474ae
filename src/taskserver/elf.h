/*
 * The ELF loader: checks a task image (a freestanding x86-64 static PIE)
 * once, and then produces any page of it, relocated for any base. Pure
 * host code: no IPC, and elf_fill_page never allocates, locks or calls
 * libelf, because a region mapper that may be killed at any instant calls it.
 */
#ifndef TASKSERVER_ELF_H
#define TASKSERVER_ELF_H

#include <stdbool.h>
#include <stddef.h>

#include <l4/types.h>
#include <l4srv/errors.h>

#define ELF_PAGE_SIZE    4096UL
#define ELF_MAX_PHDRS    64        /* program headers of any kind */
#define ELF_MAX_SEGMENTS 16        /* loadable ones (PT_LOAD with memsz > 0) */
#define ELF_MAX_RELOCS   (1 << 20) /* relocations that write something */

/*
 * A loaded image: a copy of the file, its segments, and the relocations
 * sorted by target. Refcounted, so a task server can hand it to every
 * region mapper whose space shows it; immutable once loaded.
 */
struct elf_image;

/* A loadable segment. Offsets are image offsets: where the segment lies
 * when the image's first byte (offset 0) is at address 0. */
struct elf_segment {
    L4_Word_t vaddr;       /* image offset of the segment's first byte */
    L4_Word_t memsz;       /* bytes in memory; those past filesz are zero (bss) */
    L4_Word_t filesz;      /* bytes taken from the file */
    L4_Word_t file_offset; /* where those bytes start in the file */
    unsigned rights;       /* L4_Readable | L4_Writable | L4_eXecutable, from p_flags */
};

/*
 * Check the image (size bytes at bytes) and keep a copy of it. room is how
 * many bytes of window the image may span. Returns 0 with *out set
 * (refcount 1), or L4SRV_ERR_BAD_IMAGE (or L4SRV_ERR_NO_MEM) with a
 * one-line reason in why (why_len bytes, may be 0) and nothing kept.
 *
 * Accepted: ELFCLASS64, ELFDATA2LSB, EM_X86_64, ET_DYN without PT_INTERP,
 * PT_TLS or DT_NEEDED; at most ELF_MAX_SEGMENTS non-overlapping PT_LOAD
 * segments whose vaddr and file offset agree modulo the page size; the
 * entry inside the file bytes of an executable segment; relocations from
 * PT_DYNAMIC (DT_RELA and DT_JMPREL tables) of types R_X86_64_NONE and
 * R_X86_64_RELATIVE, each 8-byte target inside one segment, none
 * overlapping another.
 */
int elf_image_load(const void *bytes, size_t size, L4_Word_t room, struct elf_image **out,
                   char *why, size_t why_len);

struct elf_image *elf_image_get(struct elf_image *img);
/* Drop a reference; the last one frees the image. NULL is ignored. */
void elf_image_put(struct elf_image *img);

/* Page-rounded bytes from image offset 0 to the end of the last segment. */
L4_Word_t elf_image_span(const struct elf_image *img);
/* The entry point as an image offset. */
L4_Word_t elf_image_entry(const struct elf_image *img);

/* The loadable segments, sorted by vaddr; i < elf_image_segment_count. */
unsigned elf_image_segment_count(const struct elf_image *img);
const struct elf_segment *elf_image_segment(const struct elf_image *img, unsigned i);
/* Relocations applied by elf_fill_page (R_X86_64_NONE ones not counted). */
size_t elf_image_reloc_count(const struct elf_image *img);

/*
 * The rights of the page at image offset page_offset (page-aligned): the
 * union of the rights of the segments touching it; 0 if none does.
 */
unsigned elf_page_rights(const struct elf_image *img, L4_Word_t page_offset);

/*
 * Write the 4096 bytes of the page at image offset page_offset to dst, for
 * the image's offset 0 at address base: the file bytes of every segment
 * touching the page, zero elsewhere (bss, gaps), and every relocation
 * landing in the page applied (only the bytes inside the page of one that
 * straddles its edge). Safe to call from a thread that may be killed at any
 * moment: no allocation, no lock, no libelf.
 */
void elf_fill_page(const struct elf_image *img, L4_Word_t page_offset, L4_Word_t base, void *dst);

/* Whether a relocation writes into the page at image offset page_offset. */
bool elf_page_has_relocs(const struct elf_image *img, L4_Word_t page_offset);

/*
 * For a forked copy: move every word of the page (its contents in dst)
 * that a relocation names from old_base to new_base, keeping what the
 * program stored there. A word straddling the page's edge (linkers align
 * them, so only a hand-made image has one) gets its load-time value for
 * new_base instead. Same rules as elf_fill_page: no allocation, no lock.
 */
void elf_rebase_page(const struct elf_image *img, L4_Word_t page_offset, L4_Word_t old_base,
                     L4_Word_t new_base, void *dst);

#endif /* TASKSERVER_ELF_H */

/*
 * Fuzz target for the ELF loader: whatever the bytes, elf_image_load
 * refuses them or loads them, and a loaded image yields its rights and
 * contents for every page. Built with libFuzzer by clang (fuzz_elf), and
 * with fuzz_elf_main.c into a replay program by the project's compiler.
 */
#include <stddef.h>
#include <stdint.h>

#include "../src/taskserver/elf.h"

/* Small enough that filling every page of the largest image stays quick. */
#define FUZZ_ROOM (16UL << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char page[ELF_PAGE_SIZE];
    struct elf_image *img;
    char why[160];
    if (elf_image_load(data, size, FUZZ_ROOM, &img, why, sizeof(why)) != 0)
        return 0;
    unsigned rights = 0;
    for (L4_Word_t offset = 0; offset < elf_image_span(img); offset += ELF_PAGE_SIZE) {
        rights |= elf_page_rights(img, offset);
        elf_fill_page(img, offset, 0x7f0000000000UL, page);
    }
    if (!(rights & L4_eXecutable))
        __builtin_trap(); /* the entry's segment is executable: load checked that */
    elf_image_put(img);
    return 0;
}

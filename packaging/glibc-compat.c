// Stand-ins for the few glibc functions newer than 2.34 (the C library of Lambda's provided.al2023)
// that Debian 12's libraries call, built as libdarkroom-glibc-compat.so. packaging/glibc-floor.py
// points those references here. On a newer glibc the real ones may be bound instead; both behave
// the same.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

// arc4random (glibc 2.36): random bytes from the kernel, as glibc's own are.
void arc4random_buf(void *buffer, size_t length) {
    unsigned char *at = buffer;
    while (length > 0) {
        ssize_t got = getrandom(at, length, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            abort();  // glibc's arc4random cannot fail either: it aborts
        }
        at += got;
        length -= (size_t)got;
    }
}

uint32_t arc4random(void) {
    uint32_t value;
    arc4random_buf(&value, sizeof value);
    return value;
}

uint32_t arc4random_uniform(uint32_t bound) {
    if (bound < 2) return 0;
    uint32_t floor = -bound % bound;  // rejecting values below it leaves no bias
    for (;;) {
        uint32_t value = arc4random();
        if (value >= floor) return value % bound;
    }
}

// _dl_find_object (glibc 2.35), which libgcc's unwinder calls to find a frame's unwind tables:
// the same answer, found by walking the loaded objects.
struct lookup {
    uintptr_t pc;
    struct dl_find_object *result;
    int found;
};

static int find_in(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct lookup *lookup = data;
    uintptr_t start = UINTPTR_MAX, end = 0;
    int contains = 0;
    void *eh_frame = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        uintptr_t low = info->dlpi_addr + segment->p_vaddr;
        if (segment->p_type == PT_LOAD) {
            uintptr_t high = low + segment->p_memsz;
            if (low < start) start = low;
            if (high > end) end = high;
            if (lookup->pc >= low && lookup->pc < high) contains = 1;
        } else if (segment->p_type == PT_GNU_EH_FRAME) {
            eh_frame = (void *)low;
        }
    }
    if (!contains) return 0;
    memset(lookup->result, 0, sizeof *lookup->result);
    lookup->result->dlfo_map_start = (void *)start;
    lookup->result->dlfo_map_end = (void *)end;
    lookup->result->dlfo_eh_frame = eh_frame;
    Dl_info symbol;
    struct link_map *map = NULL;
    if (dladdr1((void *)lookup->pc, &symbol, (void **)&map, RTLD_DL_LINKMAP) != 0) lookup->result->dlfo_link_map = map;
    lookup->found = 1;
    return 1;
}

int _dl_find_object(void *pc, struct dl_find_object *result) {
    struct lookup lookup = {(uintptr_t)pc, result, 0};
    dl_iterate_phdr(find_in, &lookup);
    return lookup.found ? 0 : -1;
}

"""packaging/glibc-floor.py and packaging/glibc-compat.c: a program built here (glibc 2.36) that asks
for hypot@GLIBC_2.35 and arc4random@GLIBC_2.36 is reported above 2.34, patched, reported at 2.34
at most, and still gives the right answers; the compat library's stand-ins agree with glibc's own."""
import os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOOR = os.path.join(ROOT, "packaging", "glibc-floor.py")
COMPAT = os.path.join(ROOT, "packaging", "glibc-compat.c")

PROGRAM = r"""
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
int main(int argc, char **argv) {
    volatile double a = atof(argv[1]), b = atof(argv[2]);
    uint32_t r = arc4random_uniform(10);
    printf("%g %u\n", hypot(a, b), r < 10);
    return 0;
}
"""

# Calls the compat library's _dl_find_object and glibc's for the same addresses and compares.
AGREEMENT = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
typedef int (*finder)(void *, struct dl_find_object *);
typedef void (*filler)(void *, size_t);
int main(int argc, char **argv) {
    void *compat = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!compat) { printf("dlopen: %s\n", dlerror()); return 2; }
    finder mine = (finder)dlsym(compat, "_dl_find_object");
    filler fill = (filler)dlsym(compat, "arc4random_buf");
    void *places[] = {(void *)main, (void *)printf, (void *)dlopen, (void *)sqrt, (void *)mine};
    int differ = 0;
    for (unsigned i = 0; i < sizeof places / sizeof places[0]; i++) {
        struct dl_find_object theirs, ours;
        int a = _dl_find_object(places[i], &theirs), b = mine(places[i], &ours);
        if (a != b || theirs.dlfo_map_start != ours.dlfo_map_start || theirs.dlfo_map_end != ours.dlfo_map_end
            || theirs.dlfo_eh_frame != ours.dlfo_eh_frame || theirs.dlfo_link_map != ours.dlfo_link_map) {
            printf("differ at %u: %d %d %p-%p %p-%p eh %p %p\n", i, a, b, theirs.dlfo_map_start, theirs.dlfo_map_end,
                   ours.dlfo_map_start, ours.dlfo_map_end, theirs.dlfo_eh_frame, ours.dlfo_eh_frame);
            differ = 1;
        }
    }
    struct dl_find_object none;
    if (mine((void *)16, &none) != -1) { printf("found an object at address 16\n"); differ = 1; }
    unsigned char bytes[64] = {0}, zero[64] = {0};
    fill(bytes, sizeof bytes);
    if (memcmp(bytes, zero, sizeof bytes) == 0) { printf("arc4random_buf left the buffer zero\n"); differ = 1; }
    if (!differ) printf("agree\n");
    return differ;
}
"""


def build(folder, name, source, *flags):
    path = os.path.join(folder, name + ".c")
    with open(path, "w") as f:
        f.write(source)
    subprocess.check_call(["cc", "-O1", "-o", os.path.join(folder, name), path, *flags])
    return os.path.join(folder, name)


def floor(*arguments):
    return subprocess.run([sys.executable, FLOOR, *arguments], capture_output=True, text=True)


def test_a_program_asking_for_newer_glibc_is_patched_down_to_2_34_and_still_right():
    with tempfile.TemporaryDirectory() as folder:
        program = build(folder, "program", PROGRAM, "-lm")
        before = floor("--check", program)
        assert before.returncode == 1 and "hypot@GLIBC_2.35" in before.stdout and "arc4random_uniform@GLIBC_2.36" in before.stdout, before.stdout
        subprocess.check_call(["cc", "-shared", "-fPIC", "-o", os.path.join(folder, "libdarkroom-glibc-compat.so"), COMPAT])
        assert floor("--patch", program).returncode == 0
        after = floor("--check", program)
        assert after.returncode == 0 and "glibc 2.34" in after.stdout, after.stdout
        needed = subprocess.check_output(["readelf", "-d", program], text=True)
        assert "libdarkroom-glibc-compat.so" in needed
        run = subprocess.run([program, "3", "4"], capture_output=True, text=True, env=dict(os.environ, LD_LIBRARY_PATH=folder))
        assert run.stdout == "5 1\n", run.stdout + run.stderr


def test_a_reference_with_no_stand_in_stops_the_patch_with_its_name():
    with tempfile.TemporaryDirectory() as folder:
        # pidfd_open came in glibc 2.36, and the script knows no stand-in for it.
        program = build(folder, "program", "#include <sys/pidfd.h>\n#include <unistd.h>\n"
                                           "int main(void) { return pidfd_open(getpid(), 0) < 0; }\n")
        assert "pidfd_open@GLIBC_2.36" in floor("--check", program).stdout
        refused = floor("--patch", program)
        assert refused.returncode != 0 and "pidfd_open@GLIBC_2.36" in refused.stderr and "no stand-in" in refused.stderr


def test_the_compat_library_agrees_with_glibc():
    with tempfile.TemporaryDirectory() as folder:
        library = os.path.join(folder, "libdarkroom-glibc-compat.so")
        subprocess.check_call(["cc", "-shared", "-fPIC", "-o", library, COMPAT])
        program = build(folder, "agreement", AGREEMENT, "-ldl", "-lm")
        run = subprocess.run([program, library], capture_output=True, text=True)
        assert run.returncode == 0 and run.stdout == "agree\n", run.stdout + run.stderr

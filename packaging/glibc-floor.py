#!/usr/bin/env python3
"""Makes ELF files built on a newer glibc load on glibc 2.34 (Lambda's provided.al2023), or says
why it cannot.

Debian 12's libraries ask for a few symbols at versions newer than 2.34. Each such reference is
dealt with in one of two ways:

- REBOUND: glibc 2.34 has the symbol under an older version (hypot@GLIBC_2.2.5 before the faster
  hypot@GLIBC_2.35). The reference loses its version and binds to whatever default the running
  glibc has: the old one on 2.34, the new one on newer systems. Same function, same results.
- PROVIDED: glibc 2.34 has no such symbol (arc4random came in 2.36, _dl_find_object in 2.35). The
  reference loses its version and the file gains a DT_NEEDED on libdarkroom-glibc-compat.so
  (packaging/glibc-compat.c), which defines it over what 2.34 has (getrandom, dl_iterate_phdr).

Each version need that no reference uses any more is marked weak (VER_FLG_WEAK), which the
dynamic linker does not insist on. Any other reference above 2.34 stops this script with its name.

    packaging/glibc-floor.py --check FILE...     print each file's highest glibc version; exit 1 above 2.34
    packaging/glibc-floor.py --patch FILE...     rewrite files in place as above (patchelf adds DT_NEEDED)
"""
import os, struct, subprocess, sys

FLOOR = (2, 34)
REBOUND = {"hypot", "hypotf", "hypotl"}
PROVIDED = {"arc4random", "arc4random_buf", "arc4random_uniform", "_dl_find_object"}
COMPAT = "libdarkroom-glibc-compat.so"
VER_FLG_WEAK = 0x2


def version(text):
    return tuple(int(part) for part in text[len("GLIBC_"):].split(".")) if text.startswith("GLIBC_") and text[6:7].isdigit() else None


class Elf:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = bytearray(f.read())
        if self.data[:4] != b"\x7fELF" or self.data[4] != 2 or self.data[5] != 1:
            raise ValueError("not a 64-bit little-endian ELF file")
        shoff, = struct.unpack_from("<Q", self.data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", self.data, 0x3A)
        self.sections = [struct.unpack_from("<IIQQQQIIQQ", self.data, shoff + i * shentsize) for i in range(shnum)]

    def section(self, kind):
        return next((s for s in self.sections if s[1] == kind), None)

    def string(self, table, offset):
        start = self.sections[table][4] + offset
        return bytes(self.data[start:self.data.index(0, start)]).decode()

    def needs(self):
        """(offset of the vernaux entry, library, version name, flags, version index) for every need."""
        verneed = self.section(0x6FFFFFFE)
        if verneed is None:
            return []
        found, offset = [], verneed[4]
        for _ in range(verneed[7]):  # sh_info: number of entries
            _, count, file_name, aux, following = struct.unpack_from("<HHIII", self.data, offset)
            library = self.string(verneed[6], file_name)
            at = offset + aux
            for _ in range(count):
                _, flags, other, name, next_aux = struct.unpack_from("<IHHII", self.data, at)
                found.append((at, library, self.string(verneed[6], name), flags, other))
                at += next_aux
            offset += following
        return found

    def undefined(self):
        """(index in .dynsym, symbol name, version index) of every undefined dynamic symbol."""
        dynsym, versym = self.section(11), self.section(0x6FFFFFFF)
        if dynsym is None or versym is None:
            return []
        found = []
        for index in range(dynsym[5] // 24):
            name, _, _, shndx, _, _ = struct.unpack_from("<IBBHQQ", self.data, dynsym[4] + index * 24)
            if shndx == 0 and name:
                found.append((index, self.string(dynsym[6], name), struct.unpack_from("<H", self.data, versym[4] + index * 2)[0] & 0x7FFF))
        return found

    def required(self):
        """{symbol: version name} of the references whose version is a glibc one above the floor."""
        names = {other: name for _, _, name, flags, other in self.needs() if not flags & VER_FLG_WEAK}
        return {symbol: names[index] for _, symbol, index in self.undefined()
                if index in names and (version(names[index]) or (0,)) > FLOOR}

    def highest(self):
        versions = [version(name) for _, _, name, flags, _ in self.needs() if not flags & VER_FLG_WEAK and version(name)]
        return max(versions) if versions else None


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def patch(path):
    elf = Elf(path)
    required = elf.required()
    unknown = sorted(f"{s}@{v}" for s, v in required.items() if s not in REBOUND | PROVIDED)
    if unknown:
        raise SystemExit(f"{path}: needs {', '.join(unknown)}, newer than glibc 2.34, and this script knows no stand-in")
    if not required:
        return False
    newer = {other for _, _, name, flags, other in elf.needs() if (version(name) or (0,)) > FLOOR}
    versym = elf.section(0x6FFFFFFF)
    for index, symbol, other in elf.undefined():
        if other in newer:
            struct.pack_into("<H", elf.data, versym[4] + index * 2, 1)  # VER_NDX_GLOBAL: no version
    for at, _, name, flags, other in elf.needs():
        if other in newer:
            struct.pack_into("<H", elf.data, at + 4, flags | VER_FLG_WEAK)
    mode = os.stat(path).st_mode
    os.chmod(path, mode | 0o200)
    with open(path, "wb") as f:
        f.write(elf.data)
    os.chmod(path, mode)
    if set(required) & PROVIDED:
        subprocess.check_call(["patchelf", "--add-needed", COMPAT, path])
    return True


def main():
    mode, paths = sys.argv[1], sys.argv[2:]
    files = []
    for path in paths:
        for folder, _, names in os.walk(path) if os.path.isdir(path) else [("", [], [path])]:
            files += [os.path.join(folder, n) for n in names if not os.path.islink(os.path.join(folder, n)) and is_elf(os.path.join(folder, n))]
    worst = False
    for path in sorted(files):
        if mode == "--patch" and patch(path):
            print(f"patched  {path}", file=sys.stderr)
        elf = Elf(path)
        highest = elf.highest()
        text = ".".join(map(str, highest)) if highest else "-"
        above = highest is not None and highest > FLOOR
        worst |= above
        if mode == "--check":
            extra = "  " + ", ".join(f"{s}@{v}" for s, v in sorted(elf.required().items())) if above else ""
            print(f"{'ABOVE 2.34' if above else 'ok':10} glibc {text:6} {path}{extra}")
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main())

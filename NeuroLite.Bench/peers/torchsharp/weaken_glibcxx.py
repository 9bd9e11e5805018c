#!/usr/bin/env python3
"""Lets TorchSharp 0.107's libLibTorchSharp.so load on a system libstdc++ older than GCC 13 (Debian 12 has GCC 12).

The library is built with GCC 13, whose <iostream> plants an undefined reference to std::ios_base_library_init()
(version GLIBCXX_3.4.32) only to force a link against a libstdc++ that initializes std::cout itself; nothing calls it
and no relocation uses it. On an older libstdc++ the loader rejects the whole library for that one version. This script
marks such version requirements weak (VER_FLG_WEAK, which glibc's loader treats as non-fatal), but only when every
symbol tied to them is unreferenced by any relocation, so no call can reach a missing function. The iostream objects are
still initialized: libtorch and libc10, loaded first, are built with an older compiler and carry the static initializer.

    python3 weaken_glibcxx.py PATH/libLibTorchSharp.so

Does nothing when the system libstdc++ has every version the library asks for. Idempotent. Exit 1 (and no change) when
a missing version is actually used.
"""
import ctypes
import os
import struct
import sys

SHT_RELA, SHT_REL, SHT_DYNSYM = 4, 9, 11
SHT_GNU_VERNEED, SHT_GNU_VERSYM = 0x6FFFFFFE, 0x6FFFFFFF
VER_FLG_WEAK = 0x2
LIBSTDCXX = b"libstdc++.so.6"


def system_libstdcxx():
    ctypes.CDLL(LIBSTDCXX.decode())
    with open("/proc/self/maps") as maps:
        for line in maps:
            if "libstdc++.so.6" in line:
                return line.split()[-1]
    raise RuntimeError("libstdc++.so.6 is not mapped")


def main(path):
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    # (name, type, flags, addr, offset, size, link, info, addralign, entsize)

    def strtab(index, offset):
        start = sections[index][4] + offset
        return bytes(data[start:data.index(b"\0", start)])

    verneed = next((s for s in sections if s[1] == SHT_GNU_VERNEED), None)
    if verneed is None:
        return 0
    available = open(system_libstdcxx(), "rb").read()
    missing = {}  # version index -> (offset of vna_flags, name)
    at = verneed[4]
    for _ in range(verneed[7]):
        _, count, file_name, aux, next_need = struct.unpack_from("<HHIII", data, at)
        if strtab(verneed[6], file_name) == LIBSTDCXX:
            a = at + aux
            for _ in range(count):
                _, flags, index, name, next_aux = struct.unpack_from("<IHHII", data, a)
                version = strtab(verneed[6], name)
                if b"\0" + version + b"\0" not in available and not flags & VER_FLG_WEAK:
                    missing[index] = (a + 4, version.decode())
                a += next_aux
        at += next_need
    if not missing:
        return 0

    dynsym_index = next(i for i, s in enumerate(sections) if s[1] == SHT_DYNSYM)
    dynsym, versym = sections[dynsym_index], next(s for s in sections if s[1] == SHT_GNU_VERSYM)
    tied = {}
    for k in range(dynsym[5] // 24):
        index, = struct.unpack_from("<H", data, versym[4] + 2 * k)
        if index & 0x7FFF in missing:
            name, = struct.unpack_from("<I", data, dynsym[4] + 24 * k)
            tied[k] = strtab(dynsym[6], name).decode()
    for s in sections:
        if s[1] in (SHT_RELA, SHT_REL) and s[6] == dynsym_index:
            size = 24 if s[1] == SHT_RELA else 16
            for r in range(s[5] // size):
                info, = struct.unpack_from("<Q", data, s[4] + r * size + 8)
                if info >> 32 in tied:
                    print(f"{path}: {tied[info >> 32]} needs a libstdc++ newer than {system_libstdcxx()}; not patched", file=sys.stderr)
                    return 1

    for offset, version in missing.values():
        flags, = struct.unpack_from("<H", data, offset)
        struct.pack_into("<H", data, offset, flags | VER_FLG_WEAK)
    # A fresh file, renamed over the old one: never write through a hard link into the NuGet cache.
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.chmod(path + ".tmp", os.stat(path).st_mode)
    os.replace(path + ".tmp", path)
    print(f"{path}: marked {', '.join(v for _, v in missing.values())} weak (unused: {', '.join(sorted(tied.values()))})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))

// symbolize/inflated_elf.h — an in-memory copy of an ELF file with its compressed sections inflated.
//
// Distribution debug files (Debian's -dbgsym, Fedora's debuginfo) store their .debug_* sections
// compressed (SHF_COMPRESSED). libdw inflates every one of them with zlib when it first opens the
// file, which for libc's debug file is ~10 MB out of ~3.8 MB and takes longer than unwinding a
// 120 MB capture. inflate_elf() does the same work with libdeflate (about 2.5x faster than zlib),
// also reads zstd-compressed sections (ELFCOMPRESS_ZSTD, which elfutils 0.188 cannot), and leaves
// out the sections symbolization never reads (location lists, macros, pubnames): it writes the
// file, sections inflated in place of the compressed ones, into a memfd that libdwfl maps like
// the original. Section indices, addresses and every uncompressed byte are kept.
#pragma once

#include <string>

namespace profkit::symbolize {

struct InflateStats {
  int files = 0;
  long long compressed_bytes = 0, inflated_bytes = 0;
};

// A read-only descriptor of the inflated copy of `path`, or -1 when the file has no compressed
// section or is not one this handles (then open the file itself: libdw inflates what it needs).
// A file that claims impossible sizes, or whose data does not inflate to the size its header
// states, also gets -1 and is left to libdw, which reports it. The caller owns the descriptor.
int inflate_elf(const std::string& path);

// What inflate_elf() did in this process so far.
InflateStats inflate_stats();

}  // namespace profkit::symbolize

// Fuzz target "inflated_elf": symbolize::inflate_elf on arbitrary bytes (an ELF header, section
// table and compression headers that may all lie). It must return -1 or a descriptor of an ELF
// image libelf can walk — never crash, hang, or allocate what the input merely claims.
// Seeds: testdata/perf/bin/hot.debug compressed by `objcopy --compress-debug-sections=zlib`
// and `=zstd` (binutils 2.40).
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "symbolize/inflated_elf.h"
#include "tests/fuzz/fuzz_target.h"

PROFKIT_FUZZ_TARGET(inflated_elf) {
  const int in = ::memfd_create("profkit-fuzz-elf", MFD_CLOEXEC);
  if (in < 0) return;
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::write(in, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const int fd = profkit::symbolize::inflate_elf("/proc/self/fd/" + std::to_string(in));
  ::close(in);
  if (fd < 0) return;
  // What came out is a well-formed ELF: every section's bytes are inside the image.
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (!elf) __builtin_trap();
  for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn));) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) __builtin_trap();
    if (sh.sh_flags & SHF_COMPRESSED) __builtin_trap();  // everything compressed was inflated
    if (sh.sh_type != SHT_NOBITS && sh.sh_size && !elf_rawdata(scn, nullptr)) __builtin_trap();
  }
  elf_end(elf);
  ::close(fd);
}

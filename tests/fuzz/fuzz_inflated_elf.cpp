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
  if (fd < 0) {
    ::close(in);
    return;
  }
  // What came out is an ELF libelf reads at least as well as the input: nothing compressed is
  // left, and every section copied as it was (not inflated) whose bytes libelf could take from
  // the input it can take from the copy. (An inflated section is what its compressed bytes said:
  // a hash table of an odd size stays one.)
  elf_version(EV_CURRENT);
  Elf* src = elf_begin(in, ELF_C_READ_MMAP, nullptr);
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (!elf) __builtin_trap();
  size_t n_src = 0, n_out = 0;
  if (!src || elf_kind(src) != ELF_K_ELF || elf_getshdrnum(src, &n_src) != 0) n_src = 0;  // libelf cannot read the input
  if (elf_kind(elf) != ELF_K_ELF || elf_getshdrnum(elf, &n_out) != 0) __builtin_trap();
  if (n_src && n_src != n_out) __builtin_trap();
  if (!n_src) n_out = 0;  // nothing to compare with
  for (size_t i = 1; i < n_out; ++i) {
    Elf_Scn* scn = elf_getscn(elf, i);
    Elf_Scn* from = elf_getscn(src, i);
    GElf_Shdr sh, sh_from;
    if (!scn || !from || !gelf_getshdr(scn, &sh) || !gelf_getshdr(from, &sh_from)) __builtin_trap();
    if (sh.sh_flags & SHF_COMPRESSED) __builtin_trap();  // everything compressed was inflated
    const bool readable_before = sh_from.sh_type != SHT_NOBITS && sh_from.sh_size && !(sh_from.sh_flags & SHF_COMPRESSED) &&
                                 elf_rawdata(from, nullptr);
    if (readable_before && sh.sh_size && !elf_rawdata(scn, nullptr)) __builtin_trap();
  }
  elf_end(elf);
  if (src) elf_end(src);
  ::close(fd);
  ::close(in);
}

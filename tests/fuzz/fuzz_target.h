// tests/fuzz/fuzz_target.h — one fuzz target per parser, usable two ways:
//  * in the doctest suite, test_replay.cpp feeds every file of tests/fuzz/corpus/<name>/ to the
//    target (so crashers found once stay fixed);
//  * with -DPROFKIT_FUZZ=ON (clang), each fuzz_<name>.cpp becomes a libFuzzer binary.
//
//   PROFKIT_FUZZ_TARGET(collapsed) { ...use data, size...; }
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace profkit::test {

using FuzzFn = void (*)(const uint8_t* data, size_t size);

inline std::map<std::string, FuzzFn>& fuzz_targets() {
  static std::map<std::string, FuzzFn> targets;
  return targets;
}

struct FuzzRegistrar {
  FuzzRegistrar(const char* name, FuzzFn fn) { fuzz_targets()[name] = fn; }
};

}  // namespace profkit::test

#ifdef PROFKIT_LIBFUZZER
#define PROFKIT_FUZZ_TARGET(name)                                              \
  static void profkit_fuzz_##name(const uint8_t* data, size_t size);           \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {    \
    profkit_fuzz_##name(data, size);                                           \
    return 0;                                                                  \
  }                                                                            \
  static void profkit_fuzz_##name(const uint8_t* data, size_t size)
#else
#define PROFKIT_FUZZ_TARGET(name)                                                          \
  static void profkit_fuzz_##name(const uint8_t* data, size_t size);                       \
  static ::profkit::test::FuzzRegistrar profkit_fuzz_registrar_##name(#name, profkit_fuzz_##name); \
  static void profkit_fuzz_##name(const uint8_t* data, size_t size)
#endif

// tests/parsers/perf_test_writer.h — builds tiny synthetic perf.data files for the reader tests:
// one software event (cpu-clock), a COMM, an MMAP2 with build id, and one SAMPLE with a
// callchain, user registers and a user stack copy; in either byte order. Offsets of interesting
// fields are remembered so tests can make them lie.
#pragma once

#include <bit>
#include <cstdint>
#include <string>

namespace profkit::test {

struct SyntheticPerf {
  bool swapped = false;
  std::string bytes;
  size_t callchain_nr_at = 0;   // offset of the sample's callchain.nr
  size_t stack_size_at = 0;     // offset of the sample's stack_user.size
  size_t period_at = 0;         // offset of the sample's period
  size_t data_size_at = 40 + 8; // offset of the header's data.size
  size_t first_record_at = 0;

  static constexpr uint64_t kSampleType = 1 | 2 | 4 | 128 | 256 | 32 | 4096 | 8192;  // IP TID TIME CPU PERIOD CALLCHAIN REGS_USER STACK_USER
  static constexpr uint64_t kRegsMask = 0x3;

  template <class T>
  void put(std::string& out, T v) {
    if (swapped && sizeof(T) > 1) v = std::byteswap(v);
    out.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void put_at(size_t at, uint64_t v) {
    if (swapped) v = std::byteswap(v);
    bytes.replace(at, 8, reinterpret_cast<const char*>(&v), 8);
  }
  static std::string pad8(std::string s) {
    s.push_back('\0');
    while (s.size() % 8) s.push_back('\0');
    return s;
  }
  std::string record(uint32_t type, uint16_t misc, const std::string& body) {
    std::string r;
    put<uint32_t>(r, type);
    put<uint16_t>(r, misc);
    put<uint16_t>(r, static_cast<uint16_t>(8 + body.size()));
    return r + body;
  }

  std::string attr() {
    std::string a;
    put<uint32_t>(a, 1);    // software
    put<uint32_t>(a, 112);  // size
    put<uint64_t>(a, 0);    // cpu-clock
    put<uint64_t>(a, 1000);  // period
    put<uint64_t>(a, kSampleType);
    put<uint64_t>(a, 0);  // read_format
    uint64_t flags = 1ULL << 18;  // sample_id_all
    for (int i = 0; i < 8; ++i) {
      uint8_t b = static_cast<uint8_t>(flags >> (8 * i));
      if (swapped) {  // big-endian bitfields: bits from the top of each byte
        uint8_t r = 0;
        for (int k = 0; k < 8; ++k) r |= static_cast<uint8_t>(((b >> k) & 1) << (7 - k));
        b = r;
      }
      a.push_back(static_cast<char>(b));
    }
    put<uint32_t>(a, 0);
    put<uint32_t>(a, 0);
    put<uint64_t>(a, 0);  // config1
    put<uint64_t>(a, 0);  // config2
    put<uint64_t>(a, 0);  // branch_sample_type
    put<uint64_t>(a, kRegsMask);
    put<uint32_t>(a, 16);  // sample_stack_user
    put<uint32_t>(a, 0);   // clockid
    put<uint64_t>(a, 0);   // regs_intr
    put<uint32_t>(a, 0);
    put<uint16_t>(a, 0);
    put<uint16_t>(a, 0);
    return a;  // 112 bytes
  }

  // trailer for TID TIME CPU (sample_id_all)
  std::string trailer(uint32_t pid, uint32_t tid, uint64_t time) {
    std::string t;
    put<uint32_t>(t, pid);
    put<uint32_t>(t, tid);
    put<uint64_t>(t, time);
    put<uint32_t>(t, 1);
    put<uint32_t>(t, 0);
    return t;
  }

  explicit SyntheticPerf(bool swap) : swapped(swap) {
    std::string data;
    // COMM 42/42 "synth"
    {
      std::string b;
      put<uint32_t>(b, 42);
      put<uint32_t>(b, 42);
      b += pad8("synth");
      data += record(3, 0, b + trailer(42, 42, 100));
    }
    // MMAP2 /bin/synth [0x400000, +0x1000) with a 20-byte build id
    {
      std::string b;
      put<uint32_t>(b, 42);
      put<uint32_t>(b, 42);
      put<uint64_t>(b, 0x400000);
      put<uint64_t>(b, 0x1000);
      put<uint64_t>(b, 0x2000);
      b.push_back(20);
      b.append(3, '\0');
      for (int i = 0; i < 20; ++i) b.push_back(static_cast<char>(0xa0 + i));
      put<uint32_t>(b, 5);  // prot
      put<uint32_t>(b, 2);  // flags
      b += pad8("/bin/synth");
      data += record(10, static_cast<uint16_t>(2 | (1 << 14)), b + trailer(42, 42, 110));
    }
    // SAMPLE
    size_t sample_at = data.size();
    {
      std::string b;
      put<uint64_t>(b, 0x400100);  // ip
      put<uint32_t>(b, 42);
      put<uint32_t>(b, 43);
      put<uint64_t>(b, 200);  // time
      put<uint32_t>(b, 1);    // cpu
      put<uint32_t>(b, 0);
      period_at = b.size();
      put<uint64_t>(b, 1000);  // period
      callchain_nr_at = b.size();
      put<uint64_t>(b, 3);
      put<uint64_t>(b, static_cast<uint64_t>(-512));  // PERF_CONTEXT_USER
      put<uint64_t>(b, 0x400100);
      put<uint64_t>(b, 0x400234);
      put<uint64_t>(b, 2);  // regs abi 64
      put<uint64_t>(b, 0x1111);
      put<uint64_t>(b, 0x2222);
      stack_size_at = b.size();
      put<uint64_t>(b, 16);
      for (int i = 0; i < 16; ++i) b.push_back(static_cast<char>(i));
      put<uint64_t>(b, 12);  // dyn_size
      data += record(9, 2, b);
      callchain_nr_at += sample_at + 8;
      stack_size_at += sample_at + 8;
      period_at += sample_at + 8;
    }
    // Header + attrs + ids + data + feature table + hostname feature.
    std::string a = attr();
    const uint64_t header = 104, attrs_at = header, attr_stride = a.size() + 16;
    const uint64_t ids_at = attrs_at + attr_stride, data_at = ids_at + 8;
    const uint64_t features_at = data_at + data.size();
    const uint64_t hostname_at = features_at + 16;
    std::string host;
    put<uint32_t>(host, 8);
    host += std::string("synthhst", 8);
    std::string out;
    put<uint64_t>(out, 0x32454c4946524550ULL);
    put<uint64_t>(out, header);
    put<uint64_t>(out, attr_stride);
    put<uint64_t>(out, attrs_at);
    put<uint64_t>(out, attr_stride);
    put<uint64_t>(out, data_at);
    put<uint64_t>(out, data.size());
    put<uint64_t>(out, 0);
    put<uint64_t>(out, 0);
    put<uint64_t>(out, uint64_t{1} << 3);  // HEADER_HOSTNAME
    put<uint64_t>(out, 0);
    put<uint64_t>(out, 0);
    put<uint64_t>(out, 0);
    out += a;
    put<uint64_t>(out, ids_at);
    put<uint64_t>(out, 8);
    put<uint64_t>(out, 77);  // the event's id
    first_record_at = out.size();
    out += data;
    put<uint64_t>(out, hostname_at);
    put<uint64_t>(out, host.size());
    out += host;
    bytes = out;
    callchain_nr_at += data_at;
    stack_size_at += data_at;
    period_at += data_at;
  }
};

}  // namespace profkit::test

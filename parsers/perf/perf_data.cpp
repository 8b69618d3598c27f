#include "parsers/perf/perf_data.h"

#include "parsers/perf/byte_reader.h"
#include "parsers/perf/perf_abi.h"
#include "parsers/perf/profile_converter.h"

namespace profkit::parsers {
namespace {

Sniff sniff_perf(std::span<const uint8_t> head) {
  if (head.size() < 8) return Sniff::kNeedMore;
  uint64_t magic = perf::ByteReader::load<uint64_t>(head, 0, perf::ByteOrder::kNative);
  for (uint64_t m : {perf::abi::kMagic2, perf::abi::kMagic1}) {
    if (magic == m || magic == std::byteswap(m)) return Sniff::kYes;
  }
  return Sniff::kNo;
}

model::Result<std::vector<model::Profile>> parse_perf(std::span<const uint8_t> bytes, const ParseOptions& options) {
  auto profile = perf::convert_perf_data(bytes, options);
  if (!profile) return std::unexpected(std::move(profile.error()));
  std::vector<model::Profile> out;
  out.push_back(std::move(*profile));
  return out;
}

}  // namespace

Format perf_data_format() { return Format{"perf.data", sniff_perf, parse_perf}; }

}  // namespace profkit::parsers

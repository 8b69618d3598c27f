#include "parsers/perf/perf_abi.h"

#include <iterator>

namespace profkit::parsers::perf::abi {

const char* record_type_name(uint32_t type) {
  static constexpr const char* kKernel[] = {
      "",           "MMAP",       "LOST",        "COMM",   "EXIT",      "THROTTLE", "UNTHROTTLE", "FORK",
      "READ",       "SAMPLE",     "MMAP2",       "AUX",    "ITRACE_START", "LOST_SAMPLES", "SWITCH", "SWITCH_CPU_WIDE",
      "NAMESPACES", "KSYMBOL",    "BPF_EVENT",   "CGROUP", "TEXT_POKE", "AUX_OUTPUT_HW_ID"};
  static constexpr const char* kUser[] = {
      "HEADER_ATTR", "HEADER_EVENT_TYPE", "HEADER_TRACING_DATA", "HEADER_BUILD_ID", "FINISHED_ROUND",
      "ID_INDEX",    "AUXTRACE_INFO",     "AUXTRACE",            "AUXTRACE_ERROR",  "THREAD_MAP",
      "CPU_MAP",     "STAT_CONFIG",       "STAT",                "STAT_ROUND",      "EVENT_UPDATE",
      "TIME_CONV",   "HEADER_FEATURE",    "COMPRESSED",          "FINISHED_INIT",   "COMPRESSED2"};
  if (type < std::size(kKernel)) return kKernel[type];
  if (type >= kHeaderAttr && type < kHeaderAttr + std::size(kUser)) return kUser[type - kHeaderAttr];
  return "";
}

}  // namespace profkit::parsers::perf::abi

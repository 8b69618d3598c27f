// parsers/perf/perf_abi.h — numbers of the perf.data format, as facts from the kernel's
// include/uapi/linux/perf_event.h and tools/perf/util/{header.h,event.h}.
//
// Only constants live here; the layouts they describe are decoded in event_attr.cpp,
// file_header.cpp and records.cpp.
#pragma once

#include <cstdint>

namespace profkit::parsers::perf::abi {

// "PERFILE2" read as a little-endian u64, and the v1 magic "PERFFILE".
inline constexpr uint64_t kMagic2 = 0x32454c4946524550ULL;
inline constexpr uint64_t kMagic1 = 0x454c494646524550ULL;
inline constexpr uint64_t kFileHeaderSize = 104;  // magic..adds_features[256 bits]
inline constexpr uint64_t kPipeHeaderSize = 16;   // magic, size

// perf_event_header.type: kernel records (< 64) and perf tool records (>= 64).
enum RecordType : uint32_t {
  kMmap = 1,
  kLost = 2,
  kComm = 3,
  kExit = 4,
  kThrottle = 5,
  kUnthrottle = 6,
  kFork = 7,
  kRead = 8,
  kSample = 9,
  kMmap2 = 10,
  kAux = 11,
  kItraceStart = 12,
  kLostSamples = 13,
  kSwitch = 14,
  kSwitchCpuWide = 15,
  kNamespaces = 16,
  kKsymbol = 17,
  kBpfEvent = 18,
  kCgroup = 19,
  kTextPoke = 20,
  kAuxOutputHwId = 21,
  kKernelRecordMax = 22,

  kHeaderAttr = 64,
  kHeaderEventType = 65,
  kHeaderTracingData = 66,
  kHeaderBuildId = 67,
  kFinishedRound = 68,
  kIdIndex = 69,
  kAuxtraceInfo = 70,
  kAuxtrace = 71,
  kAuxtraceError = 72,
  kThreadMap = 73,
  kCpuMap = 74,
  kStatConfig = 75,
  kStat = 76,
  kStatRound = 77,
  kEventUpdate = 78,
  kTimeConv = 79,
  kHeaderFeature = 80,
  kCompressed = 81,
  kFinishedInit = 82,
  kCompressed2 = 83,
  kUserRecordMax = 84,
};

// Name of a record type ("SAMPLE", "MMAP2", …) or "" when unknown.
const char* record_type_name(uint32_t type);

// perf_event_header.misc bits.
inline constexpr uint16_t kMiscCpumodeMask = 7;
inline constexpr uint16_t kMiscKernel = 1;
inline constexpr uint16_t kMiscUser = 2;
inline constexpr uint16_t kMiscHypervisor = 3;
inline constexpr uint16_t kMiscGuestKernel = 4;
inline constexpr uint16_t kMiscGuestUser = 5;
inline constexpr uint16_t kMiscCommExec = 1 << 13;   // COMM after exec
inline constexpr uint16_t kMiscSwitchOut = 1 << 13;  // SWITCH: task switched out
inline constexpr uint16_t kMiscMmapBuildId = 1 << 14;  // MMAP2 carries a build id
inline constexpr uint16_t kMiscBuildIdSize = 1 << 15;  // HEADER_BUILD_ID carries its size

// perf_event_attr.sample_type bits, in the order the kernel writes the fields.
enum SampleType : uint64_t {
  kSampleIp = 1ULL << 0,
  kSampleTid = 1ULL << 1,
  kSampleTime = 1ULL << 2,
  kSampleAddr = 1ULL << 3,
  kSampleRead = 1ULL << 4,
  kSampleCallchain = 1ULL << 5,
  kSampleId = 1ULL << 6,
  kSampleCpu = 1ULL << 7,
  kSamplePeriod = 1ULL << 8,
  kSampleStreamId = 1ULL << 9,
  kSampleRaw = 1ULL << 10,
  kSampleBranchStack = 1ULL << 11,
  kSampleRegsUser = 1ULL << 12,
  kSampleStackUser = 1ULL << 13,
  kSampleWeight = 1ULL << 14,
  kSampleDataSrc = 1ULL << 15,
  kSampleIdentifier = 1ULL << 16,
  kSampleTransaction = 1ULL << 17,
  kSampleRegsIntr = 1ULL << 18,
  kSamplePhysAddr = 1ULL << 19,
  kSampleAux = 1ULL << 20,
  kSampleCgroup = 1ULL << 21,
  kSampleDataPageSize = 1ULL << 22,
  kSampleCodePageSize = 1ULL << 23,
  kSampleWeightStruct = 1ULL << 24,
};

// perf_event_attr.read_format bits.
inline constexpr uint64_t kFormatTotalTimeEnabled = 1 << 0;
inline constexpr uint64_t kFormatTotalTimeRunning = 1 << 1;
inline constexpr uint64_t kFormatId = 1 << 2;
inline constexpr uint64_t kFormatGroup = 1 << 3;
inline constexpr uint64_t kFormatLost = 1 << 4;

// branch_sample_type bit: the branch stack starts with hw_idx.
inline constexpr uint64_t kBranchHwIndex = 1ULL << 17;

// Callchain context markers (values >= kContextMax are markers, not addresses).
inline constexpr uint64_t kContextHv = static_cast<uint64_t>(-32);
inline constexpr uint64_t kContextKernel = static_cast<uint64_t>(-128);
inline constexpr uint64_t kContextUser = static_cast<uint64_t>(-512);
inline constexpr uint64_t kContextGuest = static_cast<uint64_t>(-2048);
inline constexpr uint64_t kContextGuestKernel = static_cast<uint64_t>(-2176);
inline constexpr uint64_t kContextGuestUser = static_cast<uint64_t>(-2560);
inline constexpr uint64_t kContextMax = static_cast<uint64_t>(-4095);

// perf_event_attr.type values.
enum AttrType : uint32_t {
  kTypeHardware = 0,
  kTypeSoftware = 1,
  kTypeTracepoint = 2,
  kTypeHwCache = 3,
  kTypeRaw = 4,
  kTypeBreakpoint = 5,
};

// Header feature bits (HEADER_* in tools/perf/util/header.h).
enum Feature : uint32_t {
  kFeatTracingData = 1,
  kFeatBuildId = 2,
  kFeatHostname = 3,
  kFeatOsRelease = 4,
  kFeatVersion = 5,
  kFeatArch = 6,
  kFeatNrCpus = 7,
  kFeatCpuDesc = 8,
  kFeatCpuId = 9,
  kFeatTotalMem = 10,
  kFeatCmdline = 11,
  kFeatEventDesc = 12,
  kFeatCpuTopology = 13,
  kFeatNumaTopology = 14,
  kFeatBranchStack = 15,
  kFeatPmuMappings = 16,
  kFeatGroupDesc = 17,
  kFeatAuxtrace = 18,
  kFeatStat = 19,
  kFeatCache = 20,
  kFeatSampleTime = 21,
  kFeatMemTopology = 22,
  kFeatClockId = 23,
  kFeatDirFormat = 24,
  kFeatBpfProgInfo = 25,
  kFeatBpfBtf = 26,
  kFeatCompressed = 27,
  kFeatCpuPmuCaps = 28,
  kFeatClockData = 29,
  kFeatHybridTopology = 30,
  kFeatPmuCaps = 31,
  kFeatBits = 256,
};

// EVENT_UPDATE record kinds.
inline constexpr uint64_t kEventUpdateUnit = 1;
inline constexpr uint64_t kEventUpdateScale = 2;
inline constexpr uint64_t kEventUpdateName = 3;

}  // namespace profkit::parsers::perf::abi

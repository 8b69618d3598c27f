// parsers/pprof/legacy.h — the pre-proto profile formats pprof still reads.
//
// One Format, "pprof-legacy", recognising the same inputs as pprof's parseLegacy chain and
// producing the same profile (values, scaling, address adjustment, mappings, ids) — pprof's
// profile/testdata/*.string dumps are the oracle:
//  * binary CPU profiles of gperftools and pre-proto Go (5-word header, 32/64-bit, either
//    endianness); Java CPU profiles in the same container;
//  * heap profiles: Go's `heap profile: … @ heap/<2*rate>` (debug=1), gperftools' heapprofile,
//    heapz_v2 / heap_v2 (sampled, unsampled by 1/(1-exp(-size/rate))), growthz, fragmentationz;
//  * Go count profiles: `goroutine profile: total N`, `threadcreate profile: total N` (debug=1);
//    unlike pprof, a stackless record ("5 @", as Go writes for threadcreate) is accepted;
//  * threadz dumps (`--- threadz 1 ---`, `--- Thread … stack: ---`);
//  * contention: Go's `--- mutex:` / `--- contention:` (block) and gperftools' `--- contentionz`,
//    with cycles/second and sampling period unsampling;
//  * Java `--- heapz 1 ---` / `--- contentionz 1 ---` with `format = java`.
// Addresses are adjusted by -1 for callers (as pprof does); mappings come from the trailing
// memory map, with a fake all-covering mapping when there is none. source_format names the kind
// ("legacy-cpu", "legacy-heap", "go-count", "legacy-thread", "legacy-contention", "java-legacy").
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/profile.h"
#include "parsers/format.h"

namespace profkit::parsers {

Sniff sniff_legacy(std::span<const uint8_t> head);
model::Result<model::Profile> parse_legacy(std::span<const uint8_t> bytes, const ParseOptions& options);

std::vector<Format> legacy_formats();

}  // namespace profkit::parsers

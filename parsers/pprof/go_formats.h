// parsers/pprof/go_formats.h — the pprof family of formats, in sniffing order.
//
//  1. "pprof": profile.proto (raw; gzip is unwrapped by parsers/input before sniffing);
//  2. the legacy formats pprof still reads (parsers/pprof/legacy.h): gperftools/Go binary CPU
//     profiles, Go and gperftools heap profiles, Go count profiles (goroutine, threadcreate),
//     threadz, Go mutex/block and gperftools contention profiles, Java heap/contention;
//  3. "goroutine-dump": Go goroutine dumps (debug=2 and panic tracebacks) as goroutine profiles.
#pragma once

#include <vector>

#include "parsers/format.h"

namespace profkit::parsers {

std::vector<Format> go_formats();

}  // namespace profkit::parsers

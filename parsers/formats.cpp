#include "parsers/formats.h"

// Each format lives in its own files and exposes a Format factory in its header. A header is
// included only when present, so a format lands (or is removed) together with its files.
#if __has_include("parsers/perf/perf_data.h")
#include "parsers/perf/perf_data.h"
#define PROFKIT_HAVE_PERF 1
#endif
#if __has_include("parsers/pprof/go_formats.h")
#include "parsers/pprof/go_formats.h"
#define PROFKIT_HAVE_PPROF 1
#endif
#if __has_include("parsers/collapsed.h")
#include "parsers/collapsed.h"
#define PROFKIT_HAVE_COLLAPSED 1
#endif

namespace profkit::parsers {

std::vector<Format> all_formats() {
  std::vector<Format> list;
#ifdef PROFKIT_HAVE_PERF
  list.push_back(perf_data_format());  // "PERFILE2" / byte-swapped magic: binary, unambiguous
#endif
#ifdef PROFKIT_HAVE_PPROF
  for (const Format& f : go_formats()) list.push_back(f);  // profile.proto, Go and gperftools legacy, goroutine dumps
#endif
#ifdef PROFKIT_HAVE_COLLAPSED
  list.push_back(collapsed_format());  // the permissive "a;b;c N" grammar goes last
#endif
  return list;
}

}  // namespace profkit::parsers

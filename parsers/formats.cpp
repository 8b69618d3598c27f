#include "parsers/formats.h"

#include "parsers/collapsed.h"
#include "parsers/perf/perf_data.h"
#include "parsers/pprof/go_formats.h"

namespace profkit::parsers {

std::vector<Format> all_formats() {
  std::vector<Format> list;
  list.push_back(perf_data_format());  // "PERFILE2" / byte-swapped magic: binary, unambiguous
  for (const Format& f : go_formats()) list.push_back(f);  // profile.proto, Go and gperftools legacy, goroutine dumps
  list.push_back(collapsed_format());  // the permissive "a;b;c N" grammar goes last
  return list;
}

}  // namespace profkit::parsers

#include "parsers/pprof/go_formats.h"

#include "parsers/pprof/goroutine_dump.h"
#include "parsers/pprof/legacy.h"
#include "parsers/pprof/pprof_reader.h"

namespace profkit::parsers {

std::vector<Format> go_formats() {
  std::vector<Format> list{pprof_format()};                               // profile.proto: checked by structure
  for (const Format& f : legacy_formats()) list.push_back(f);            // pre-proto headers and binary CPU words
  list.push_back(goroutine_dump_format());                               // "goroutine N [state]:" blocks
  return list;
}

}  // namespace profkit::parsers

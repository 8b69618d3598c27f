#include "parsers/pprof/go_formats.h"

#include "parsers/pprof/pprof_reader.h"

#if __has_include("parsers/pprof/legacy.h")
#include "parsers/pprof/legacy.h"
#define PROFKIT_HAVE_LEGACY 1
#endif
#if __has_include("parsers/pprof/goroutine_dump.h")
#include "parsers/pprof/goroutine_dump.h"
#define PROFKIT_HAVE_GOROUTINE_DUMP 1
#endif

namespace profkit::parsers {

std::vector<Format> go_formats() {
  std::vector<Format> list{pprof_format()};
#ifdef PROFKIT_HAVE_LEGACY
  for (const Format& f : legacy_formats()) list.push_back(f);
#endif
#ifdef PROFKIT_HAVE_GOROUTINE_DUMP
  list.push_back(goroutine_dump_format());
#endif
  return list;
}

}  // namespace profkit::parsers

// Oracle: pprof's filter semantics (profile/filter.go FilterSamplesByName, ShowFrom, PruneFrom,
// FilterSamplesByTag; driver tagfocus ranges with units) on hand-made profiles, plus perf's
// pid/tid/comm and `perf report --time` percent slices.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <map>

#include "analysis/filter.h"
#include "model/profile_builder.h"

using namespace profkit;
using namespace profkit::model;

namespace {

void add(ProfileBuilder& b, std::initializer_list<const char*> root_first, int64_t value, std::vector<Label> labels = {},
         int64_t time = 0) {
  std::vector<LocationId> leaf_first;
  for (const char* name : root_first) leaf_first.insert(leaf_first.begin(), b.add_named_frame(name));
  b.add_sample(b.intern_stack(leaf_first), b.intern_labels(std::move(labels)), std::span<const int64_t>(&value, 1), time);
}

// "root;…;leaf" -> value
std::map<std::string, int64_t> stacks(const Profile& p) {
  std::map<std::string, int64_t> out;
  for (size_t s = 0; s < p.sample_count(); ++s) {
    std::string key;
    auto frames = p.stack(p.sample(s).stack);
    for (size_t i = frames.size(); i-- > 0;) {
      const Location& loc = p.location(frames[i]);
      for (size_t l = loc.lines.size(); l-- > 0;) {
        if (!key.empty()) key += ';';
        key += p.str(p.function(loc.lines[l].function).name);
      }
    }
    out[key] += p.values(s)[0];
  }
  return out;
}

Profile sample_profile() {
  ProfileBuilder b(ProfileBuilder::Options{.aggregate = true, .keep_timestamps = true});
  b.add_sample_type("cpu", "nanoseconds");
  auto L = [&](const char* k, int64_t pid, const char* comm) {
    return std::vector<Label>{Label{b.intern("pid"), {}, pid, {}}, Label{b.intern("comm"), b.intern(comm), 0, {}},
                              Label{b.intern(k), {}, pid * 1024, b.intern("bytes")}};
  };
  add(b, {"main", "handle", "parse", "malloc"}, 10, L("bytes", 1, "server"), 1'000'000'000);
  add(b, {"main", "handle", "render"}, 20, L("bytes", 2, "server"), 2'000'000'000);
  add(b, {"main", "idle"}, 30, L("bytes", 64, "worker"), 3'000'000'000);
  add(b, {"gc", "malloc"}, 40, L("bytes", 100, "worker"), 4'000'000'000);
  return *b.finish();
}

std::map<std::string, int64_t> run(const analysis::FilterOptions& o, Diagnostics* d = nullptr) {
  Diagnostics local;
  auto r = analysis::filter_profile(sample_profile(), o, d ? *d : local);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
  return stacks(*r);
}

}  // namespace

TEST_CASE("analysis::filter frames") {
  using M = std::map<std::string, int64_t>;
  analysis::FilterOptions o;
  SUBCASE("focus keeps samples with a match") {
    o.focus = "handle";
    CHECK(run(o) == M{{"main;handle;parse;malloc", 10}, {"main;handle;render", 20}});
  }
  SUBCASE("ignore drops them and wins over focus") {
    o.focus = "main";
    o.ignore = "render";
    CHECK(run(o) == M{{"main;handle;parse;malloc", 10}, {"main;idle", 30}});
  }
  SUBCASE("hide removes frames") {
    o.hide = "^(main|handle)$";
    CHECK(run(o) == M{{"parse;malloc", 10}, {"render", 20}, {"idle", 30}, {"gc;malloc", 40}});
  }
  SUBCASE("show keeps only matching frames") {
    o.show = "malloc|handle";
    CHECK(run(o) == M{{"handle;malloc", 10}, {"handle", 20}, {"malloc", 40}});
  }
  SUBCASE("show_from drops callers above the outermost match and samples without one") {
    o.show_from = "handle";
    CHECK(run(o) == M{{"handle;parse;malloc", 10}, {"handle;render", 20}});
  }
  SUBCASE("prune_from drops callees below the match") {
    o.prune_from = "^parse$";
    CHECK(run(o) == M{{"main;handle;parse", 10}, {"main;handle;render", 20}, {"main;idle", 30}, {"gc;malloc", 40}});
  }
  SUBCASE("a filter that matched nothing is reported") {
    Diagnostics d;
    o.focus = "nothing-like-this";
    CHECK(run(o, &d).empty());
    CHECK(d.count("filter.no-match") == 1);
    CHECK(d.summary().find("--focus 'nothing-like-this' matched nothing") != std::string::npos);
  }
  SUBCASE("bad regex is a usage error") {
    o.hide = "(";
    Diagnostics d;
    auto r = analysis::filter_profile(sample_profile(), o, d);
    REQUIRE(!r);
    CHECK(r.error().code == ErrorCode::kUsage);
  }
}

TEST_CASE("analysis::filter labels and time") {
  using M = std::map<std::string, int64_t>;
  analysis::FilterOptions o;
  SUBCASE("numeric tag range with units") {
    o.tag_focus = {"bytes=1kb:64kb"};
    CHECK(run(o) == M{{"main;handle;parse;malloc", 10}, {"main;handle;render", 20}, {"main;idle", 30}});
    o.tag_focus = {"bytes=65kb:"};
    CHECK(run(o) == M{{"gc;malloc", 40}});
    o.tag_focus = {"bytes=2kb"};
    CHECK(run(o) == M{{"main;handle;render", 20}});
  }
  SUBCASE("string tags: key=regex and key:value regex; tag-ignore") {
    o.tag_focus = {"comm=work"};
    CHECK(run(o) == M{{"main;idle", 30}, {"gc;malloc", 40}});
    o.tag_focus = {"comm:server"};
    CHECK(run(o).size() == 2);
    o.tag_focus = {};
    o.tag_ignore = {"comm=server"};
    CHECK(run(o) == M{{"main;idle", 30}, {"gc;malloc", 40}});
  }
  SUBCASE("pid, tid, comm") {
    o.pids = {1, 64};
    CHECK(run(o) == M{{"main;handle;parse;malloc", 10}, {"main;idle", 30}});
    o.pids = {};
    o.comms = {"worker"};
    CHECK(run(o).size() == 2);
    Diagnostics d;
    o.comms = {};
    o.tids = {7};
    CHECK(run(o, &d).empty());
    CHECK(d.count("filter.no-match") == 1);
  }
  SUBCASE("time: absolute seconds and percent slices") {
    o.time = "1.5-3";
    CHECK(run(o) == M{{"main;handle;render", 20}, {"main;idle", 30}});
    o.time = "0%-34%";
    CHECK(run(o) == M{{"main;handle;parse;malloc", 10}, {"main;handle;render", 20}});
    o.time = "3.5,";
    CHECK(run(o) == M{{"gc;malloc", 40}});
    o.time = "bogus";
    Diagnostics d;
    CHECK(!analysis::filter_profile(sample_profile(), o, d));
  }
  SUBCASE("node_fraction hides small functions") {
    o.node_fraction = 0.15;  // of 100: parse (10) goes, malloc (50 cum) stays
    CHECK(run(o) == M{{"main;handle;malloc", 10}, {"main;handle;render", 20}, {"main;idle", 30}, {"gc;malloc", 40}});
  }
}

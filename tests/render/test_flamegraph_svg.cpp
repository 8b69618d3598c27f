// Tests of the flame graph SVG renderer (render/flamegraph_svg.{h,cpp}, render/palette.{h,cpp}):
// determinism, escaping, geometry of normal/inverted graphs, differential colours, the "…"
// merging and the frame budget, and a golden file (testdata/golden/flamegraph/, regenerate with
// PROFKIT_BLESS=1). Profiles are made with ProfileBuilder.
#include <algorithm>
#include <ctime>
#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/flame_tree.h"
#include "model/profile_builder.h"
#include "render/flamegraph_svg.h"
#include "render/palette.h"
#include "tests/support.h"

using namespace profkit;
using analysis::FlameTree;
using model::FrameKind;
using render::FlamegraphOptions;

namespace {

template <class F>
render::FlamegraphOptions opts(F set) {
  render::FlamegraphOptions o;
  set(o);
  return o;
}

model::Profile make_profile(const std::vector<std::pair<std::string, int64_t>>& stacks, const char* type = "samples",
                            const char* unit = "count") {
  model::ProfileBuilder b;
  b.add_sample_type(type, unit);
  for (const auto& [text, count] : stacks) {
    std::vector<model::LocationId> locs;
    size_t start = 0;
    while (start <= text.size() && !text.empty()) {
      size_t end = text.find(';', start);
      if (end == std::string::npos) end = text.size();
      std::string name = text.substr(start, end - start);
      FrameKind kind = FrameKind::kNormal;
      if (name.ends_with("_[k]")) kind = FrameKind::kKernel;
      if (name.ends_with("_[j]")) kind = FrameKind::kJit;
      if (kind != FrameKind::kNormal) name.resize(name.size() - 4);
      locs.insert(locs.begin(), b.add_named_frame(name, kind));
      start = end + 1;
    }
    int64_t v[] = {count};
    b.add_sample(b.intern_stack(locs), {}, v);
  }
  auto p = b.finish();
  REQUIRE(p);
  return std::move(*p);
}

FlameTree tree_of(const std::vector<std::pair<std::string, int64_t>>& stacks, analysis::FlameTreeOptions o = {}) {
  auto t = analysis::build_flame_tree(make_profile(stacks), o);
  REQUIRE(t);
  return std::move(*t);
}

std::string draw(const FlameTree& t, const FlamegraphOptions& o = {}, render::FlamegraphStats* stats = nullptr) {
  std::ostringstream out;
  auto r = render::render_flamegraph_svg(t, o, out, stats);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
  return out.str();
}

struct Frame {
  std::string title;
  std::string name;
  double x = 0, width = 0;
  int y = 0;
  std::string fill;
  int64_t s = 0, v = 0;
};

// Our frames, parsed back from the SVG.
std::vector<Frame> frames_of(const std::string& svg) {
  static const std::regex re(
      R"re(<g data-s="(\d+)" data-v="(\d+)"><title>([^<]*)</title><rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="15.0" fill="([^"]+)")re");
  std::vector<Frame> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it) {
    Frame f;
    f.s = std::stoll((*it)[1]);
    f.v = std::stoll((*it)[2]);
    f.title = (*it)[3];
    f.name = f.title.substr(0, f.title.rfind(" ("));
    f.x = std::stod((*it)[4]);
    f.y = std::stoi((*it)[5]);
    f.width = std::stod((*it)[6]);
    f.fill = (*it)[7];
    out.push_back(f);
  }
  return out;
}

const Frame* find(const std::vector<Frame>& frames, const std::string& name) {
  for (const Frame& f : frames) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string with_commas(int64_t v) {
  std::string d = std::to_string(v), out;
  for (size_t i = 0; i < d.size(); ++i) {
    out += d[i];
    if ((d.size() - i - 1) % 3 == 0 && i + 1 < d.size()) out += ',';
  }
  return out;
}

render::Rgb parse_rgb(const std::string& css) {
  render::Rgb c;
  REQUIRE(std::sscanf(css.c_str(), "rgb(%d,%d,%d)", &c.r, &c.g, &c.b) == 3);
  return c;
}

const std::vector<std::pair<std::string, int64_t>> kSmall = {
    {"main;parse;read_[k]", 12}, {"main;parse;tokenize", 30}, {"main;render", 45}, {"main", 5},
    {"idle", 8},                 {"main;render;draw<T>", 20},  {"java/lang/Thread.run_[j];work", 6},
};

}  // namespace

TEST_CASE("render::flamegraph_svg geometry follows flamegraph.pl") {
  FlameTree t = tree_of(kSmall);
  std::string svg = draw(t);
  auto frames = frames_of(svg);
  REQUIRE(frames.size() == t.size());
  // 3 levels below the root: height = 4 * 16 + 36 + 34.
  CHECK(svg.find("<svg version=\"1.1\" width=\"1200\" height=\"134\"") != std::string::npos);
  CHECK(svg.find("<text id=\"title\" x=\"600\" y=\"24\">Flame Graph</text>") != std::string::npos);
  const Frame* root = find(frames, "all");
  REQUIRE(root);
  CHECK(root->title == "all (126 samples, 100%)");
  CHECK(root->x == 10.0);
  CHECK(root->width == 1180.0);
  CHECK(root->y == 134 - 34 - 16 + 1);
  const Frame* main = find(frames, "main");
  REQUIRE(main);
  CHECK(main->title == "main (112 samples, 88.89%)");
  CHECK(main->y == root->y - 16);
  // Children sorted by name: idle, java/lang/Thread.run, main.
  CHECK(find(frames, "idle")->x == 10.0);
  CHECK(find(frames, "java/lang/Thread.run")->x == doctest::Approx(10 + 8 * 1180.0 / 126).epsilon(0.001));
  // main's self part comes first, then parse, then render.
  CHECK(find(frames, "parse")->x == doctest::Approx(10 + (14 + 5) * 1180.0 / 126).epsilon(0.001));
  CHECK(find(frames, "parse")->s == 19);
  CHECK(find(frames, "parse")->v == 42);
}

TEST_CASE("render::flamegraph_svg is deterministic and escapes names") {
  FlameTree t = tree_of({{"main;operator<<(std::ostream&, \"x\")", 3}, {"main;bad\xff\x01name", 2}, {"main;ok", 1}});
  std::string a = draw(t), b = draw(t);
  CHECK(a == b);
  CHECK(a.find("operator&lt;&lt;(std::ostream&amp;, &quot;x&quot;)") != std::string::npos);
  CHECK(a.find("operator<<") == std::string::npos);
  CHECK(a.find("bad\xEF\xBF\xBD\xEF\xBF\xBDname") != std::string::npos);
  CHECK(a.find('\xff') == std::string::npos);
  // No CDATA terminator inside the script other than the closing one.
  CHECK(a.find("]]>") == a.rfind("]]>"));

  SUBCASE("long names are cut with '..', short frames have no label") {
    FlameTree t2 = tree_of({{"a_very_long_function_name_that_cannot_fit", 1}, {"b", 10000}});
    std::string svg = draw(t2, opts([](FlamegraphOptions& o) { o.width = 300; }));
    CHECK(svg.find(">a_very_long_function_name_that_cannot_fit</text>") == std::string::npos);
  }
}

TEST_CASE("render::flamegraph_svg inverted and reversed graphs") {
  SUBCASE("icicle: root at the top, default title") {
    FlameTree t = tree_of(kSmall);
    std::string svg = draw(t, opts([](FlamegraphOptions& o) { o.inverted = true; }));
    auto frames = frames_of(svg);
    CHECK(svg.find(">Icicle Graph</text>") != std::string::npos);
    CHECK(find(frames, "all")->y == 36);
    CHECK(find(frames, "main")->y == 52);
    CHECK(find(frames, "parse")->y == 68);
  }
  SUBCASE("subtitle makes room above the frames") {
    FlameTree t = tree_of(kSmall);
    std::string svg = draw(t, opts([](FlamegraphOptions& o) { o.subtitle = "after the fix"; o.inverted = true; }));
    CHECK(svg.find("<text id=\"subtitle\" x=\"600\" y=\"48\">after the fix</text>") != std::string::npos);
    CHECK(find(frames_of(svg), "all")->y == 36 + 24);
  }
  SUBCASE("reverse: leaves at the root") {
    FlameTree t = tree_of(kSmall, {.reverse = true});
    auto frames = frames_of(draw(t));
    const Frame* root = find(frames, "all");
    for (std::string leaf : {"read", "tokenize", "draw&lt;T&gt;", "work", "idle", "render", "main"}) {
      const Frame* f = nullptr;
      for (const Frame& x : frames) {
        if (x.name == leaf && x.y == root->y - 16) f = &x;
      }
      CHECK_MESSAGE(f != nullptr, leaf);
    }
  }
}

TEST_CASE("render::flamegraph_svg colours") {
  FlameTree t = tree_of(kSmall);
  auto frames = frames_of(draw(t));
  SUBCASE("hot palette; kernel and JIT frames stand out") {
    render::Rgb user = parse_rgb(find(frames, "tokenize")->fill);
    CHECK(user.r >= 205);
    CHECK(user.b <= 55);
    render::Rgb kernel = parse_rgb(find(frames, "read")->fill);
    CHECK(kernel.b == 0);  // orange
    render::Rgb jit = parse_rgb(find(frames, "java/lang/Thread.run")->fill);
    CHECK(jit.g > jit.r);  // green
  }
  SUBCASE("same name, same colour; different palettes differ") {
    CHECK(render::frame_color(render::Palette::kHot, "foo", FrameKind::kNormal) ==
          render::frame_color(render::Palette::kHot, "foo", FrameKind::kNormal));
    render::Rgb mem = render::frame_color(render::Palette::kMem, "foo", FrameKind::kNormal);
    CHECK(mem.r == 0);
    render::Rgb java = render::frame_color(render::Palette::kJava, "org/foo/Bar.baz", FrameKind::kNormal);
    CHECK(java.g > java.r);
    render::Rgb cpp = render::frame_color(render::Palette::kJava, "std::vector::push_back", FrameKind::kNormal);
    CHECK(cpp.r == cpp.g);  // yellow
    CHECK(render::frame_color(render::Palette::kHot, "--", FrameKind::kNormal) == render::Rgb{160, 160, 160});
  }
  SUBCASE("unknown palette is a usage error") {
    std::ostringstream out;
    auto r = render::render_flamegraph_svg(t, opts([](FlamegraphOptions& o) { o.palette = "rainbow"; }), out);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == model::ErrorCode::kUsage);
  }
}

TEST_CASE("render::flamegraph_svg values with units") {
  auto p = make_profile({{"main;sleep", 2500000}, {"main", 500000}}, "cpu", "nanoseconds");
  auto t = analysis::build_flame_tree(p);
  REQUIRE(t);
  auto frames = frames_of(draw(*t));
  CHECK(find(frames, "sleep")->title == "sleep (2.50ms, 83.33%)");
  auto counted = frames_of(draw(*t, opts([](FlamegraphOptions& o) { o.count_name = "ns"; })));
  CHECK(find(counted, "sleep")->title == "sleep (2,500,000 ns, 83.33%)");
}

TEST_CASE("render::flamegraph_svg differential colours") {
  auto base = make_profile({{"main;grow", 10}, {"main;shrink", 40}, {"main;gone", 5}, {"main;same", 20}});
  auto now = make_profile({{"main;grow", 50}, {"main;shrink", 10}, {"main;added", 5}, {"main;same", 20}});
  auto t = analysis::build_diff_flame_tree(base, now, false);
  REQUIRE(t);
  std::string svg = draw(*t);
  auto frames = frames_of(svg);
  render::Rgb grow = parse_rgb(find(frames, "grow")->fill);
  CHECK(grow == render::Rgb{255, 0, 0});  // the largest delta saturates
  render::Rgb shrink = parse_rgb(find(frames, "shrink")->fill);
  CHECK(shrink.b == 255);
  CHECK(shrink.r < 255);
  CHECK(parse_rgb(find(frames, "same")->fill) == render::Rgb{255, 255, 255});
  render::Rgb added = parse_rgb(find(frames, "added")->fill);
  CHECK(added.r == 255);
  CHECK(added.g > 0);  // a smaller growth is paler
  CHECK(find(frames, "grow")->title == "grow (50 samples, 58.82%; +47.06%; self: base 10 samples, new 50 samples, delta +40 samples)");
  CHECK(find(frames, "gone") == nullptr);  // zero width on the new side

  SUBCASE("--diff-width max keeps frames that disappeared") {
    auto wide = frames_of(draw(*t, opts([](FlamegraphOptions& o) { o.diff_width = render::DiffWidth::kMax; })));
    const Frame* gone = find(wide, "gone");
    REQUIRE(gone);
    CHECK(parse_rgb(gone->fill).b == 255);
    CHECK(gone->title.find("base 5 samples, new 0 samples, delta -5 samples") != std::string::npos);
  }
  SUBCASE("--diff-by total colours parents too") {
    auto by_total = frames_of(draw(*t, opts([](FlamegraphOptions& o) { o.diff_by = render::DiffBy::kTotal; })));
    CHECK(parse_rgb(find(by_total, "main")->fill).r == 255);  // main grew from 75 to 85
    CHECK(parse_rgb(find(frames, "main")->fill) == render::Rgb{255, 255, 255});  // no self change
  }
}

TEST_CASE("render::flamegraph_svg merges narrow frames and keeps a frame budget") {
  SUBCASE("narrow siblings become one '…' frame with their sum") {
    std::vector<std::pair<std::string, int64_t>> stacks = {{"main;big", 100000}};
    for (int i = 0; i < 500; ++i) stacks.push_back({"main;tiny" + std::to_string(i), 1});
    FlameTree t = tree_of(stacks);
    render::FlamegraphStats stats;
    auto frames = frames_of(draw(t, {}, &stats));
    CHECK(frames.size() == 4);  // all, main, big, …
    CHECK(stats.merged_frames == 1);
    const Frame* dots = find(frames, "\xE2\x80\xA6");
    REQUIRE(dots);
    CHECK(dots->v == 500);
    CHECK(dots->title.find("500 narrow frames merged") != std::string::npos);
    CHECK(dots->s == find(frames, "big")->s + 100000);  // after its wider sibling
  }
  SUBCASE("200k unique stacks stay within the budget and keep the root total") {
    std::vector<std::pair<std::string, int64_t>> stacks;
    int64_t total = 0;
    for (int i = 0; i < 200000; ++i) {
      int64_t v = 1 + (i % 7) * (i % 13);
      stacks.push_back({"main;mod" + std::to_string(i % 50) + ";fn" + std::to_string(i % 2000) + ";leaf" + std::to_string(i), v});
      total += v;
    }
    FlameTree t = tree_of(stacks);
    for (double min_width : {0.1, 0.0}) {
      CAPTURE(min_width);
      render::FlamegraphStats stats;
      std::clock_t start = std::clock();
      std::string svg = draw(t, opts([&](FlamegraphOptions& o) { o.min_width = min_width; o.frame_budget = 20000; }), &stats);
      double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
      MESSAGE("200k stacks, --minwidth " << min_width << ": " << stats.frames << " frames (" << stats.merged_frames
                                         << " merged), " << svg.size() << " bytes, effective min width "
                                         << stats.effective_min_width << " px, " << seconds << " s CPU");
      CHECK(stats.frames <= 20000);
      CHECK(stats.frames >= 1000);
      CHECK(stats.effective_min_width >= min_width);
      CHECK(svg.size() < 8u * 1024 * 1024);
      CHECK(seconds < 2.0);
      auto frames = frames_of(svg);
      CHECK(frames.size() == stats.frames);
      CHECK(find(frames, "all")->v == total);
      CHECK(find(frames, "all")->title.starts_with("all (" + with_commas(total) + " samples, 100%"));
      // Children never overflow their parent.
      std::map<std::pair<int, int64_t>, const Frame*> by_pos;
      for (const Frame& f : frames) by_pos[{f.y, f.s}] = &f;
      for (const Frame& f : frames) {
        if (f.name == "all") continue;
        bool inside = false;
        for (auto it = by_pos.lower_bound({f.y + 16, 0}); it != by_pos.end() && it->first.first == f.y + 16; ++it) {
          const Frame* p = it->second;
          if (p->s <= f.s && f.s + f.v <= p->s + p->v) inside = true;
        }
        CHECK_MESSAGE(inside, f.title);
        if (!inside) break;
      }
    }
  }
}

TEST_CASE("render::flamegraph_svg golden") {
  FlameTree t = tree_of(kSmall);
  profkit::test::check_golden(profkit::test::testdata("golden/flamegraph/small.svg"), draw(t));
  auto base = make_profile({{"main;parse", 30}, {"main;render", 50}});
  auto now = make_profile({{"main;parse", 50}, {"main;render", 40}, {"main;cache", 10}});
  auto d = analysis::build_diff_flame_tree(base, now, false);
  REQUIRE(d);
  profkit::test::check_golden(profkit::test::testdata("golden/flamegraph/small-diff.svg"), draw(*d));
}

// STRUCT oracle: inferno-flamegraph's expected SVGs (../shared/testdata/inferno/tests/data/
// flamegraph, CDDL — read in place, never committed), made from collapsed inputs that we parse
// with parsers::parse_collapsed and render with render_flamegraph_svg. Compared per frame:
// name, sample count and percentage (and delta percentage) in <title>, rect y, and x/width in
// pixels within rounding (inferno prints % of 1180 px with 4 decimals, we print px with 1).
// Colours are compared by hue family for the js palette (inferno used --hash, so exact RGB differs).
#if __has_include("parsers/collapsed.h")

#include <cmath>
#include <cstring>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/flame_tree.h"
#include "parsers/collapsed.h"
#include "render/flamegraph_svg.h"
#include "tests/support.h"

using namespace profkit;
namespace fs = std::filesystem;
using render::FlamegraphOptions;

namespace {

template <class F>
render::FlamegraphOptions opts(F set) {
  render::FlamegraphOptions o;
  set(o);
  return o;
}

struct OFrame {
  std::string name;
  std::string samples;  // as printed, with commas
  std::string pct;
  std::string delta;    // diff graphs: "+4.87" / "-0.78" / "0.00"; empty otherwise
  int y = 0;
  double x = 0, w = 0;  // pixels
  std::string fill;
};

std::string unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + 1)) s.replace(i, std::strlen(from), to);
  }
  return s;
}

bool parse_title(const std::string& title, OFrame& f) {
  static const std::regex re(R"re(^(.*) \(([\d,]+) samples, ([\d.]+)%(?:; ([+-]?[\d.]+)%)?[;)].*$)re");
  std::smatch m;
  if (!std::regex_match(title, m, re)) return false;
  // Names compare trimmed: the vertx input has a frame " " ("…write0_[j];  3"), which
  // flamegraph.pl and we keep as " " and inferno trims to "".
  f.name = unescape(m[1]);
  while (!f.name.empty() && f.name.back() == ' ') f.name.pop_back();
  while (!f.name.empty() && f.name.front() == ' ') f.name.erase(0, 1);
  f.samples = m[2];
  f.pct = m[3];
  f.delta = m[4];
  return true;
}

// inferno: <title>…</title> then <rect x="P%" y="Y" width="P%" height="15" fill="…" …>.
std::vector<OFrame> inferno_frames(const std::string& svg) {
  static const std::regex re(
      R"re(<title>([^<]*)</title>\s*<rect x="([\d.]+)%" y="(\d+)" width="([\d.]+)%" height="15" fill="([^"]+)")re");
  std::vector<OFrame> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it) {
    OFrame f;
    REQUIRE_MESSAGE(parse_title((*it)[1], f), (*it)[1].str());
    f.x = 10 + std::stod((*it)[2]) / 100 * 1180;
    f.y = std::stoi((*it)[3]);
    f.w = std::stod((*it)[4]) / 100 * 1180;
    f.fill = (*it)[5];
    out.push_back(f);
  }
  return out;
}

std::vector<OFrame> our_frames(const std::string& svg) {
  static const std::regex re(
      R"re(<title>([^<]*)</title><rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="15.0" fill="([^"]+)")re");
  std::vector<OFrame> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it) {
    OFrame f;
    REQUIRE_MESSAGE(parse_title((*it)[1], f), (*it)[1].str());
    f.x = std::stod((*it)[2]);
    f.y = std::stoi((*it)[3]);
    f.w = std::stod((*it)[4]);
    f.fill = (*it)[5];
    out.push_back(f);
  }
  return out;
}

int svg_height(const std::string& svg) {
  static const std::regex re(R"re(<svg [^>]*height="(\d+)")re");
  std::smatch m;
  REQUIRE(std::regex_search(svg, m, re));
  return std::stoi(m[1]);
}

// Hue family of an rgb() fill, after flamegraph.pl's palettes.
std::string hue(const std::string& css) {
  int r = 0, g = 0, b = 0;
  std::sscanf(css.c_str(), "rgb(%d,%d,%d)", &r, &g, &b);
  if (b == 0) return "orange";
  if (g == b && r < g) return "aqua";
  if (g == b && r > g) return "red";
  if (r == b && g > r) return "green";
  if (r == g && b < r) return "yellow";
  return "other";
}

std::string render_text(const std::string& text, const fs::path& input, const render::FlamegraphOptions& ro,
                        bool reverse = false) {
  parsers::ParseOptions po;
  po.file_name = input.string();
  auto parsed = parsers::parse_collapsed({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, po);
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().to_string()));
  REQUIRE(!parsed->empty());
  analysis::FlameTreeOptions to{.reverse = reverse};
  auto tree = parsed->size() == 2 ? analysis::build_diff_flame_tree((*parsed)[0], (*parsed)[1], false, to)
                                  : analysis::build_flame_tree(parsed->back(), to);
  REQUIRE(tree);
  std::ostringstream out;
  REQUIRE(render::render_flamegraph_svg(*tree, ro, out));
  return out.str();
}

std::string render_input(const fs::path& input, const render::FlamegraphOptions& ro, bool reverse = false) {
  return render_text(test::read_file(input), input, ro, reverse);
}

// inferno rendered the vertx SVGs from its own copy of perf-vertx-stacks-01-collapsed-all.txt,
// which has one stack more than FlameGraph@41fee1f's (286 vs 285 samples: the path through
// tcp_clean_rtx_queue continues into __kfree_skb;skb_release_data;skb_release_data.part.45 once
// more). Add that stack so both sides draw the same input.
std::string vertx_as_inferno_saw_it(const fs::path& input) {
  std::string text = test::read_file(input);
  size_t end = text.find("tcp_clean_rtx_queue_[k] 1\n");
  REQUIRE(end != std::string::npos);
  size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  std::string line = text.substr(start, end - start) + "tcp_clean_rtx_queue_[k];__kfree_skb_[k];skb_release_data_[k];"
                     "skb_release_data.part.45_[k] 1\n";
  return text + line;
}

struct Compared {
  size_t matched = 0;
  double max_dx = 0, max_dw = 0;
};

// `y_shift`: inferno's icicle graphs put the details line above the frames (frames 16 px lower,
// the image 4 px taller); flamegraph.pl, whose geometry we follow, starts them at ypad1.
Compared compare(const std::string& expected_svg, const std::string& ours_svg, bool compare_hues = false,
                 int y_shift = 0) {
  auto want = inferno_frames(expected_svg);
  for (OFrame& f : want) f.y -= y_shift;
  auto got = our_frames(ours_svg);
  REQUIRE(!want.empty());
  CHECK(svg_height(expected_svg) == svg_height(ours_svg) + (y_shift ? 4 : 0));
  CHECK(got.size() == want.size());
  std::multimap<std::pair<std::string, int>, const OFrame*> index;
  for (const OFrame& f : got) index.emplace(std::pair{f.name, f.y}, &f);
  Compared c;
  for (const OFrame& w : want) {
    const OFrame* best = nullptr;
    auto [lo, hi] = index.equal_range({w.name, w.y});
    for (auto it = lo; it != hi; ++it) {
      if (!best || std::fabs(it->second->x - w.x) < std::fabs(best->x - w.x)) best = it->second;
    }
    CHECK_MESSAGE(best != nullptr, "no frame " << w.name << " at y=" << w.y);
    if (!best) continue;
    double dx = std::fabs(best->x - w.x), dw = std::fabs(best->w - w.w);
    CHECK_MESSAGE(dx <= 0.06, w.name << " x " << best->x << " vs " << w.x);
    CHECK_MESSAGE(dw <= 0.11, w.name << " width " << best->w << " vs " << w.w);
    CHECK_MESSAGE(best->samples == w.samples, w.name);
    CHECK_MESSAGE(best->pct == w.pct, w.name);
    CHECK_MESSAGE(best->delta == w.delta, w.name);
    if (compare_hues) CHECK_MESSAGE(hue(best->fill) == hue(w.fill), w.name << " " << best->fill << " vs " << w.fill);
    c.matched++;
    c.max_dx = std::max(c.max_dx, dx);
    c.max_dw = std::max(c.max_dw, dw);
  }
  return c;
}

}  // namespace

TEST_CASE("render::flamegraph_svg matches inferno's flame graphs (STRUCT oracle)") {
  PROFKIT_REQUIRE_SHARED(shared);
  const fs::path fg = shared / "inferno/tests/data/flamegraph";
  const fs::path vertx = shared / "FlameGraph/test/results/perf-vertx-stacks-01-collapsed-all.txt";
  auto report = [](const std::string& what, const Compared& c) {
    MESSAGE(what << ": " << c.matched << " frames matched, max |dx| " << c.max_dx << " px, max |dw| " << c.max_dw << " px");
  };

  SUBCASE("perf-vertx-stacks, defaults") {
    auto c = compare(test::read_file(fg / "perf-vertx-stacks/perf-vertx-stacks-01-collapsed-all.svg"),
                     render_text(vertx_as_inferno_saw_it(vertx), vertx, {}));
    report("vertx", c);
  }
  SUBCASE("perf-vertx-stacks, inverted (icicle)") {
    auto c = compare(test::read_file(fg / "inverted/inverted.svg"),
                     render_text(vertx_as_inferno_saw_it(vertx), vertx, opts([](FlamegraphOptions& o) { o.inverted = true; })),
                     false, 16);
    report("inverted", c);
  }
  SUBCASE("differential input (two counts per line)") {
    auto c = compare(test::read_file(fg / "differential/diff.svg"),
                     render_input(fg / "differential/perf-cycles-instructions-01-collapsed-all-diff.txt", {}));
    report("diff", c);
  }
  SUBCASE("grey separator frames") {
    auto c = compare(test::read_file(fg / "grey-frames/grey-frames.svg"), render_input(fg / "grey-frames/grey-frames.txt", {}));
    report("grey-frames", c);
  }
  SUBCASE("subtitle") {
    auto c = compare(test::read_file(fg / "options/subtitle_simple.svg"),
                     render_input(fg / "differential/perf-cycles-instructions-01-collapsed-all-diff.txt",
                                  opts([](FlamegraphOptions& o) { o.subtitle = "Test Subtitle"; })));
    report("subtitle", c);
  }
  SUBCASE("js palette hues") {
    auto c = compare(test::read_file(fg / "colors/js.svg"),
                     render_input(shared / "FlameGraph/test/results/perf-js-stacks-01-collapsed-all.txt", opts([](FlamegraphOptions& o) { o.palette = "js"; })),
                     true);
    report("js", c);
  }
}

#endif

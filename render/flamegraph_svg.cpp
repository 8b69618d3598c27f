#include "render/escape.h"
#include "render/flamegraph_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

#include "model/units.h"
#include "render/palette.h"

namespace profkit::render {

namespace {

using analysis::FlameNode;
using analysis::FlameTree;

// flamegraph.pl's layout constants (pixels).
constexpr int kFrameHeight = 16;
constexpr int kFramePad = 1;
constexpr int kFontSize = 12;
constexpr double kFontWidth = 0.59;
constexpr int kXPad = 10;
constexpr int kYPad1 = kFontSize * 3;       // top, includes the title
constexpr int kYPad2 = kFontSize * 2 + 10;  // bottom, includes the details line
constexpr int kYPad3 = kFontSize * 2;       // extra top space for a subtitle
constexpr const char* kSearchColor = "rgb(230,0,230)";
constexpr const char* kMergedName = "\xE2\x80\xA6";  // "…"
constexpr uint32_t kMerged = UINT32_MAX;

// ---- text ------------------------------------------------------------------------------------

// `s` as valid XML text without markup: control characters and invalid UTF-8 become U+FFFD
// (a browser refuses the whole SVG otherwise), tabs and line breaks become spaces.
std::string sanitize(std::string_view s) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c < 0x80) {
      if (c == '\t' || c == '\n' || c == '\r') {
        out += ' ';
      } else if (c < 0x20 || c == 0x7f) {
        out += kReplacement;
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;  // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    }
    bool ok = len > 0 && i + len <= n && p[i + 1] >= lo && p[i + 1] <= hi;
    for (size_t k = 2; ok && k < len; ++k) ok = p[i + k] >= 0x80 && p[i + k] <= 0xbf;
    // U+FFFE and U+FFFF are not XML characters either.
    if (ok && len == 3 && c == 0xef && p[i + 1] == 0xbf && (p[i + 2] == 0xbe || p[i + 2] == 0xbf)) ok = false;
    if (ok) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

std::string xml(std::string_view s) { return xml_escape(sanitize(s)); }

// A string literal for the inline script: no quote, backslash, '<' or '>' (so neither "]]>"
// nor "</script>" can appear).
std::string js_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// The label drawn inside a frame `width_px` wide: flamegraph.pl's rule (at least 3 characters
// of room, else nothing; cut names end in ".."), counted in code points of the cleaned name.
std::string fit_label(const std::string& clean_name, double width_px) {
  int chars = static_cast<int>(width_px / (kFontSize * kFontWidth));
  if (chars < 3) return {};
  size_t count = 0, cut = std::string::npos;
  for (size_t i = 0; i < clean_name.size(); ++i) {
    if ((static_cast<unsigned char>(clean_name[i]) & 0xc0) == 0x80) continue;
    if (count == static_cast<size_t>(chars - 2)) cut = i;
    ++count;
  }
  if (count <= static_cast<size_t>(chars)) return clean_name;
  return clean_name.substr(0, cut) + "..";
}

// "1234567" -> "1,234,567" (keeps a sign and a fractional part).
std::string with_commas(const std::string& number) {
  size_t start = (!number.empty() && (number[0] == '-' || number[0] == '+')) ? 1 : 0;
  size_t end = number.find('.');
  if (end == std::string::npos) end = number.size();
  std::string out = number.substr(0, start);
  for (size_t i = start; i < end; ++i) {
    out += number[i];
    size_t left = end - i - 1;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  return out + number.substr(end);
}

std::string pct(int64_t value, int64_t total) {
  if (total == 0) return "0.00";
  return fmt::format("{:.2f}", 100.0 * static_cast<double>(value) / static_cast<double>(total));
}

// Formats values the way the title and tooltip show them.
class ValueFormat {
 public:
  ValueFormat(const FlameTree& tree, const std::string& count_name) : unit_(tree.value_unit()), decimals_(tree.decimals()) {
    auto [v, label] = model::scale_value(1, unit_, "minimum");
    (void)v;
    // Units of a known family (bytes, time) print scaled ("2.50ms") unless a count name is forced.
    scaled_ = !label.empty() && count_name.empty() && label != unit_;
    if (!count_name.empty()) {
      count_name_ = count_name;
    } else if (tree.value_type().empty() || tree.value_type() == "samples" || tree.value_type() == "sample") {
      count_name_ = "samples";
    } else {
      count_name_ = tree.value_type();
    }
  }
  std::string operator()(int64_t v) const {
    if (scaled_) return model::format_value(v, unit_, decimals_);
    return with_commas(model::format_fixed(v, decimals_)) + " " + count_name_;
  }
  std::string signed_value(int64_t v) const {
    std::string s = (*this)(v);
    return v > 0 ? "+" + s : s;
  }

 private:
  std::string unit_;
  int32_t decimals_;
  bool scaled_ = false;
  std::string count_name_;
};

// ---- layout ----------------------------------------------------------------------------------

struct Placed {
  uint32_t node;        // tree node, or kMerged for a "…" frame
  uint32_t parent;      // tree node of the parent (for "…")
  uint32_t depth;
  uint32_t merged = 0;  // number of frames a "…" stands for
  int64_t x = 0;        // offset from the left, in weight units
  int64_t w = 0;        // width in weight units
  int64_t value = 0;    // the new side's value (total) shown in the title
  int64_t base = 0;     // the base side's value (diff trees)
  int64_t delta = 0;    // the delta that colours a diff frame
};

class Layout {
 public:
  Layout(const FlameTree& tree, const FlamegraphOptions& o) : tree_(tree) {
    const auto nodes = tree.nodes();
    const bool max_width = tree.is_diff() && o.diff_width == DiffWidth::kMax;
    weight_.assign(nodes.size(), 0);
    own_.assign(nodes.size(), 0);
    for (size_t i = nodes.size(); i-- > 0;) {
      const FlameNode& n = nodes[i];
      int64_t own = max_width ? std::max(n.self, n.base_self) : n.self;
      own_[i] = std::max<int64_t>(own, 0);
      weight_[i] += own_[i];
      if (i > 0) weight_[n.parent] += weight_[i];
    }
  }
  int64_t root_weight() const { return weight_.empty() ? 0 : weight_[0]; }

  // Frames drawn with threshold `t` (weight units): visible nodes plus one "…" per parent whose
  // narrow children add up to at least t.
  size_t count(double t) const {
    const auto nodes = tree_.nodes();
    std::vector<uint8_t> visible(nodes.size(), 0);
    std::vector<int64_t> narrow(nodes.size(), 0);
    visible[0] = 1;
    size_t frames = 1;
    for (size_t i = 1; i < nodes.size(); ++i) {
      uint32_t p = nodes[i].parent;
      if (!visible[p] || weight_[i] <= 0) continue;
      if (static_cast<double>(weight_[i]) >= t) {
        visible[i] = 1;
        ++frames;
      } else {
        narrow[p] += weight_[i];
      }
    }
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (visible[i] && narrow[i] > 0 && static_cast<double>(narrow[i]) >= t) ++frames;
    }
    return frames;
  }

  // The smallest threshold >= t0 that keeps the frame count within `budget` (0 = no budget).
  double threshold(double t0, size_t budget) const {
    if (budget == 0 || count(t0) <= budget) return t0;
    std::vector<int64_t> cand;
    for (int64_t w : weight_) {
      if (static_cast<double>(w) > t0) cand.push_back(w);
    }
    std::sort(cand.begin(), cand.end());
    cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
    cand.push_back(root_weight() + 1);  // nothing but the root
    size_t lo = 0, hi = cand.size() - 1;  // count(cand[hi]) == 1 <= budget
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (count(static_cast<double>(cand[mid])) <= budget) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return static_cast<double>(cand[lo]);
  }

  // Frames in pre-order (parent, its "…", then each child's subtree in tree order).
  std::vector<Placed> place(double t, DiffBy diff_by) const {
    const auto nodes = tree_.nodes();
    std::vector<Placed> out;
    struct Item {
      uint32_t node;
      int64_t x;
    };
    std::vector<Item> stack{{0, 0}};
    std::vector<Item> kids;
    while (!stack.empty()) {
      Item it = stack.back();
      stack.pop_back();
      const FlameNode& n = nodes[it.node];
      int64_t delta = diff_by == DiffBy::kSelf ? n.self - n.base_self : n.total - n.base_total;
      out.push_back(Placed{it.node, n.parent, n.depth, 0, it.x, weight_[it.node], n.total, n.base_total, delta});
      int64_t cx = it.x + own_[it.node];
      Placed merged{kMerged, it.node, n.depth + 1};
      kids.clear();
      for (uint32_t c = n.first_child; c < n.first_child + n.child_count; ++c) {
        if (weight_[c] <= 0) continue;
        if (static_cast<double>(weight_[c]) >= t) {
          kids.push_back({c, cx});
          cx += weight_[c];
        } else {
          ++merged.merged;
          merged.w += weight_[c];
          merged.value += nodes[c].total;
          merged.base += nodes[c].base_total;
          merged.delta += nodes[c].total - nodes[c].base_total;
        }
      }
      if (merged.merged > 0 && static_cast<double>(merged.w) >= t) {
        merged.x = cx;
        out.push_back(merged);
      }
      for (size_t k = kids.size(); k-- > 0;) stack.push_back(kids[k]);
    }
    return out;
  }

 private:
  const FlameTree& tree_;
  std::vector<int64_t> weight_;  // layout width of each node's subtree
  std::vector<int64_t> own_;     // the part of weight_ drawn as the node's own (self) space
};

std::string fixed1(double v) { return fmt::format("{:.1f}", v); }

void write_header(std::string& s, int width, int height) {
  s += "<?xml version=\"1.0\" standalone=\"no\"?>\n";
  s += "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n";
  s += fmt::format(
      "<svg version=\"1.1\" width=\"{0}\" height=\"{1}\" onload=\"init(evt)\" viewBox=\"0 0 {0} {1}\" "
      "xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n",
      width, height);
  s += "<!-- Flame graph written by profkit; layout after Brendan Gregg's flamegraph.pl "
       "(https://github.com/brendangregg/FlameGraph). Click a frame to zoom, Ctrl-F to search. -->\n";
}

// The interactive part: zoom, search, details line. Written for this file; reads per-frame
// data from data-s / data-v (offset and width in value units) and the <title> text.
constexpr std::string_view kScript = R"JS(
var frames, details, unzoombtn, searchbtn, icbtn, matchedtxt;
var all = [], zoomed = null, term = null, ignorecase = false;
function init(evt) {
	frames = document.getElementById("frames");
	details = document.getElementById("details").firstChild;
	unzoombtn = document.getElementById("unzoom");
	searchbtn = document.getElementById("search");
	icbtn = document.getElementById("ignorecase");
	matchedtxt = document.getElementById("matched").firstChild;
	var gs = frames.children;
	for (var i = 0; i < gs.length; i++) {
		var g = gs[i], r = g.getElementsByTagName("rect")[0];
		var y = parseFloat(r.getAttribute("y"));
		var ts = g.getElementsByTagName("text");
		all.push({g: g, r: r, t: ts.length ? ts[0] : null, name: null, fill: r.getAttribute("fill"),
			s: parseFloat(g.getAttribute("data-s")), v: parseFloat(g.getAttribute("data-v")),
			d: Math.round(cfg.inverted ? (y - cfg.y0) / cfg.fh : (cfg.y0 - y) / cfg.fh)});
		g.fgIndex = i;
	}
	frames.addEventListener("click", function(e) { var f = frame_of(e.target); if (f) zoom(f); });
	frames.addEventListener("mouseover", function(e) {
		var f = frame_of(e.target);
		if (f) details.nodeValue = cfg.nametype + " " + title_of(f);
	});
	frames.addEventListener("mouseout", function() { details.nodeValue = " "; });
	unzoombtn.addEventListener("click", unzoom);
	searchbtn.addEventListener("click", function() { if (term === null) search_prompt(); else reset_search(); });
	icbtn.addEventListener("click", toggle_ignorecase);
	window.addEventListener("keydown", function(e) {
		if (e.keyCode === 114 || (e.ctrlKey && e.keyCode === 70)) { e.preventDefault(); search_prompt(); }
		else if (e.ctrlKey && e.keyCode === 73) { e.preventDefault(); toggle_ignorecase(); }
		else if (e.keyCode === 27) { reset_search(); unzoom(); }
	});
}
function frame_of(el) {
	while (el && el !== frames) {
		if (el.parentNode === frames) return all[el.fgIndex];
		el = el.parentNode;
	}
	return null;
}
function title_of(f) { return f.g.firstChild.textContent; }
function name_of(f) {
	if (f.name === null) f.name = title_of(f).replace(/ \([^(]*\)$/, "");
	return f.name;
}
function fit(f, w) {
	var chars = Math.floor(w / (cfg.fontsize * cfg.fontwidth)), label = "";
	if (chars >= 3) {
		var n = name_of(f);
		if (n.length > chars) {
			var cp = Array.from(n);
			label = cp.length <= chars ? n : cp.slice(0, chars - 2).join("") + "..";
		} else {
			label = n;
		}
	}
	if (!f.t) {
		if (label === "") return;
		f.t = document.createElementNS("http://www.w3.org/2000/svg", "text");
		f.t.setAttribute("y", (parseFloat(f.r.getAttribute("y")) + cfg.texty).toString());
		f.g.appendChild(f.t);
	}
	f.t.textContent = label;
}
function place(f, x, w) {
	f.r.setAttribute("x", x.toFixed(1));
	f.r.setAttribute("width", w.toFixed(1));
	fit(f, w);
	if (f.t) f.t.setAttribute("x", (x + 3).toFixed(2));
}
function zoom(f) {
	zoomed = f;
	unzoombtn.classList.remove("hide");
	var full = cfg.width - 2 * cfg.xpad, ratio = full / f.v;
	for (var i = 0; i < all.length; i++) {
		var o = all[i], c = o.g.classList;
		if (o.d < f.d && o.s <= f.s && o.s + o.v >= f.s + f.v) {
			c.remove("hide"); c.add("parent"); place(o, cfg.xpad, full);
		} else if (o.d >= f.d && o.s >= f.s && o.s + o.v <= f.s + f.v) {
			c.remove("hide"); c.remove("parent"); place(o, cfg.xpad + (o.s - f.s) * ratio, o.v * ratio);
		} else {
			c.add("hide");
		}
	}
}
function unzoom() {
	zoomed = null;
	unzoombtn.classList.add("hide");
	var ratio = (cfg.width - 2 * cfg.xpad) / cfg.total;
	for (var i = 0; i < all.length; i++) {
		var o = all[i];
		o.g.classList.remove("hide", "parent");
		place(o, cfg.xpad + o.s * ratio, o.v * ratio);
	}
}
function search_prompt() {
	var t = prompt("Search frames (regular expression, e.g. ^ext4_)" + (ignorecase ? ", ignoring case" : ""),
		term === null ? "" : term);
	if (t !== null && t !== "") search(t);
}
function search(t) {
	var re;
	try { re = new RegExp(t, ignorecase ? "i" : ""); }
	catch (err) { matchedtxt.nodeValue = "Invalid regular expression"; return; }
	term = t;
	var hits = [];
	for (var i = 0; i < all.length; i++) {
		var o = all[i];
		if (re.test(name_of(o))) { o.r.setAttribute("fill", cfg.searchcolor); hits.push(o); }
		else o.r.setAttribute("fill", o.fill);
	}
	searchbtn.classList.add("show");
	searchbtn.firstChild.nodeValue = "Reset Search";
	hits.sort(function(a, b) { return a.s - b.s || b.v - a.v; });
	var sum = 0, end = -Infinity;
	for (var k = 0; k < hits.length; k++) {
		var h = hits[k], e = h.s + h.v;
		if (h.s >= end) { sum += h.v; end = e; }
		else if (e > end) { sum += e - end; end = e; }
	}
	var p = cfg.total > 0 ? 100 * sum / cfg.total : 0;
	matchedtxt.nodeValue = "Matched: " + (p >= 99.95 ? "100" : p.toFixed(1)) + "%";
}
function reset_search() {
	term = null;
	for (var i = 0; i < all.length; i++) all[i].r.setAttribute("fill", all[i].fill);
	searchbtn.classList.remove("show");
	searchbtn.firstChild.nodeValue = "Search";
	matchedtxt.nodeValue = " ";
}
function toggle_ignorecase() {
	ignorecase = !ignorecase;
	if (ignorecase) icbtn.classList.add("show"); else icbtn.classList.remove("show");
	if (term !== null) search(term);
}
)JS";

constexpr std::string_view kStyle = R"CSS(
	text { font-family:Verdana, sans-serif; font-size:12px; fill:rgb(0,0,0); }
	#title { text-anchor:middle; font-size:17px; }
	#subtitle { text-anchor:middle; fill:rgb(160,160,160); }
	#search, #ignorecase { opacity:0.1; cursor:pointer; }
	#search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity:1; }
	#unzoom { cursor:pointer; }
	#frames > *:hover { stroke:black; stroke-width:0.5; cursor:pointer; }
	#frames text { pointer-events:none; }
	.hide { display:none; }
	.parent { opacity:0.5; }
)CSS";

}  // namespace

model::Result<void> render_flamegraph_svg(const FlameTree& tree, const FlamegraphOptions& o, std::ostream& out,
                                          FlamegraphStats* stats) {
  using model::ErrorCode;
  auto palette = parse_palette(o.palette);
  if (!palette) {
    return model::make_error(ErrorCode::kUsage,
                             fmt::format("unknown palette '{}'; choose one of: {}", o.palette, palette_names()));
  }
  if (o.width < 100 || o.width > 1000000) {
    return model::make_error(ErrorCode::kUsage, fmt::format("width {} px is out of range (100 to 1000000)", o.width));
  }
  if (!(o.min_width >= 0) || !std::isfinite(o.min_width)) {
    return model::make_error(ErrorCode::kUsage, "min width must be a non-negative number");
  }
  const std::string title = !o.title.empty() ? o.title : (o.inverted ? "Icicle Graph" : "Flame Graph");
  const int width = o.width;
  auto [bg1, bg2] = background(*palette);

  std::string s;
  s.reserve(1 << 16);
  Layout layout(tree, o);
  const int64_t root_weight = layout.root_weight();

  if (tree.size() == 0 || root_weight <= 0) {
    const int height = kFontSize * 5;
    write_header(s, width, height);
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-family=\"Verdana, sans-serif\" font-size=\"{}\">"
                     "ERROR: the profile holds no samples with a positive value.</text>\n</svg>\n",
                     width / 2, kFontSize * 2, kFontSize);
    out << s;
    if (stats) *stats = FlamegraphStats{};
    if (!out) return model::make_error(ErrorCode::kIo, "write failed");
    return {};
  }

  // Geometry: one weight unit is `wpt` px; frames narrower than min_width merge into "…".
  const double wpt = static_cast<double>(width - 2 * kXPad) / static_cast<double>(root_weight);
  const double t0 = o.min_width_percent ? static_cast<double>(root_weight) * o.min_width / 100.0 : o.min_width / wpt;
  const double t = layout.threshold(t0, o.frame_budget);
  std::vector<Placed> placed = layout.place(t, o.diff_by);

  uint32_t max_depth = 0;
  size_t merged_frames = 0;
  for (const Placed& p : placed) {
    max_depth = std::max(max_depth, p.depth);
    if (p.node == kMerged) ++merged_frames;
  }
  const int sub = o.subtitle.empty() ? 0 : kYPad3;
  const int height = static_cast<int>(max_depth + 1) * kFrameHeight + kYPad1 + kYPad2 + sub;
  const int y0 = o.inverted ? kYPad1 + sub : height - kYPad2 - kFrameHeight + kFramePad;  // y of depth 0

  // Differential colouring scale: the largest |delta| of the chosen kind (at least 1).
  double max_delta = 1;
  if (tree.is_diff()) {
    const auto nodes = tree.nodes();
    for (size_t i = 0; i < nodes.size(); ++i) {
      int64_t d = o.diff_by == DiffBy::kSelf ? nodes[i].self - nodes[i].base_self
                                             : (i == 0 ? 0 : nodes[i].total - nodes[i].base_total);
      max_delta = std::max(max_delta, std::fabs(static_cast<double>(d)));
    }
  }

  write_header(s, width, height);
  s += fmt::format(
      "<defs>\n\t<linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">\n"
      "\t\t<stop stop-color=\"{}\" offset=\"5%\"/>\n\t\t<stop stop-color=\"{}\" offset=\"95%\"/>\n"
      "\t</linearGradient>\n</defs>\n",
      bg1, bg2);
  s += "<style type=\"text/css\">";
  s += kStyle;
  s += "</style>\n<script type=\"text/ecmascript\"><![CDATA[\n\"use strict\";\n";
  s += fmt::format(
      "var cfg = {{width: {}, xpad: {}, fh: {}, y0: {}, texty: {}, fontsize: {}, fontwidth: {}, inverted: {}, "
      "total: {}, nametype: {}, searchcolor: \"{}\"}};",
      width, kXPad, kFrameHeight, y0, 3 + (kFrameHeight - kFramePad) / 2.0, kFontSize, kFontWidth,
      o.inverted ? "true" : "false", root_weight, js_string(o.name_type), kSearchColor);
  s += kScript;
  s += "]]></script>\n";
  s += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"url(#background)\"/>\n", width, height);
  s += fmt::format("<text id=\"title\" x=\"{}\" y=\"{}\">{}</text>\n", width / 2, kFontSize * 2, xml(title));
  if (!o.subtitle.empty()) {
    s += fmt::format("<text id=\"subtitle\" x=\"{}\" y=\"{}\">{}</text>\n", width / 2, kFontSize * 4, xml(o.subtitle));
  }
  const double bottom_text_y = height - kYPad2 / 2.0;
  s += fmt::format("<text id=\"details\" x=\"{}\" y=\"{}\"> </text>\n", kXPad, bottom_text_y);
  s += fmt::format("<text id=\"unzoom\" class=\"hide\" x=\"{}\" y=\"{}\">Reset Zoom</text>\n", kXPad, kFontSize * 2);
  s += fmt::format("<text id=\"search\" x=\"{}\" y=\"{}\">Search</text>\n", width - kXPad - 100, kFontSize * 2);
  s += fmt::format("<text id=\"ignorecase\" x=\"{}\" y=\"{}\">ic</text>\n", width - kXPad - 16, kFontSize * 2);
  s += fmt::format("<text id=\"matched\" x=\"{}\" y=\"{}\"> </text>\n", width - kXPad - 100, bottom_text_y);
  if (t > t0 * 1.000001 && t > 0) {
    s += fmt::format("<!-- frame budget {}: frames narrower than {:.3f} px merged -->\n", o.frame_budget, t * wpt);
  }
  s += "<g id=\"frames\">\n";

  ValueFormat fmt_value(tree, o.count_name);
  const int64_t total = tree.total();
  std::string clean;
  for (const Placed& p : placed) {
    const bool merged = p.node == kMerged;
    const bool root = !merged && p.node == FlameTree::kRoot;
    std::string_view name = merged ? std::string_view(kMergedName) : (root ? std::string_view("all") : tree.name(p.node));
    clean = sanitize(name);
    const std::string escaped = xml_escape(clean);

    // Title: flamegraph.pl's "name (N samples, P%)", "; ±D%" for diffs, then our extras.
    std::string info = fmt::format("{} ({}, {}%", escaped, fmt_value(p.value), root ? std::string("100") : pct(p.value, total));
    if (tree.is_diff()) {
      if (!root) info += fmt::format("; {}{}%", p.delta > 0 ? "+" : "", pct(p.delta, total));
      bool by_self = o.diff_by == DiffBy::kSelf && !merged;
      int64_t base = by_self ? tree.node(p.node).base_self : p.base;
      int64_t now = by_self ? tree.node(p.node).self : p.value;
      info += fmt::format("; {}base {}, new {}, delta {}", by_self ? "self: " : "", fmt_value(base), fmt_value(now),
                          fmt_value.signed_value(now - base));
    }
    if (merged) info += fmt::format("; {} narrow frames merged", p.merged);
    info += ")";

    Rgb color;
    if (merged) {
      color = tree.is_diff() ? diff_color(static_cast<double>(p.delta), max_delta) : Rgb{180, 180, 180};
    } else if (tree.is_diff() && !root && name != "-" && name != "--") {
      color = diff_color(static_cast<double>(p.delta), max_delta);
    } else if (tree.is_diff() && root) {
      color = Rgb{255, 255, 255};
    } else {
      color = frame_color(*palette, name, merged ? model::FrameKind::kNormal : tree.node(p.node).kind);
    }

    const double x1 = kXPad + static_cast<double>(p.x) * wpt;
    const double x2 = kXPad + static_cast<double>(p.x + p.w) * wpt;
    const std::string x1s = fixed1(x1), x2s = fixed1(x2);
    const std::string ws = fixed1(std::stod(x2s) - std::stod(x1s));
    const int y1 = o.inverted ? y0 + static_cast<int>(p.depth) * kFrameHeight : y0 - static_cast<int>(p.depth) * kFrameHeight;
    s += fmt::format("<g data-s=\"{}\" data-v=\"{}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}.0\" "
                     "fill=\"{}\" rx=\"2\" ry=\"2\"/>",
                     p.x, p.w, info, x1s, y1, ws, kFrameHeight - kFramePad, to_css(color));
    std::string label = fit_label(clean, x2 - x1);
    if (!label.empty()) {
      s += fmt::format("<text x=\"{:.2f}\" y=\"{}\">{}</text>", x1 + 3, y1 + 3 + (kFrameHeight - kFramePad) / 2.0,
                       xml_escape(label));
    }
    s += "</g>\n";
    if (s.size() > (1 << 20)) {
      out << s;
      s.clear();
    }
  }
  s += "</g>\n</svg>\n";
  out << s;
  if (!out) return model::make_error(ErrorCode::kIo, "write failed");
  if (stats) {
    stats->frames = placed.size();
    stats->merged_frames = merged_frames;
    stats->effective_min_width = t * wpt;
    stats->max_depth = max_depth;
  }
  return {};
}

}  // namespace profkit::render

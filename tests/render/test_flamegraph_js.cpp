// The flame graph's inline JavaScript (render/flamegraph_svg.cpp), exercised under node with a
// minimal DOM stand-in: click-to-zoom geometry, reset, regex search and its "Matched: P%", the
// ignore-case toggle and the details line. Skips (with a message) when node is not installed.
#include <cstdlib>
#include <sstream>
#include <string>

#include "analysis/flame_tree.h"
#include "model/profile_builder.h"
#include "render/flamegraph_svg.h"
#include "tests/support.h"

using namespace profkit;

namespace {

// A DOM just large enough for the script: elements parsed from our own SVG with regexes.
constexpr const char* kHarness = R"JS(
const fs = require("fs");
const svg = fs.readFileSync(process.argv[2], "utf8");
const unesc = s => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&apos;/g, "'").replace(/&amp;/g, "&");
const attrs = s => { const a = {}; for (const m of s.matchAll(/([\w:-]+)="([^"]*)"/g)) a[m[1]] = unesc(m[2]); return a; };
class TextNode { constructor(owner) { this.owner = owner; } get nodeValue() { return this.owner.text; } set nodeValue(v) { this.owner.text = String(v); } }
class El {
  constructor(tag, a, text) { this.tag = tag; this.a = a || {}; this.kids = []; this.parentNode = null; this.text = text || ""; this.on = {};
    this.cls = new Set((this.a["class"] || "").split(" ").filter(Boolean)); }
  getAttribute(n) { return n in this.a ? this.a[n] : null; }
  setAttribute(n, v) { this.a[n] = String(v); }
  get classList() { const s = this.cls; return { add: (...c) => c.forEach(x => s.add(x)), remove: (...c) => c.forEach(x => s.delete(x)), contains: c => s.has(c) }; }
  get children() { return this.kids; }
  get firstChild() { return this.kids.length ? this.kids[0] : new TextNode(this); }
  get textContent() { return this.text; } set textContent(v) { this.text = String(v); }
  appendChild(c) { c.parentNode = this; this.kids.push(c); return c; }
  getElementsByTagName(t) { return this.kids.filter(k => k.tag === t); }
  addEventListener(ev, fn) { this.on[ev] = fn; }
}
const byId = {};
for (const m of svg.matchAll(/<text id="(\w+)"([^>]*)>([^<]*)<\/text>/g)) byId[m[1]] = new El("text", Object.assign(attrs(m[2]), {id: m[1]}), unesc(m[3]));
const frames = byId.frames = new El("g", {id: "frames"});
for (const m of svg.matchAll(/<g (data-s="\d+" data-v="\d+")><title>([^<]*)<\/title><rect ([^>]*)\/>(?:<text ([^>]*)>([^<]*)<\/text>)?<\/g>/g)) {
  const g = frames.appendChild(new El("g", attrs(m[1])));
  g.appendChild(new El("title", {}, unesc(m[2])));
  g.appendChild(new El("rect", attrs(m[3])));
  if (m[4] !== undefined) g.appendChild(new El("text", attrs(m[4]), unesc(m[5])));
}
global.document = { getElementById: id => byId[id], createElementNS: (ns, t) => new El(t, {}) };
global.window = { addEventListener: () => {} };
let answer = null;
global.prompt = () => answer;
eval(svg.match(/<!\[CDATA\[([\s\S]*?)\]\]>/)[1] + "\nglobal.api = {init, zoom, unzoom, search, reset_search, toggle_ignorecase};");
api.init({});

let failures = 0;
const check = (ok, what) => { if (!ok) { failures++; console.log("FAIL: " + what); } };
const frame = name => frames.kids.find(g => g.kids[0].text.startsWith(name + " ("));
const rect = name => frame(name).getElementsByTagName("rect")[0];
const x = name => parseFloat(rect(name).getAttribute("x"));
const w = name => parseFloat(rect(name).getAttribute("width"));
const hidden = name => frame(name).cls.has("hide");
const near = (a, b) => Math.abs(a - b) < 0.11;

const before = { parse: [x("parse"), w("parse")], tokenize: [x("tokenize"), w("tokenize")] };
frames.on.mouseover({target: rect("parse")});
check(byId.details.text === "Function: parse (42 samples, 36.52%)", "details line: " + byId.details.text);
frames.on.click({target: rect("parse")});
check(near(x("parse"), 10) && near(w("parse"), 1180), "zoomed frame fills the width");
check(near(x("main"), 10) && near(w("main"), 1180) && frame("main").cls.has("parent"), "ancestors span the width, faded");
check(hidden("render") && hidden("idle"), "frames outside the zoomed one are hidden");
check(near(x("read"), 10) && near(w("read"), 1180 * 12 / 42), "children scale: read " + x("read") + " " + w("read"));
check(near(x("tokenize"), 10 + 1180 * 12 / 42), "children keep their order: tokenize " + x("tokenize"));
check(!byId.unzoom.cls.has("hide"), "Reset Zoom shows");
check(frame("tokenize").getElementsByTagName("text")[0].text === "tokenize", "labels refit after zoom");
api.unzoom();
check(near(x("parse"), before.parse[0]) && near(w("parse"), before.parse[1]), "reset restores the layout");
check(!hidden("render") && byId.unzoom.cls.has("hide"), "reset shows every frame again");

api.search("^(read|tokenize)$");
check(byId.matched.text === "Matched: 36.5%", "matched percentage: " + byId.matched.text);
check(rect("read").getAttribute("fill") === "rgb(230,0,230)", "matches are highlighted");
check(byId.search.text === "Reset Search", "search button turns into reset");
api.search("^(main|parse)$");
const main_pct = "Matched: " + (100 * 107 / 115).toFixed(1) + "%";
check(byId.matched.text === main_pct, "nested matches count once: " + byId.matched.text);
api.search("^MAIN$");
check(byId.matched.text === "Matched: 0.0%", "case sensitive by default: " + byId.matched.text);
api.toggle_ignorecase();
check(byId.matched.text === main_pct, "ignore case re-runs the search: " + byId.matched.text);
api.reset_search();
check(rect("read").getAttribute("fill") !== "rgb(230,0,230)" && byId.matched.text === " ", "reset search restores colours");
console.log(failures ? failures + " failures" : "OK");
process.exit(failures ? 1 : 0);
)JS";

}  // namespace

TEST_CASE("render::flamegraph_svg interactivity (node, DOM stand-in)") {
  if (std::system("command -v node >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: node is not installed");
    return;
  }
  // all 115 = main 107 (parse 42 = read 12 + tokenize 30; render 65 = self 45 + draw 20) + idle 8
  model::ProfileBuilder b;
  b.add_sample_type("samples", "count");
  auto add = [&b](std::initializer_list<const char*> root_first, int64_t v) {
    std::vector<model::LocationId> locs;
    for (const char* n : root_first) locs.insert(locs.begin(), b.add_named_frame(n));
    int64_t values[] = {v};
    b.add_sample(b.intern_stack(locs), {}, values);
  };
  add({"main", "parse", "read"}, 12);
  add({"main", "parse", "tokenize"}, 30);
  add({"main", "render"}, 45);
  add({"main", "render", "draw"}, 20);
  add({"idle"}, 8);
  auto p = b.finish();
  REQUIRE(p);
  auto t = analysis::build_flame_tree(*p);
  REQUIRE(t);
  std::ostringstream svg;
  REQUIRE(render::render_flamegraph_svg(*t, {}, svg));

  test::TempDir tmp;
  test::write_file(tmp.path / "graph.svg", svg.str());
  test::write_file(tmp.path / "harness.js", kHarness);
  std::string cmd = "node '" + (tmp.path / "harness.js").string() + "' '" + (tmp.path / "graph.svg").string() + "' >'" +
                    (tmp.path / "log").string() + "' 2>&1";
  int status = std::system(cmd.c_str());
  std::string log = test::read_file(tmp.path / "log");
  CHECK_MESSAGE(status == 0, log);
  CHECK(log.find("OK") != std::string::npos);
}

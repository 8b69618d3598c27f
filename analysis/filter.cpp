#include "analysis/filter.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <optional>

#include "analysis/diff.h"
#include "model/profile_builder.h"
#include "model/profile_importer.h"
#include "model/units.h"

namespace profkit::analysis {

using model::ErrorCode;

bool FilterOptions::empty() const {
  return focus.empty() && ignore.empty() && hide.empty() && show.empty() && show_from.empty() && prune_from.empty() &&
         tag_focus.empty() && tag_ignore.empty() && pids.empty() && tids.empty() && comms.empty() && time.empty() &&
         node_fraction <= 0;
}

namespace {

model::Result<std::unique_ptr<RE2>> compile(const std::string& flag, const std::string& pattern) {
  if (pattern.empty()) return std::unique_ptr<RE2>{};
  auto re = std::make_unique<RE2>(pattern, RE2::Quiet);
  if (!re->ok()) return model::make_error(ErrorCode::kUsage, fmt::format("bad --{} regex '{}': {}", flag, pattern, re->error()));
  return re;
}

// --- tag filters ---------------------------------------------------------------------------

struct TagFilter {
  std::string text;
  std::string key;  // empty: any key
  bool numeric = false;
  std::string lo, hi;  // numeric bounds as written (may be empty); single value: lo == hi
  std::vector<std::unique_ptr<RE2>> regexes;
};

bool is_quantity(std::string_view s) {
  if (s.empty()) return false;
  size_t i = 0;
  if (s[i] == '-') ++i;
  size_t digits = i;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == digits) return false;
  std::string_view suffix = s.substr(i);
  for (char c : suffix) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  }
  return suffix.empty() || model::parse_quantity(fmt::format("1{}", suffix), "").has_value();
}

model::Result<TagFilter> parse_tag_filter(const std::string& flag, const std::string& text) {
  TagFilter f;
  f.text = text;
  std::string value = text;
  if (size_t eq = text.find('='); eq != std::string::npos) {
    f.key = text.substr(0, eq);
    value = text.substr(eq + 1);
  }
  size_t colon = value.find(':');
  if (colon == std::string::npos) {
    if (is_quantity(value)) {
      f.numeric = true;
      f.lo = f.hi = value;
    }
  } else if (value.find(':', colon + 1) == std::string::npos) {
    std::string lo = value.substr(0, colon), hi = value.substr(colon + 1);
    if ((lo.empty() || is_quantity(lo)) && (hi.empty() || is_quantity(hi)) && !(lo.empty() && hi.empty())) {
      f.numeric = true;
      f.lo = lo;
      f.hi = hi;
    }
  }
  if (!f.numeric) {
    // pprof: comma-separated regexes.
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      std::string part = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      auto re = compile(flag, part);
      if (!re) return std::unexpected(re.error());
      if (*re) f.regexes.push_back(std::move(*re));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (f.regexes.empty()) return model::make_error(ErrorCode::kUsage, fmt::format("empty --{} '{}'", flag, text));
  }
  return f;
}

// Does a number with unit `unit` lie within the filter's bounds? Units of another family never match.
bool in_range(const TagFilter& f, int64_t num, std::string_view unit) {
  auto bound = [&](const std::string& b) -> std::optional<double> {
    size_t i = b.find_first_not_of("-0123456789.");
    if (i != std::string::npos && !model::compatible_units(b.substr(i), unit)) return std::nullopt;
    return model::parse_quantity(b, unit);
  };
  auto value = model::parse_quantity(fmt::format("{}", num), unit);
  if (!value) return false;
  if (!f.lo.empty()) {
    auto lo = bound(f.lo);
    if (!lo) return false;
    if (f.lo == f.hi) return *value == *lo;
    if (*value < *lo) return false;
  }
  if (!f.hi.empty()) {
    auto hi = bound(f.hi);
    if (!hi || *value > *hi) return false;
  }
  return true;
}

bool tag_matches(const model::Profile& p, const TagFilter& f, const std::vector<model::Label>& labels) {
  if (f.numeric) {
    for (const model::Label& l : labels) {
      if (l.str.valid()) continue;
      std::string_view key = p.str(l.key);
      if (!f.key.empty() && key != f.key) continue;
      std::string_view unit = l.num_unit.valid() ? p.str(l.num_unit) : key;
      if (in_range(f, l.num, unit)) return true;
    }
    return false;
  }
  if (f.key.empty()) {
    // pprof: every regex must match some "key:value".
    for (const auto& re : f.regexes) {
      bool any = false;
      for (const model::Label& l : labels) {
        if (!l.str.valid()) continue;
        any = any || RE2::PartialMatch(fmt::format("{}:{}", p.str(l.key), p.str(l.str)), *re);
      }
      if (!any) return false;
    }
    return true;
  }
  for (const model::Label& l : labels) {
    if (!l.str.valid() || p.str(l.key) != f.key) continue;
    for (const auto& re : f.regexes) {
      if (RE2::PartialMatch(p.str(l.str), *re)) return true;
    }
  }
  return false;
}

// --- time ----------------------------------------------------------------------------------

struct TimeRange {
  bool active = false;
  int64_t lo = INT64_MIN, hi = INT64_MAX;  // nanoseconds, inclusive
};

model::Result<TimeRange> parse_time(const model::Profile& p, const std::string& text) {
  TimeRange r;
  if (text.empty()) return r;
  r.active = true;
  auto bad = [&] {
    return model::make_error(ErrorCode::kUsage,
                             fmt::format("bad --time '{}': use START-END or START,END in seconds, or percent slices like 10%-20%", text));
  };
  size_t sep = text.find(',');
  if (sep == std::string::npos) sep = text.find('-', 1);
  if (sep == std::string::npos) return bad();
  std::string a = text.substr(0, sep), b = text.substr(sep + 1);
  bool pa = !a.empty() && a.back() == '%', pb = !b.empty() && b.back() == '%';
  if ((pa || pb) && ((!a.empty() && !pa) || (!b.empty() && !pb))) return bad();
  auto number = [](std::string_view s) -> std::optional<double> {
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
  };
  if (pa || pb) {
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (size_t s = 0; s < p.sample_count(); ++s) {
      int64_t t = p.sample(s).time_nanos;
      if (t == 0) continue;
      first = std::min(first, t);
      last = std::max(last, t);
    }
    if (first > last) {
      return model::make_error(ErrorCode::kUsage, "--time needs per-sample timestamps, and this profile has none");
    }
    double span = static_cast<double>(last - first);
    if (pa) {
      auto v = number(std::string_view(a).substr(0, a.size() - 1));
      if (!v) return bad();
      r.lo = first + static_cast<int64_t>(std::floor(span * *v / 100.0));
    }
    if (pb) {
      auto v = number(std::string_view(b).substr(0, b.size() - 1));
      if (!v) return bad();
      r.hi = first + static_cast<int64_t>(std::ceil(span * *v / 100.0));
    }
    return r;
  }
  if (!a.empty()) {
    auto v = number(a);
    if (!v) return bad();
    r.lo = static_cast<int64_t>(std::llround(*v * 1e9));
  }
  if (!b.empty()) {
    auto v = number(b);
    if (!v) return bad();
    r.hi = static_cast<int64_t>(std::llround(*v * 1e9));
  }
  return r;
}

// --- frames --------------------------------------------------------------------------------

struct Matcher {
  const model::Profile& p;
  bool mapping(const model::Location& loc, const RE2& re) const {
    return loc.mapping.valid() && p.mapping(loc.mapping).file.valid() && RE2::PartialMatch(p.str(p.mapping(loc.mapping).file), re);
  }
  bool line(const model::Line& l, const RE2& re) const {
    if (!l.function.valid()) return false;
    const model::Function& f = p.function(l.function);
    return RE2::PartialMatch(p.str(f.name), re) || RE2::PartialMatch(p.str(f.filename), re);
  }
  bool name(const model::Line& l, const RE2& re) const {
    return l.function.valid() && RE2::PartialMatch(p.str(p.function(l.function).name), re);
  }
  bool location(const model::Location& loc, const std::vector<model::Line>& lines, const RE2& re) const {
    for (const model::Line& l : lines) {
      if (line(l, re)) return true;
    }
    return mapping(loc, re);
  }
};

}  // namespace

model::Result<model::Profile> filter_profile(const model::Profile& p, const FilterOptions& o, model::Diagnostics& diag) {
  auto focus = compile("focus", o.focus);
  auto ignore = compile("ignore", o.ignore);
  auto hide = compile("hide", o.hide);
  auto show = compile("show", o.show);
  auto show_from = compile("show-from", o.show_from);
  auto prune_from = compile("prune-from", o.prune_from);
  for (auto* r : {&focus, &ignore, &hide, &show, &show_from, &prune_from}) {
    if (!*r) return std::unexpected(r->error());
  }
  std::vector<TagFilter> tag_focus, tag_ignore;
  for (const auto& t : o.tag_focus) {
    auto f = parse_tag_filter("tag-focus", t);
    if (!f) return std::unexpected(f.error());
    tag_focus.push_back(std::move(*f));
  }
  for (const auto& t : o.tag_ignore) {
    auto f = parse_tag_filter("tag-ignore", t);
    if (!f) return std::unexpected(f.error());
    tag_ignore.push_back(std::move(*f));
  }
  auto time = parse_time(p, o.time);
  if (!time) return std::unexpected(time.error());

  const bool name_filters = *focus || *ignore || *hide || *show;
  const size_t nloc = p.locations().size();
  Matcher m{p};

  // Per location: focus (1) / ignore (0) / neither (-1), its frames after hide/show/show_from/
  // prune_from, whether it left the stack, and the show_from / prune_from marks.
  std::vector<int8_t> focus_mark(nloc, -1);
  std::vector<std::vector<model::Line>> lines(nloc);
  std::vector<bool> hidden(nloc), from_mark(nloc), prune_mark(nloc), changed(nloc);
  bool focus_hit = false, ignore_hit = false, hide_hit = false, show_hit = false, from_hit = false, prune_hit = false;
  for (size_t i = 0; i < nloc; ++i) {
    const model::Location& loc = p.locations()[i];
    std::vector<model::Line>& ls = lines[i];
    ls = loc.lines;
    if (name_filters) {
      if (*ignore && m.location(loc, ls, **ignore)) {
        ignore_hit = true;
        focus_mark[i] = 0;
      } else if (!*focus || m.location(loc, ls, **focus)) {
        focus_hit = focus_hit || *focus;
        focus_mark[i] = 1;
      }
      if (*hide && m.location(loc, ls, **hide)) {
        hide_hit = true;
        if (m.mapping(loc, **hide)) {
          ls.clear();
        } else {
          std::erase_if(ls, [&](const model::Line& l) { return m.line(l, **hide); });
        }
        changed[i] = true;
        if (ls.empty()) hidden[i] = true;
      }
      if (*show) {
        if (!m.mapping(loc, **show)) {
          std::erase_if(ls, [&](const model::Line& l) { return l.function.valid() && !m.line(l, **show); });
        }
        changed[i] = true;
        if (ls.empty()) {
          hidden[i] = true;
        } else {
          show_hit = true;
        }
      }
    }
    if (*show_from) {
      if (m.mapping(loc, **show_from)) {
        from_mark[i] = true;
      } else {
        for (size_t l = ls.size(); l-- > 0;) {
          if (m.name(ls[l], **show_from)) {
            ls.resize(l + 1);
            from_mark[i] = true;
            changed[i] = true;
            break;
          }
        }
      }
      from_hit = from_hit || from_mark[i];
    }
    if (*prune_from) {
      for (size_t l = 0; l < ls.size(); ++l) {
        if (m.name(ls[l], **prune_from)) {
          ls.erase(ls.begin(), ls.begin() + static_cast<ptrdiff_t>(l));
          prune_mark[i] = true;
          changed[i] = true;
          prune_hit = true;
          break;
        }
      }
    }
  }

  model::ProfileBuilder b(model::ProfileBuilder::Options{.aggregate = true, .keep_timestamps = true, .dedup_tables = true});
  model::ProfileImporter imp(p, b);
  imp.copy_metadata();
  std::vector<model::LocationId> out_loc(nloc);
  auto location = [&](model::LocationId id) {
    model::LocationId& slot = out_loc[id.index()];
    if (!slot.valid()) {
      if (!changed[id.index()]) {
        slot = imp.location(id);
      } else {
        model::Location l = p.location(id);
        l.lines = lines[id.index()];
        l.mapping = imp.mapping(l.mapping);
        for (model::Line& line : l.lines) line.function = imp.function(line.function);
        slot = b.add_location(std::move(l));
      }
    }
    return slot;
  };

  // Per stack: the filtered stack, or nullopt when the sample goes.
  std::vector<std::optional<model::StackId>> stack_memo(p.stacks().size());
  std::vector<bool> stack_done(p.stacks().size());
  std::vector<model::LocationId> frames;
  auto stack = [&](model::StackId id) -> std::optional<model::StackId> {
    if (stack_done[id.value]) return stack_memo[id.value];
    stack_done[id.value] = true;
    auto src = p.stack(id);
    std::vector<model::LocationId> kept(src.begin(), src.end());
    if (name_filters) {
      bool f = false;
      for (model::LocationId l : kept) {
        if (focus_mark[l.index()] == 0) return std::nullopt;
        if (focus_mark[l.index()] == 1) f = true;
      }
      if (!f) return std::nullopt;
      std::erase_if(kept, [&](model::LocationId l) { return hidden[l.index()]; });
      if (kept.empty()) return std::nullopt;
    }
    if (*show_from) {
      size_t i = kept.size();
      while (i-- > 0 && !from_mark[kept[i].index()]) {
      }
      if (i == SIZE_MAX) return std::nullopt;
      kept.resize(i + 1);
    }
    if (*prune_from) {
      for (size_t i = 0; i < kept.size(); ++i) {
        if (prune_mark[kept[i].index()]) {
          kept.erase(kept.begin(), kept.begin() + static_cast<ptrdiff_t>(i));
          break;
        }
      }
    }
    frames.clear();
    for (model::LocationId l : kept) frames.push_back(location(l));
    stack_memo[id.value] = b.intern_stack(frames);
    return stack_memo[id.value];
  };

  // Per label set: does it pass the tag / pid / tid / comm filters? (-1 = not yet known)
  std::vector<int8_t> label_ok(p.label_sets().size(), -1);
  bool tag_focus_hit = tag_focus.empty(), tag_ignore_hit = tag_ignore.empty();
  bool pid_hit = o.pids.empty(), tid_hit = o.tids.empty(), comm_hit = o.comms.empty(), time_hit = !time->active;
  auto labels_pass = [&](model::LabelSetId id) {
    int8_t& slot = label_ok[id.value];
    if (slot >= 0) return slot == 1;
    const auto& ls = p.labels(id);
    bool ok = true;
    for (const TagFilter& f : tag_focus) ok = ok && tag_matches(p, f, ls);
    if (ok && !tag_focus.empty()) tag_focus_hit = true;
    for (const TagFilter& f : tag_ignore) {
      if (tag_matches(p, f, ls)) {
        tag_ignore_hit = true;
        ok = false;
      }
    }
    auto num_in = [&](std::string_view key, const std::vector<int64_t>& wanted, bool& hit) {
      if (wanted.empty()) return true;
      for (const model::Label& l : ls) {
        if (!l.str.valid() && p.str(l.key) == key && std::find(wanted.begin(), wanted.end(), l.num) != wanted.end()) {
          hit = true;
          return true;
        }
      }
      return false;
    };
    ok = num_in("pid", o.pids, pid_hit) && ok;
    ok = num_in("tid", o.tids, tid_hit) && ok;
    if (!o.comms.empty()) {
      bool c = false;
      for (const model::Label& l : ls) {
        if (l.str.valid() && p.str(l.key) == "comm" &&
            std::find(o.comms.begin(), o.comms.end(), p.str(l.str)) != o.comms.end()) {
          c = true;
        }
      }
      comm_hit = comm_hit || c;
      ok = ok && c;
    }
    slot = ok ? 1 : 0;
    return ok;
  };

  for (size_t s = 0; s < p.sample_count(); ++s) {
    const model::Sample& smp = p.sample(s);
    if (!labels_pass(smp.labels)) continue;
    if (time->active) {
      if (smp.time_nanos == 0 || smp.time_nanos < time->lo || smp.time_nanos > time->hi) continue;
      time_hit = true;
    }
    model::StackId st = smp.stack;
    if (name_filters || *show_from || *prune_from) {
      auto f = stack(st);
      if (!f) continue;
      st = *f;
    } else {
      st = imp.stack(st);
    }
    b.add_sample(st, imp.labels(smp.labels), p.values(s), smp.time_nanos);
  }

  auto warn = [&](bool hit, const char* flag, const std::string& value) {
    if (!hit) diag.warn("filter.no-match", fmt::format("--{} '{}' matched nothing", flag, value));
  };
  warn(!*focus || focus_hit, "focus", o.focus);
  warn(!*ignore || ignore_hit, "ignore", o.ignore);
  warn(!*hide || hide_hit, "hide", o.hide);
  warn(!*show || show_hit, "show", o.show);
  warn(!*show_from || from_hit, "show-from", o.show_from);
  warn(!*prune_from || prune_hit, "prune-from", o.prune_from);
  for (const auto& t : o.tag_focus) warn(tag_focus_hit, "tag-focus", t);
  for (const auto& t : o.tag_ignore) warn(tag_ignore_hit, "tag-ignore", t);
  auto join = [](const auto& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + fmt::format("{}", x);
    return s;
  };
  warn(pid_hit, "pid", join(o.pids));
  warn(tid_hit, "tid", join(o.tids));
  warn(comm_hit, "comm", join(o.comms));
  warn(time_hit, "time", o.time);

  auto out = b.finish();
  if (!out || o.node_fraction <= 0 || out->sample_types().empty()) return out;

  // node_fraction: hide functions whose cum is below the cutoff.
  NodeValues nv = node_values(*out, Granularity::kFunctions, true);
  int64_t total = 0;
  for (size_t s = 0; s < out->sample_count(); ++s) total += std::abs(out->values(s)[0]);
  const double cutoff = o.node_fraction * static_cast<double>(total);
  std::string pattern;
  for (size_t i = 0; i < nv.names.size(); ++i) {
    if (static_cast<double>(std::abs(nv.cum[i])) < cutoff) pattern += (pattern.empty() ? "" : "|") + RE2::QuoteMeta(nv.names[i]);
  }
  if (pattern.empty()) return out;
  FilterOptions again;
  again.hide = "^(?:" + pattern + ")$";
  model::Diagnostics quiet;
  return filter_profile(*out, again, quiet);
}

}  // namespace profkit::analysis

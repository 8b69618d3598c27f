#include "cli/cmd_info.h"

#include <fmt/format.h>

#include <ctime>
#include <iostream>
#include <memory>
#include <set>

#include "cli/common.h"
#include "cli/pipeline.h"
#include "model/units.h"
#include "symbolize/symbolize.h"

namespace profkit::cli {

namespace {

struct InfoCommand {
  std::vector<std::string> inputs;
  InputOptions in;
};

const char* state_name(model::SymbolState s) {
  switch (s) {
    case model::SymbolState::kNotAttempted: return "not symbolized";
    case model::SymbolState::kSymbolized: return "symbolized";
    case model::SymbolState::kMissingFile: return "binary not found";
    case model::SymbolState::kBuildIdMismatch: return "build-id mismatch";
    case model::SymbolState::kNoSymbols: return "no symbols";
  }
  return "?";
}

// A short name for what kind of profile this is, from its sample types (Go's conventions).
std::string profile_kind(const model::Profile& p) {
  std::set<std::string> types;
  for (const auto& vt : p.sample_types()) types.emplace(p.str(vt.type));
  auto has = [&types](const char* t) { return types.count(t) > 0; };
  if (has("inuse_space") && has("alloc_space")) {
    return p.str(p.default_sample_type) == "alloc_space" ? "Go allocs (heap, default alloc_space)" : "heap (default inuse_space)";
  }
  if (has("contentions") && has("delay")) return "contention (mutex or block)";
  if (has("goroutine")) return "goroutine";
  if (has("threadcreate")) return "threadcreate";
  if (has("cpu")) return "CPU";
  return "";
}

// The symbolizer's report for mapping `m`, when this run symbolized it.
const symbolize::MappingReport* report_for(const model::Profile& p, const model::Mapping& m,
                                           const std::vector<symbolize::MappingReport>& reports) {
  for (const auto& r : reports) {
    if (r.file == p.str(m.file) && r.build_id == p.str(m.build_id)) return &r;
  }
  return nullptr;
}

void print_info(const std::string& path, const model::Profile& p, std::ostream& out,
                const std::vector<symbolize::MappingReport>& reports) {
  out << fmt::format("{}:\n", path);
  out << fmt::format("  format:        {}\n", p.source_format.empty() ? "?" : p.source_format);
  if (std::string kind = profile_kind(p); !kind.empty()) out << fmt::format("  kind:          {}\n", kind);
  size_t def = p.default_sample_index();
  out << "  sample types:\n";
  for (size_t i = 0; i < p.sample_types().size(); ++i) {
    const auto& vt = p.sample_types()[i];
    std::string unit(p.str(vt.unit));
    out << fmt::format("    [{}] {}/{}  total {}{}\n", i, p.str(vt.type), unit,
                       model::format_value(p.total(i), unit, vt.decimals), i == def ? "  (default)" : "");
  }
  if (p.period != 0 || p.period_type.type.valid()) {
    out << fmt::format("  period:        {} {}/{}\n", p.period, p.str(p.period_type.type), p.str(p.period_type.unit));
  }
  if (p.time_nanos != 0) {
    std::time_t secs = static_cast<std::time_t>(p.time_nanos / 1000000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    out << fmt::format("  time:          {}\n", buf);
  }
  if (p.duration_nanos != 0) out << fmt::format("  duration:      {}\n", model::format_value(p.duration_nanos, "nanoseconds"));
  out << fmt::format("  samples:       {} (after merging identical stacks and labels)\n", p.sample_count());
  std::set<uint32_t> stacks;
  for (size_t i = 0; i < p.sample_count(); ++i) stacks.insert(p.sample(i).stack.value);
  out << fmt::format("  unique stacks: {}\n", stacks.size());
  out << fmt::format("  locations:     {}   functions: {}\n", p.locations().size(), p.functions().size());
  if (!p.mappings().empty()) {
    // Which mappings have addresses without symbols.
    std::vector<int64_t> unsymbolized(p.mappings().size());
    for (const auto& loc : p.locations()) {
      if (loc.mapping.valid() && loc.lines.empty()) ++unsymbolized[loc.mapping.index()];
    }
    out << fmt::format("  mappings:      {}\n", p.mappings().size());
    for (size_t i = 0; i < p.mappings().size(); ++i) {
      const auto& m = p.mappings()[i];
      std::string state = unsymbolized[i] > 0 ? fmt::format("{} addresses lack symbols ({})", unsymbolized[i], state_name(m.symbol_state))
                                              : (m.has_functions ? "symbols present" : state_name(m.symbol_state));
      out << fmt::format("    {:#x}-{:#x} {}{}  {}\n", m.start, m.limit, p.str(m.file).empty() ? "?" : p.str(m.file),
                         m.build_id.valid() ? fmt::format(" (build id {})", p.str(m.build_id)) : "", state);
      // Where files came from, when debuginfod was involved.
      if (const symbolize::MappingReport* r = report_for(p, m, reports)) {
        if (r->binary_from_debuginfod) out << fmt::format("      binary: debuginfod ({})\n", r->binary);
        if (r->debug_from_debuginfod && !r->debug_file.empty()) {
          out << fmt::format("      debug info: debuginfod ({})\n", r->debug_file);
        }
        if (!r->debuginfod_error.empty()) out << fmt::format("      debuginfod: {}\n", r->debuginfod_error);
      }
    }
  }
  if (!p.comments.empty()) {
    out << "  comments:\n";
    for (auto c : p.comments) {
      std::string_view text = p.str(c);
      if (text.starts_with("# ")) text.remove_prefix(2);
      out << fmt::format("    {}\n", text);
    }
  }
}

int run_info(const InfoCommand& c) {
  int rc = kExitOk;
  for (const std::string& input : c.inputs) {
    model::Diagnostics diag;
    std::vector<symbolize::MappingReport> reports;
    auto all = load_all(input, c.in, diag, &reports);
    if (!all) {
      print_diagnostics(diag);
      rc = report_error(all.error());
      continue;
    }
    for (size_t i = 0; i < all->size(); ++i) {
      std::string name = all->size() > 1 ? fmt::format("{} [profile {} of {}]", input, i + 1, all->size()) : input;
      print_info(name, (*all)[i], std::cout, reports);
    }
    print_diagnostics(diag);
  }
  return rc;
}

}  // namespace

void setup_info(CLI::App& app, int& exit_code) {
  auto cmd = std::make_shared<InfoCommand>();
  CLI::App* sub = app.add_subcommand("info", "Describe inputs: format, sample types and units, totals, stacks, mappings");
  sub->add_option("inputs", cmd->inputs, "Profiles to describe ('-' = stdin)")->required();
  add_input_options(*sub, cmd->in);
  sub->footer("Example:\n  profkit info perf.data heap.pb.gz");
  sub->callback([cmd, &exit_code] { exit_code = run_info(*cmd); });
}

}  // namespace profkit::cli

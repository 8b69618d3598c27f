#include "cli/pipeline.h"

#include <algorithm>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "cli/common.h"
#include "parsers/perf/unwind.h"
#include "parsers/registry.h"
#include "symbolize/unwind.h"
#include "cli/timing.h"

namespace profkit::cli {

void add_input_options(CLI::App& cmd, InputOptions& o) {
  cmd.add_flag("--lenient", o.lenient, "Skip malformed input lines with a counted warning instead of failing");
  cmd.add_option("--sample-index,--si", o.selection.index,
                 "Value column to report, by name (inuse_space, delay, cpu…) or index; default: the profile's default");
  cmd.add_flag("--mean", o.selection.mean, "Report mean values: totals divided by the first column (e.g. delay per contention)");
  auto shortcut = [&cmd, &o](const char* flag, const char* type, bool mean, const char* help) {
    cmd.add_flag_callback(flag, [&o, type, mean] {
      o.selection.index = type;
      o.selection.mean = mean;
    }, help)->group("pprof shortcuts");
  };
  shortcut("--inuse_space", "inuse_space", false, "Same as --sample-index inuse_space (heap: bytes in use)");
  shortcut("--inuse_objects", "inuse_objects", false, "Same as --sample-index inuse_objects");
  shortcut("--alloc_space", "alloc_space", false, "Same as --sample-index alloc_space (bytes allocated)");
  shortcut("--alloc_objects", "alloc_objects", false, "Same as --sample-index alloc_objects");
  shortcut("--contentions", "contentions", false, "Same as --sample-index contentions (mutex/block)");
  shortcut("--total_delay", "delay", false, "Same as --sample-index delay (mutex/block)");
  shortcut("--mean_delay", "delay", true, "Same as --sample-index delay --mean");
  cmd.add_option("--event", o.event, "perf.data with several events: report this event (by name)");
  cmd.add_flag("--no-symbolize", o.no_symbolize,
               "Keep raw addresses; do not look for binaries or debug info (implies --no-unwind)");
  cmd.add_flag("--no-unwind", o.no_unwind,
               "perf.data --call-graph dwarf: keep the kernel callchain and the sampled ip, do not unwind user "
               "stacks from the copied registers and stack");
  add_symbolize_options(cmd, o.symbolize);
  add_filter_options(cmd, o.filter);
}

model::Result<std::vector<model::Profile>> load_all(const std::string& path, const InputOptions& options,
                                                     model::Diagnostics& diagnostics,
                                                     std::vector<symbolize::MappingReport>* reports) {
  parsers::ParseOptions po;
  po.file_name = path;
  po.lenient = options.lenient;
  po.diagnostics = &diagnostics;
  po.keep_timestamps = !options.filter.time.empty();
  std::unique_ptr<parsers::perf::UnwinderFactory> unwinder;
  if (!options.no_symbolize && !options.no_unwind) {
    // Unwinding spreads over the machine's cores (results do not depend on how many).
    unwinder = symbolize::make_unwinder_factory(options.symbolize, std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
    po.unwinder = unwinder.get();
  }
  // Opening a binary's DWARF or reading /proc/kallsyms takes tens of milliseconds: each starts on
  // another thread as soon as the parser meets the mapping's first frame.
  std::optional<symbolize::Symbolizer> symbolizer;
  if (!options.no_symbolize) {
    symbolizer.emplace(options.symbolize);
    po.on_first_location = [&symbolizer](const parsers::FirstLocation& l) {
      symbolizer->preload(symbolize::Symbolizer::Hint{std::string(l.file), std::string(l.build_id), l.start, l.limit,
                                                      l.file_offset, l.address, l.kernel});
    };
  }
  auto loaded = [&] {
    StageTimer timer("parse");
    return parsers::load(path, po);
  }();
  if (!loaded) return loaded;
  if (symbolizer) {
    for (model::Profile& p : *loaded) {
      if (!symbolize::needs_symbolization(p)) continue;
      StageTimer timer("symbolize");
      auto symbolized = symbolizer->run(std::move(p), diagnostics);
      if (!symbolized) return std::unexpected(symbolized.error());
      if (reports) reports->insert(reports->end(), symbolizer->report().begin(), symbolizer->report().end());
      p = std::move(*symbolized);
    }
  }
  return loaded;
}

model::Result<model::Profile> load_one(const std::string& path, const InputOptions& options,
                                       model::Diagnostics& diagnostics) {
  auto all = load_all(path, options, diagnostics);
  if (!all) return std::unexpected(all.error());
  if (all->empty()) {
    return std::unexpected(model::Error{model::ErrorCode::kParse, "input holds no profile", path, -1, -1});
  }
  if (all->size() > 1) {
    diagnostics.note(fmt::format("{} holds {} profiles (differential collapsed stacks); showing the last, "
                                 "use `profkit diff` to compare them",
                                 path, all->size()));
  }
  return std::move(all->back());
}

model::Result<model::Profile> prepare(const model::Profile& profile, const InputOptions& options) {
  model::Diagnostics diagnostics;
  auto result = prepare(profile, options, diagnostics);
  print_diagnostics(diagnostics);
  return result;
}

model::Result<model::Profile> prepare(const model::Profile& profile, const InputOptions& options,
                                      model::Diagnostics& diagnostics) {
  StageTimer timer("prepare");
  analysis::SampleSelection sel = options.selection;
  if (sel.index.empty() && !options.event.empty()) sel.index = options.event;
  if (!options.filter.empty()) {
    auto filtered = apply_filters(profile, options.filter, diagnostics);
    if (!filtered) return std::unexpected(filtered.error());
    return analysis::select_sample_type(std::move(*filtered), sel);
  }
  return analysis::select_sample_type(profile, sel);
}

model::Result<model::Profile> prepare(model::Profile&& profile, const InputOptions& options,
                                      model::Diagnostics& diagnostics) {
  if (!options.filter.empty()) return prepare(std::as_const(profile), options, diagnostics);
  StageTimer timer("prepare");
  analysis::SampleSelection sel = options.selection;
  if (sel.index.empty() && !options.event.empty()) sel.index = options.event;
  return analysis::select_sample_type(std::move(profile), sel);
}

}  // namespace profkit::cli

#include "cli/cmd_convert.h"

#include <fmt/format.h>

#include <memory>

#include "analysis/stackcollapse_view.h"
#include "cli/common.h"
#include "cli/pipeline.h"
#include "parsers/collapsed.h"
#include "parsers/writers.h"

namespace profkit::cli {

namespace {

struct ConvertCommand {
  std::string input;
  std::string output = "-";
  std::string output_format;
  InputOptions in;
  analysis::StackcollapseOptions collapse;  // perf.data -> collapsed: stackcollapse-perf.pl's variants
  bool no_process = false;
  bool addrs = false;
};

int run_convert(const ConvertCommand& c) {
  model::Diagnostics diag;
  auto format = parsers::output_format_for(c.output_format, c.output);
  if (!format) return report_error(format.error());
  auto loaded = load_one(c.input, c.in, diag);
  if (!loaded) {
    print_diagnostics(diag);
    return report_error(loaded.error());
  }
  // pprof keeps every column; collapsed stacks hold one, chosen like `top` chooses it.
  size_t column = 0;
  const model::Profile* to_write = &*loaded;
  model::Profile selected;
  if (*format == parsers::OutputFormat::kCollapsed) {
    auto prepared = prepare(*loaded, c.in, diag);
    if (!prepared) {
      print_diagnostics(diag);
      return report_error(prepared.error());
    }
    selected = std::move(*prepared);
    if (loaded->source_format == "perf.data") {
      // The same lines `perf script | stackcollapse-perf.pl [--pid|--tid|--kernel|--jit|--inline]` writes.
      analysis::StackcollapseOptions so = c.collapse;
      so.process_root = !c.no_process;
      auto view = analysis::stackcollapse_view(selected, so);
      if (!view) return report_error(view.error());
      selected = std::move(*view);
    }
    to_write = &selected;
  } else if (!c.in.selection.index.empty() || c.in.selection.mean) {
    diag.note("--sample-index/--mean have no effect when writing pprof: every value column is kept");
  }
  auto written = write_output(c.output, [&](std::ostream& out) {
    if (*format == parsers::OutputFormat::kCollapsed) {
      return parsers::write_collapsed(*to_write, column, out, parsers::CollapsedWriteOptions{.annotate_kinds = true, .addrs = c.addrs});
    }
    return parsers::write_profile(*to_write, *format, column, out);
  });
  print_diagnostics(diag);
  if (!written) return report_error(written.error());
  if (c.output != "-") std::fprintf(stderr, "wrote %s\n", c.output.c_str());
  return kExitOk;
}

}  // namespace

void setup_convert(CLI::App& app, int& exit_code) {
  auto cmd = std::make_shared<ConvertCommand>();
  CLI::App* sub = app.add_subcommand("convert", "Convert any input to pprof (profile.proto) or collapsed stacks");
  sub->add_option("input", cmd->input, "Profile to read ('-' = stdin)")->required();
  sub->add_option("-o,--output", cmd->output, "Output file; the suffix picks the format (.pb.gz, .pb, .folded); '-' = stdout")
      ->required();
  sub->add_option("--output-format", cmd->output_format, "pprof (gzipped), pprof-raw or collapsed; overrides the suffix");
  add_input_options(*sub, cmd->in);
  auto* g = "collapsed output of perf.data (as stackcollapse-perf.pl)";
  sub->add_flag("--with-pid", cmd->collapse.pid, "Root frame comm-PID (stackcollapse-perf --pid)")->group(g);
  sub->add_flag("--with-tid", cmd->collapse.tid, "Root frame comm-PID/TID (stackcollapse-perf --tid)")->group(g);
  sub->add_flag("--kernel", cmd->collapse.kernel, "Annotate kernel frames with _[k]")->group(g);
  sub->add_flag("--jit", cmd->collapse.jit, "Annotate JIT frames with _[j]")->group(g);
  sub->add_flag("--inline", cmd->collapse.inlines, "Inlined callees as their own frames, marked _[i]")->group(g);
  sub->add_flag("--addrs", cmd->addrs, "Unsymbolized frames as [module <addr>]")->group(g);
  sub->add_flag("--no-process", cmd->no_process, "No process-name root frame")->group(g);
  sub->footer(
      "Examples:\n"
      "  profkit convert perf.data -o cpu.pb.gz        for go tool pprof, Parca, Pyroscope…\n"
      "  profkit convert heap.pb.gz --alloc_space -o heap.folded\n"
      "  profkit convert stacks.folded -o - --output-format pprof > p.pb.gz\n"
      "  profkit convert perf.data --with-pid --kernel -o out.folded\n"
      "Collapsed output holds one value column: the one --sample-index selects (default as top).\n"
      "From perf.data it follows stackcollapse-perf.pl: process name as root frame, the symbol an\n"
      "address falls in, names without argument lists; --pid/--tid/--kernel/--jit/--inline/--addrs\n"
      "as that script's options.");
  sub->callback([cmd, &exit_code] { exit_code = run_convert(*cmd); });
}

}  // namespace profkit::cli

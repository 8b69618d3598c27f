#include "cli/cmd_merge.h"

#include <memory>

#include "analysis/merge.h"
#include "cli/common.h"
#include "cli/filter_options.h"
#include "cli/pipeline.h"
#include "parsers/writers.h"

namespace profkit::cli {

namespace {

struct MergeCommand {
  std::vector<std::string> inputs;
  std::string output = "-";
  std::string output_format;
  bool label_source = false;
  std::string label_key = "source";
  InputOptions in;
  analysis::FilterOptions filters;
};

int run_merge(const MergeCommand& c) {
  model::Diagnostics diag;
  auto fail = [&](const model::Error& e) {
    print_diagnostics(diag);
    return report_error(e);
  };
  auto format = parsers::output_format_for(c.output_format, c.output);
  if (!format) return fail(format.error());
  std::vector<model::Profile> profiles;
  analysis::MergeOptions mo;
  if (c.label_source) mo.label_key = c.label_key;
  for (const std::string& path : c.inputs) {
    auto all = load_all(path, c.in, diag);
    if (!all) return fail(all.error());
    for (size_t i = 0; i < all->size(); ++i) {
      auto filtered = apply_filters((*all)[i], c.filters, diag);
      if (!filtered) return fail(filtered.error());
      profiles.push_back(std::move(*filtered));
      mo.source_names.push_back(all->size() == 1 ? path : path + "#" + std::to_string(i + 1));
    }
  }
  auto merged = analysis::merge_profiles(std::span<const model::Profile>(profiles), mo);
  if (!merged) return fail(merged.error());
  size_t column = 0;
  if (*format == parsers::OutputFormat::kCollapsed) {
    auto idx = analysis::resolve_sample_index(*merged, c.in.selection.index);
    if (!idx) return fail(idx.error());
    column = *idx;
  }
  auto written = write_output(c.output, [&](std::ostream& out) { return parsers::write_profile(*merged, *format, column, out); });
  print_diagnostics(diag);
  if (!written) return report_error(written.error());
  return kExitOk;
}

}  // namespace

void setup_merge(CLI::App& app, int& exit_code) {
  auto cmd = std::make_shared<MergeCommand>();
  CLI::App* sub = app.add_subcommand("merge", "Merge profiles (any formats mixed) into one: samples of equal stacks and labels add up");
  sub->add_option("inputs", cmd->inputs, "Profiles to merge ('-' = stdin)")->required()->expected(1, -1);
  sub->add_option("-o,--output", cmd->output, "Output file: .pb.gz / .pb (pprof) or .folded (collapsed); '-' = stdout (collapsed)");
  sub->add_option("--output-format", cmd->output_format, "pprof, pprof-raw or collapsed (default: from the -o suffix)");
  sub->add_flag("--label-source", cmd->label_source, "Label every sample with the file it came from (key: --label-key)");
  sub->add_option("--label-key", cmd->label_key, "Label key used by --label-source")->default_val("source");
  sub->add_option("--sample-index,--si", cmd->in.selection.index, "Collapsed output: the value column to write");
  sub->add_flag("--lenient", cmd->in.lenient, "Skip malformed input lines with a counted warning instead of failing");
  add_filter_options(*sub, cmd->filters);
  sub->footer(
      "Value columns are matched by name with compatible units (ms and ns add up after conversion); only the\n"
      "columns every input has are kept, and a name with incompatible units is an error. Addresses are made\n"
      "relative to their binary (address - mapping start + file offset), so runs with different address\n"
      "layouts merge. Merging is associative and commutative: use it as a combiner/reducer anywhere.\n"
      "Examples:\n"
      "  profkit merge -o all.pb.gz host1.pb.gz host2.pb.gz perf.data stacks.folded\n"
      "  profkit merge --label-source -o all.pb.gz run*.pb.gz     then: profkit top --tag-focus source=run3");
  sub->callback([cmd, &exit_code] { exit_code = run_merge(*cmd); });
}

}  // namespace profkit::cli

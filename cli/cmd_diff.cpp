#include "cli/cmd_diff.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "analysis/diff.h"
#include "analysis/noise.h"
#include "analysis/verdict.h"
#include "cli/common.h"
#include "cli/pipeline.h"
#include "render/diff_report.h"

namespace profkit::cli {

namespace {

struct DiffCommand {
  std::vector<std::string> inputs;  // BASE NEW (or one differential collapsed file)
  std::vector<std::string> base_runs, new_runs;
  std::string output = "-";
  std::string format = "text";
  std::string granularity = "functions";
  bool normalize = false;
  bool cum = false;
  bool no_inlines = false;
  int64_t node_count = -2;  // -2: 20 rows for text/markdown, all for json/junit
  double node_fraction = 0.005;
  std::vector<std::string> fail_on;
  std::vector<std::string> fail_ignore;
  double alpha = 0.05;
  double min_effect_percent = 5;
  bool all_rows = false;
  InputOptions in;  // input, symbolization and filter flags (cli/pipeline.h)
};

// Loads, selects the value column and filters every file of one side.
model::Result<std::vector<model::Profile>> load_side(const std::vector<std::string>& paths, const DiffCommand& c,
                                                     model::Diagnostics& diag) {
  std::vector<model::Profile> out;
  for (const std::string& path : paths) {
    auto loaded = load_one(path, c.in, diag);
    if (!loaded) return std::unexpected(loaded.error());
    auto prepared = prepare(*loaded, c.in, diag);  // filters, then the value column
    if (!prepared) return std::unexpected(std::move(prepared.error()).in_file(path));
    out.push_back(std::move(*prepared));
  }
  return out;
}

model::Result<model::Profile> prepare_filter(const model::Profile& p, const DiffCommand& c, model::Diagnostics& diag) {
  return prepare(p, c.in, diag);
}

int run_diff(DiffCommand c) {
  model::Diagnostics diag;
  auto fail = [&](const model::Error& e) {
    print_diagnostics(diag);
    return report_error(e);
  };
  auto usage = [&](std::string msg) { return fail(model::Error{model::ErrorCode::kUsage, std::move(msg)}); };

  auto g = analysis::parse_granularity(c.granularity);
  if (!g) return usage("unknown --granularity '" + c.granularity + "'; use functions, filefunctions, files, lines, addresses or binaries");
  render::DiffRenderOptions ro;
  ro.granularity = c.granularity;
  if (c.format == "text") {
    ro.format = render::DiffFormat::kText;
  } else if (c.format == "markdown" || c.format == "md") {
    ro.format = render::DiffFormat::kMarkdown;
  } else if (c.format == "json") {
    ro.format = render::DiffFormat::kJson;
  } else if (c.format == "junit" || c.format == "xml") {
    ro.format = render::DiffFormat::kJunit;
  } else {
    return usage("unknown --format '" + c.format + "'; use text, markdown, json or junit");
  }
  ro.max_rows = c.node_count != -2 ? (c.node_count <= 0 ? -1 : c.node_count)
                                   : (ro.format == render::DiffFormat::kText || ro.format == render::DiffFormat::kMarkdown ? 20 : -1);

  std::vector<analysis::Rule> rules;
  for (const auto& text : c.fail_on) {
    auto r = analysis::parse_rule(text);
    if (!r) return fail(r.error());
    rules.push_back(std::move(*r));
  }

  // Which inputs: BASE NEW, one differential file, or --base … --new ….
  if (!c.inputs.empty() && (!c.base_runs.empty() || !c.new_runs.empty())) {
    return usage("give either BASE NEW or --base … --new …, not both");
  }
  if (c.inputs.size() == 2) {
    c.base_runs = {c.inputs[0]};
    c.new_runs = {c.inputs[1]};
  }
  std::vector<model::Profile> base, now;
  if (c.inputs.size() == 1) {
    // A differential collapsed file ("stack BEFORE AFTER") holds both sides.
    auto all = load_all(c.inputs[0], c.in, diag);
    if (!all) return fail(all.error());
    if (all->size() != 2) return usage(c.inputs[0] + " holds one profile; diff needs BASE NEW (or a two-column collapsed file)");
    auto b = prepare_filter((*all)[0], c, diag);
    if (!b) return fail(b.error());
    auto n = prepare_filter((*all)[1], c, diag);
    if (!n) return fail(n.error());
    base.push_back(std::move(*b));
    now.push_back(std::move(*n));
    ro.base_name = c.inputs[0] + " (before)";
    ro.new_name = c.inputs[0] + " (after)";
  } else {
    if (c.base_runs.empty() || c.new_runs.empty()) return usage("diff needs BASE NEW, or --base FILES… --new FILES…");
    auto b = load_side(c.base_runs, c, diag);
    if (!b) return fail(b.error());
    auto n = load_side(c.new_runs, c, diag);
    if (!n) return fail(n.error());
    base = std::move(*b);
    now = std::move(*n);
    auto name = [](const std::vector<std::string>& v) {
      return v.size() == 1 ? v[0] : fmt::format("{} runs ({} … {})", v.size(), v.front(), v.back());
    };
    ro.base_name = name(c.base_runs);
    ro.new_name = name(c.new_runs);
  }

  analysis::DiffOptions dopt;
  dopt.granularity = *g;
  dopt.inlines = !c.no_inlines;
  dopt.normalize = c.normalize;
  dopt.sort_by_cum = c.cum;
  model::Result<analysis::DiffTable> table;
  if (base.size() == 1 && now.size() == 1) {
    table = analysis::build_diff_table(base[0], now[0], dopt);
  } else {
    analysis::NoiseOptions nopt;
    nopt.diff = dopt;
    nopt.alpha = c.alpha;
    nopt.min_effect = c.min_effect_percent / 100.0;
    nopt.node_fraction = c.node_fraction;
    nopt.keep_insignificant = c.all_rows;
    std::vector<const model::Profile*> bp, np;
    for (const auto& p : base) bp.push_back(&p);
    for (const auto& p : now) np.push_back(&p);
    table = analysis::build_noise_diff(bp, np, nopt);
  }
  if (!table) return fail(table.error());

  analysis::VerdictOptions vopt;
  vopt.ignore = c.fail_ignore;
  vopt.min_share = c.node_fraction;
  auto verdict = analysis::evaluate_rules(*table, rules, vopt);
  if (!verdict) return fail(verdict.error());

  auto written = write_output(c.output, [&](std::ostream& out) { return render::render_diff(*table, *verdict, ro, out); });
  print_diagnostics(diag);
  if (!written) return report_error(written.error());
  std::string summary = render::verdict_summary(*table, *verdict);
  if (!summary.empty()) {
    std::fflush(stdout);
    std::fprintf(stderr, "profkit: diff verdict failed\n%s", summary.c_str());
    return kExitVerdictFailed;
  }
  return kExitOk;
}

}  // namespace

void setup_diff(CLI::App& app, int& exit_code) {
  auto cmd = std::make_shared<DiffCommand>();
  CLI::App* sub = app.add_subcommand(
      "diff", "Compare a base and a new profile (or repeated runs of each); fail a CI job with --fail-on rules");
  sub->add_option("inputs", cmd->inputs, "BASE NEW (any formats), or one differential collapsed file")->expected(0, 2);
  sub->add_option("--base", cmd->base_runs, "Base runs (repeat the benchmark: 4+ runs per side for a noise estimate)")
      ->expected(1, -1);
  sub->add_option("--new", cmd->new_runs, "New runs (as many as you like; compared with --base)")->expected(1, -1);
  sub->add_flag("--normalize", cmd->normalize,
                "Compare shares: scale new to the base total (pprof -normalize); with runs, scale every run to the "
                "mean total");
  sub->add_flag("--cum", cmd->cum, "Sort (and test) by cumulative instead of flat values");
  sub->add_option("--granularity,-g", cmd->granularity, "Row per: functions, filefunctions, files, lines, addresses, binaries")
      ->default_val("functions");
  sub->add_flag("--no-inlines", cmd->no_inlines, "Attribute inlined code to the function it was inlined into");
  sub->add_option("-n,--nodecount", cmd->node_count, "Rows to list (default 20 for text/markdown, all for json/junit; 0 = all)");
  sub->add_option("--nodefraction", cmd->node_fraction,
                  "Entries below this share of the total are not judged by % rules (and are noise in run mode)")
      ->default_val(0.005);
  sub->add_option("--format,-f", cmd->format, "Output: text, markdown (PR comment / job summary), json, junit")
      ->default_val("text");
  sub->add_option("-o,--output", cmd->output, "Write to FILE instead of stdout");
  sub->add_option("--fail-on", cmd->fail_on, "Exit 1 when this rule breaks (repeatable); grammar below")
      ->allow_extra_args(false);
  sub->add_option("--fail-ignore", cmd->fail_ignore, "Entries matching this RE2 are never judged by --fail-on (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--alpha", cmd->alpha, "Runs: significance threshold of the Mann-Whitney U test")->default_val(0.05);
  sub->add_option("--min-effect", cmd->min_effect_percent, "Runs: smallest relative change reported, in percent")->default_val(5);
  sub->add_flag("--all", cmd->all_rows, "Runs: also list changes that are not significant");
  add_input_options(*sub, cmd->in);
  sub->footer(R"(Columns: Δflat/Δcum = new - base; flat%/cum% = relative change; Δshare = change of the share of
the total in percentage points; entries that appear are marked (new), those that vanish (gone).
With --normalize the new profile is scaled so that its total equals the base total, exactly as
pprof -normalize does (per sample, rounded); the output says which comparison was made.

--fail-on RULE  (repeatable; exit code 1 when any rule breaks, with a summary on stderr)
  RULE      := TARGET OP THRESHOLD
  TARGET    := total | flat(RE) | cum(RE) | flat(any) | cum(any)   RE2, matched anywhere in the entry name
  OP        := > | >= | < | <=
  THRESHOLD := [+|-]N%   relative change      [+|-]Npp  change of share (percentage points)
             | [+|-]N[unit]  absolute change: 100ms, 1.5s, 64kb, 2MB; bare N is in the profile's unit
  Each matching entry is judged on its own. % rules skip entries below --nodefraction of both totals
  and treat an entry that appeared as +inf%. --fail-ignore RE exempts entries.
  Examples:  --fail-on 'total > +5%'   --fail-on 'cum(^main\.handle) > 10%'
             --fail-on 'flat(any) > 2pp'   --fail-on 'flat(malloc) > 100ms'

Repeated runs (--base A1 A2 A3 A4 --new B1 B2 B3 B4): per entry the values of the runs are compared
with a two-sided Mann-Whitney U test (exact without ties for up to 50 runs in all, else the normal
approximation with tie correction); an entry is reported only when p < --alpha and its median changed
by at least --min-effect. With n runs per side the smallest possible p is 2/C(2n,n): 0.1 for 3 vs 3,
0.029 for 4 vs 4, 0.008 for 5 vs 5, so use 4 or more runs. Runs are compared as measured, or as shares
of each run's total with --normalize. Rules then judge only significant entries (total: only when the
totals differ significantly). A single BASE NEW diff says that no noise estimate was possible.

Examples:
  profkit diff base.pb.gz new.pb.gz
  profkit diff -f markdown --fail-on 'total > +5%' base.pb.gz new.pb.gz >> $GITHUB_STEP_SUMMARY
  profkit diff -f junit -o diff.xml --fail-on 'flat(any) > 2pp' base.perf.data new.perf.data
  profkit diff --base b1.pb.gz b2.pb.gz b3.pb.gz b4.pb.gz --new n1.pb.gz n2.pb.gz n3.pb.gz n4.pb.gz
Exit codes: 0 no rule broke, 1 a rule broke, 2 usage, 3 unreadable input, 4 internal error.)");
  sub->callback([cmd, &exit_code] { exit_code = run_diff(*cmd); });
}

}  // namespace profkit::cli

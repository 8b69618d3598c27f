#include "cli/cmd_callgraph.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "analysis/callgraph.h"
#include "cli/common.h"
#include "cli/pipeline.h"
#include "render/callgraph_dot.h"

namespace profkit::cli {

namespace {

struct CallgraphCommand {
  std::string input;
  std::string output = "-";
  std::string format;  // dot | svg; default from the -o suffix
  std::string granularity = "functions";
  bool no_inlines = false;
  analysis::CallGraphOptions graph;
  InputOptions in;
};

// The `dot` program on PATH, or "" when Graphviz is not installed.
std::string find_dot() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/dot";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Runs `dot -Tsvg` on `dot_text` and writes its output to `out`.
model::Result<void> dot_to_svg(const std::string& dot, const std::string& dot_text, std::ostream& out) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "profkit-callgraph-XXXXXX").string();
  int fd = mkstemp(tmpl.data());
  if (fd < 0) return model::make_error(model::ErrorCode::kIo, "cannot create a temporary file for dot");
  ::close(fd);
  {
    std::ofstream f(tmpl, std::ios::binary);
    f << dot_text;
  }
  std::string cmd = fmt::format("'{}' -Tsvg '{}' 2>&1", dot, tmpl);
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) {
    std::remove(tmpl.c_str());
    return model::make_error(model::ErrorCode::kIo, "cannot run " + dot);
  }
  std::string svg;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) svg.append(buf, n);
  int status = ::pclose(pipe);
  std::remove(tmpl.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return model::make_error(model::ErrorCode::kInternal, "dot failed: " + svg.substr(0, 500));
  }
  out << svg;
  return {};
}

int run_callgraph(const CallgraphCommand& c) {
  model::Diagnostics diag;
  auto fail = [&](const model::Error& e) {
    print_diagnostics(diag);
    return report_error(e);
  };
  auto g = analysis::parse_granularity(c.granularity);
  if (!g) {
    return fail(model::Error{model::ErrorCode::kUsage, "unknown --granularity '" + c.granularity +
                                                           "'; use functions, filefunctions, files, lines, addresses or binaries"});
  }
  std::string format = c.format;
  if (format.empty()) format = c.output.ends_with(".svg") ? "svg" : "dot";
  if (format != "dot" && format != "svg") {
    return fail(model::Error{model::ErrorCode::kUsage, "unknown --format '" + format + "'; use dot or svg"});
  }
  std::string dot;
  if (format == "svg") {
    dot = find_dot();
    if (dot.empty()) {
      return fail(model::Error{model::ErrorCode::kUnsupported,
                               "SVG output needs Graphviz's `dot` program on PATH (apt install graphviz); "
                               "or write .dot and render it elsewhere"});
    }
  }
  auto loaded = load_one(c.input, c.in, diag);
  if (!loaded) return fail(loaded.error());
  auto prepared = prepare(*loaded, c.in, diag);
  if (!prepared) return fail(prepared.error());
  analysis::CallGraphOptions go = c.graph;
  go.granularity = *g;
  go.inlines = !c.no_inlines;
  analysis::CallGraph graph = analysis::build_call_graph(*prepared, go);
  std::ostringstream dot_text;
  if (auto r = render::render_callgraph_dot(*prepared, graph, dot_text); !r) return fail(r.error());
  auto written = write_output(c.output, [&](std::ostream& out) -> model::Result<void> {
    if (format == "dot") {
      out << dot_text.str();
      return {};
    }
    return dot_to_svg(dot, dot_text.str(), out);
  });
  print_diagnostics(diag);
  if (!written) return report_error(written.error());
  return kExitOk;
}

}  // namespace

void setup_callgraph(CLI::App& app, int& exit_code) {
  auto cmd = std::make_shared<CallgraphCommand>();
  CLI::App* sub = app.add_subcommand("callgraph", "Draw the caller->callee graph (DOT, or SVG through Graphviz), pruned as pprof -dot");
  sub->add_option("input", cmd->input, "Profile to read (any format; '-' = stdin)")->required();
  sub->add_option("-o,--output", cmd->output, "Output: g.dot or g.svg ('-' = DOT on stdout)");
  sub->add_option("--format", cmd->format, "dot or svg (default: from the -o suffix)");
  sub->add_option("--nodecount,-n", cmd->graph.node_count, "Keep at most N nodes (0 = all)")->default_val(80);
  sub->add_option("--nodefraction", cmd->graph.node_fraction, "Drop nodes whose cum is below this fraction of the total")
      ->default_val(0.005);
  sub->add_option("--edgefraction", cmd->graph.edge_fraction, "Drop edges below this fraction of the total")->default_val(0.001);
  sub->add_option("--granularity,-g", cmd->granularity, "Node per: functions, filefunctions, files, lines, addresses, binaries")
      ->default_val("functions");
  sub->add_flag("--no-inlines", cmd->no_inlines, "Attribute inlined code to the function it was inlined into");
  add_input_options(*sub, cmd->in);
  sub->footer(
      "Nodes show flat and cum (with % of the total), their font grows with flat and their colour with cum;\n"
      "edges carry the value of the calls, thicker when heavier; dotted edges skip pruned nodes, dashed\n"
      "ones are inlined calls. Pruning as pprof: nodes under --nodefraction of the total, then the top\n"
      "--nodecount nodes (pprof's entropy order), edges under --edgefraction, redundant dotted edges.\n"
      "Examples:\n"
      "  profkit callgraph cpu.pb.gz -o cpu.svg\n"
      "  profkit callgraph perf.data --focus 'handle' -o handle.dot");
  sub->callback([cmd, &exit_code] { exit_code = run_callgraph(*cmd); });
}

}  // namespace profkit::cli

#include "parsers/registry.h"

#include <fmt/format.h>

#include "parsers/formats.h"

namespace profkit::parsers {

std::span<const Format> formats() {
  // Order matters: binary magics first, then text formats with a distinctive header, and the
  // permissive collapsed grammar last.
  static const std::vector<Format> kFormats = all_formats();
  return kFormats;
}

const Format* detect(std::span<const uint8_t> bytes) {
  for (const Format& f : formats()) {
    if (f.sniff(bytes) == Sniff::kYes) return &f;
  }
  return nullptr;
}

model::Result<std::vector<model::Profile>> parse_bytes(std::span<const uint8_t> bytes, const ParseOptions& options) {
  if (bytes.empty()) {
    return std::unexpected(model::Error{model::ErrorCode::kParse, "input is empty", options.file_name, -1, -1});
  }
  const Format* f = detect(bytes);
  if (!f) {
    std::string names;
    for (const Format& fmt_ : formats()) names += (names.empty() ? "" : ", ") + std::string(fmt_.name);
    return std::unexpected(model::Error{model::ErrorCode::kUnsupported,
                                        fmt::format("file format unknown: not one of {}", names),
                                        options.file_name, -1, -1});
  }
  auto result = f->parse(bytes, options);
  if (!result) {
    model::Error e = result.error();
    if (e.file.empty()) e.file = options.file_name;
    return std::unexpected(std::move(e));
  }
  for (model::Profile& p : *result) {
    if (p.source_format.empty()) p.source_format = std::string(f->name);
  }
  return result;
}

model::Result<std::vector<model::Profile>> load(const std::string& path, const ParseOptions& options,
                                                const InputLimits& limits) {
  auto in = read_input(path, limits);
  if (!in) return std::unexpected(in.error());
  ParseOptions o = options;
  o.file_name = path;
  o.input_is_file_mapping = in->is_file_mapping();
  return parse_bytes(in->bytes(), o);
}

}  // namespace profkit::parsers

// render/escape.h — escaping text for the output formats the renderers write.
#pragma once

#include <string>
#include <string_view>

namespace profkit::render {

// A JSON string body (without the quotes): quotes, backslashes and control characters escaped.
std::string json_escape(std::string_view s);
// XML text or attribute content; control characters other than \n and \t become spaces.
std::string xml_escape(std::string_view s);
// A CSV field, quoted (with doubled quotes) only when it holds a comma, quote or newline.
std::string csv_field(std::string_view s);
// A Markdown table cell: '|' and '`' escaped.
std::string markdown_cell(std::string_view s);

}  // namespace profkit::render

#include "model/units.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <span>

namespace profkit::model {

namespace {

struct Unit {
  std::string_view canonical;
  std::array<std::string_view, 4> aliases;
  double factor;
};

struct UnitFamily {
  std::span<const Unit> units;
  Unit default_unit;
};

constexpr Unit kMemory[] = {
    {"B", {"b", "byte"}, 1},
    {"kB", {"kb", "kbyte", "kilobyte"}, double(1ULL << 10)},
    {"MB", {"mb", "mbyte", "megabyte"}, double(1ULL << 20)},
    {"GB", {"gb", "gbyte", "gigabyte"}, double(1ULL << 30)},
    {"TB", {"tb", "tbyte", "terabyte"}, double(1ULL << 40)},
    {"PB", {"pb", "pbyte", "petabyte"}, double(1ULL << 50)},
};
constexpr Unit kTime[] = {
    {"ns", {"ns", "nanosecond"}, 1},
    {"us", {"μs", "us", "microsecond"}, 1e3},
    {"ms", {"ms", "millisecond"}, 1e6},
    {"s", {"s", "sec", "second"}, 1e9},
    {"hrs", {"hour", "hr"}, 3600e9},
};

const UnitFamily kFamilies[] = {
    {kMemory, {"B", {"b", "byte"}, 1}},
    {kTime, {"s", {}, 1e9}},
};

// pprof's sniffUnit: lower-case, drop a plural 's' from names longer than two characters.
std::string sniff(std::string_view unit) {
  std::string u(unit);
  for (char& c : u) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u.size() > 2 && u.back() == 's') u.pop_back();
  return u;
}

const Unit* find_in(const UnitFamily& fam, std::string_view unit) {
  std::string u = sniff(unit);
  for (const Unit& x : fam.units) {
    for (std::string_view a : x.aliases) {
      if (!a.empty() && a == u) return &x;
    }
  }
  return nullptr;
}

const UnitFamily* family_of(std::string_view unit, const Unit** found) {
  for (const UnitFamily& fam : kFamilies) {
    if (const Unit* u = find_in(fam, unit)) {
      *found = u;
      return &fam;
    }
  }
  return nullptr;
}

}  // namespace

double to_real(int64_t value, int32_t decimals) {
  double v = static_cast<double>(value);
  for (int32_t i = 0; i < decimals; ++i) v /= 10.0;
  return v;
}

std::string format_fixed(int64_t value, int32_t decimals) {
  if (decimals <= 0) return fmt::format("{}", value);
  std::string digits = fmt::format("{}", value < 0 ? -(value + 1) + uint64_t{1} : static_cast<uint64_t>(value));
  if (digits.size() <= static_cast<size_t>(decimals)) digits.insert(0, decimals + 1 - digits.size(), '0');
  std::string out = (value < 0 ? "-" : "") + digits.substr(0, digits.size() - decimals) + "." +
                    digits.substr(digits.size() - decimals);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

std::pair<double, std::string> scale_value(double value, std::string_view from_unit, std::string_view to_unit) {
  if (value < 0) {
    auto [v, u] = scale_value(-value, from_unit, to_unit);
    return {-v, u};
  }
  const Unit* from = nullptr;
  if (const UnitFamily* fam = family_of(from_unit, &from)) {
    double base = value * from->factor;
    if (to_unit == "minimum" || to_unit == "auto") {
      double f = 0;
      std::string_view name;
      for (const Unit& u : fam->units) {
        if (u.factor >= f && base / u.factor >= 1.0) {
          f = u.factor;
          name = u.canonical;
        }
      }
      if (f == 0) return {base / fam->default_unit.factor, std::string(fam->default_unit.canonical)};
      return {base / f, std::string(name)};
    }
    if (const Unit* to = find_in(*fam, to_unit)) return {base / to->factor, std::string(to->canonical)};
    return {base / fam->default_unit.factor, std::string(fam->default_unit.canonical)};
  }
  if (to_unit == "count" || to_unit == "sample" || to_unit == "unit" || to_unit == "minimum" || to_unit == "auto") {
    return {value, ""};
  }
  return {value, std::string(to_unit)};
}

std::string format_value(int64_t value, std::string_view unit, int32_t decimals) {
  double v = to_real(value, decimals);
  auto [scaled, label] = scale_value(v, unit, "minimum");
  std::string s = fmt::format("{:.2f}", scaled);
  if (s.size() >= 3 && s.ends_with(".00")) s.resize(s.size() - 3);
  if (s == "0" || s == "-0") return "0";
  return s + label;
}

std::string format_percentage(int64_t value, int64_t total) {
  double ratio = 0;
  if (total != 0) ratio = std::fabs(static_cast<double>(value) / static_cast<double>(total)) * 100;
  if (ratio >= 99.95 && ratio <= 100.05) return "  100%";
  if (ratio >= 1.0) return fmt::format("{:5.2f}%", ratio);
  // Go's %5.2g equals C's for these magnitudes.
  char buf[32];
  std::snprintf(buf, sizeof buf, "%5.2g%%", ratio);
  return buf;
}

std::optional<double> parse_quantity(std::string_view text, std::string_view unit) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' || text[i] == '-' || text[i] == '+')) ++i;
  if (i == 0) return std::nullopt;
  double number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, number);
  if (ec != std::errc() || ptr != text.data() + i) return std::nullopt;
  std::string_view suffix = text.substr(i);
  if (suffix.empty()) {
    // A bare number is in the label's own unit; express it in the family's base unit.
    const Unit* u = nullptr;
    if (family_of(unit, &u)) return number * u->factor;
    return number;
  }
  const Unit* target = nullptr;
  const UnitFamily* fam = family_of(unit.empty() ? suffix : unit, &target);
  if (!fam) return std::nullopt;
  const Unit* given = find_in(*fam, suffix);
  if (!given) return std::nullopt;
  return number * given->factor;
}

bool compatible_units(std::string_view a, std::string_view b) {
  if (a == b) return true;
  const Unit* ua = nullptr;
  const Unit* ub = nullptr;
  const UnitFamily* fa = family_of(a, &ua);
  const UnitFamily* fb = family_of(b, &ub);
  return fa != nullptr && fa == fb;
}

}  // namespace profkit::model

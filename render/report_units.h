// render/report_units.h — one unit for every value of a report, chosen as pprof chooses it.
//
// pprof's selectOutputUnit: the unit of the smallest shown value (its flat, or its cum when flat
// is 0), unless that is more than 100× smaller than the total, in which case values may go down
// to 0.01 of a larger unit. Values then print as "%.2f" without a trailing ".00".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace profkit::render {

class ReportUnits {
 public:
  // `shown` holds the (flat, cum) of every row or node the report shows.
  ReportUnits(std::string_view sample_unit, int32_t decimals, std::span<const std::pair<int64_t, int64_t>> shown,
              int64_t total);
  // A value of the report in its unit: "1.50s", "512kB", "0".
  std::string operator()(int64_t value) const;
  const std::string& sample_unit() const { return sample_unit_; }

 private:
  std::string sample_unit_;
  std::string unit_;
  int32_t decimals_;
};

}  // namespace profkit::render

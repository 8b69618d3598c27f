// Oracle: pprof's measurement package (ScaledLabel / Percentage) as printed by `go tool pprof -top`.
#include <doctest/doctest.h>

#include "model/error.h"
#include "model/units.h"

using namespace profkit::model;

TEST_CASE("model::units format like pprof") {
  SUBCASE("bytes scale by 1024") {
    CHECK(format_value(1536, "bytes") == "1.50kB");
    CHECK(format_value(7716515, "bytes") == "7.36MB");
    CHECK(format_value(512, "bytes") == "512B");
  }
  SUBCASE("time scales by SI steps") {
    CHECK(format_value(2500000, "nanoseconds") == "2.50ms");
    CHECK(format_value(10000000, "nanoseconds") == "10ms");
    CHECK(format_value(1500, "microseconds") == "1.50ms");
  }
  SUBCASE("counts are bare numbers") {
    CHECK(format_value(12345, "count") == "12345");
    CHECK(format_value(0, "nanoseconds") == "0");
    CHECK(format_value(-1536, "bytes") == "-1.50kB");
  }
  SUBCASE("fixed-point values") {
    CHECK(format_value(250, "count", 2) == "2.50");
    CHECK(format_fixed(12345, 2) == "123.45");
    CHECK(format_fixed(5, 3) == "0.005");
    CHECK(format_fixed(-120, 2) == "-1.2");
  }
  SUBCASE("percentages") {
    CHECK(format_percentage(1, 1) == "  100%");
    CHECK(format_percentage(5, 10) == "50.00%");
    CHECK(format_percentage(5, 1000) == "  0.5%");
    CHECK(format_percentage(0, 0) == "    0%");
  }
  SUBCASE("quantities for tag filters") {
    CHECK(*parse_quantity("64kb", "bytes") == doctest::Approx(65536));
    CHECK(*parse_quantity("1.5ms", "nanoseconds") == doctest::Approx(1.5e6));
    CHECK(*parse_quantity("10", "count") == doctest::Approx(10));
    CHECK_FALSE(parse_quantity("10parsecs", "bytes"));
    CHECK(compatible_units("bytes", "kilobytes"));
    CHECK_FALSE(compatible_units("bytes", "nanoseconds"));
  }
}

TEST_CASE("model::Error formats one line with its location") {
  Error e{ErrorCode::kParse, "bad count", "x.folded", -1, 12};
  CHECK(e.to_string() == "x.folded:12: bad count");
  CHECK(e.exit_code() == 3);
  Error o{ErrorCode::kParse, "truncated header", "perf.data", 128, -1};
  CHECK(o.to_string() == "perf.data: at offset 128 (0x80): truncated header");
}

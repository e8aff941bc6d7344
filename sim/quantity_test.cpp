#include "sim/quantity.hpp"

#include <gtest/gtest.h>

namespace kubetwin::sim {
namespace {

struct Case {
  const char* text;
  Dimension dim;
  double expected_si;
  friend void PrintTo(const Case& c, std::ostream* os) { *os << '"' << c.text << '"'; }
};

class QuantityParse : public ::testing::TestWithParam<Case> {};

TEST_P(QuantityParse, ConvertsToSiBaseUnits) {
  const Case& c = GetParam();
  EXPECT_DOUBLE_EQ(parse_quantity(c.text, c.dim), c.expected_si) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Units, QuantityParse,
    ::testing::Values(Case{"2.5ms", Dimension::Time, 2.5e-3}, Case{"90", Dimension::Time, 90},
                      Case{"3h", Dimension::Time, 10800}, Case{"1.5d", Dimension::Time, 129600},
                      Case{"10m", Dimension::Time, 600}, Case{" 7 s ", Dimension::Time, 7},
                      Case{"80Gi", Dimension::Bytes, 80.0 * 1024 * 1024 * 1024},
                      Case{"80GB", Dimension::Bytes, 80e9}, Case{"64G", Dimension::Bytes, 64e9},
                      Case{"512Mi", Dimension::Bytes, 512.0 * 1024 * 1024},
                      Case{"1e3", Dimension::Bytes, 1000},
                      Case{"400Gbps", Dimension::Bandwidth, 50e9},
                      Case{"900GB/s", Dimension::Bandwidth, 900e9},
                      Case{"25GBps", Dimension::Bandwidth, 25e9},
                      Case{"989TFLOPS", Dimension::FlopRate, 989e12},
                      Case{"1.5e15flops", Dimension::FlopRate, 1.5e15},
                      Case{"2.25Pflop/s", Dimension::FlopRate, 2.25e15},
                      Case{"3.2e18flop", Dimension::Flops, 3.2e18},
                      Case{"4EFLOP", Dimension::Flops, 4e18}));

TEST(QuantityParse, BitsAndBytesAreDistinct) {
  EXPECT_DOUBLE_EQ(parse_quantity("8bps", Dimension::Bandwidth), 1.0);
  EXPECT_DOUBLE_EQ(parse_quantity("8Bps", Dimension::Bandwidth), 8.0);
}

TEST(QuantityParse, RejectsUnknownUnitNamingTheAcceptedOnes) {
  try {
    parse_quantity("80Gx", Dimension::Bytes);
    FAIL() << "expected QuantityError";
  } catch (const QuantityError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown byte size unit \"Gx\""), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("Gi"), std::string::npos);
  }
}

TEST(QuantityParse, RejectsTextWithoutNumber) {
  EXPECT_THROW(parse_quantity("Gi", Dimension::Bytes), QuantityError);
  EXPECT_THROW(parse_quantity("", Dimension::Time), QuantityError);
  EXPECT_THROW(parse_quantity("fast", Dimension::Time), QuantityError);
  EXPECT_THROW(parse_quantity("inf", Dimension::Time), QuantityError);
}

TEST(QuantityParse, WrongDimensionIsAnError) {
  EXPECT_THROW(parse_quantity("400Gbps", Dimension::Bytes), QuantityError);
  EXPECT_THROW(parse_quantity("5ms", Dimension::FlopRate), QuantityError);
}

TEST(TypedQuantity, ArithmeticStaysInBaseUnits) {
  const Duration a = Duration::parse("1m");
  const Duration b = Duration::parse("30s");
  EXPECT_DOUBLE_EQ((a + b).si(), 90);
  EXPECT_DOUBLE_EQ(a / b, 2);
  EXPECT_LT(b, a);
  EXPECT_DOUBLE_EQ(Bytes::parse("1Ki").si(), 1024);
}

TEST(CpuQuantity, ParsesCoresAndMillicores) {
  EXPECT_EQ(parse_cpu_millis("8"), 8000);
  EXPECT_EQ(parse_cpu_millis("2.5"), 2500);
  EXPECT_EQ(parse_cpu_millis("500m"), 500);
  EXPECT_THROW(parse_cpu_millis("2 cores"), QuantityError);
}

TEST(CountQuantity, AcceptsOnlyWholeNonNegativeNumbers) {
  EXPECT_EQ(parse_count("8"), 8);
  EXPECT_THROW(parse_count("8.5"), QuantityError);
  EXPECT_THROW(parse_count("-1"), QuantityError);
}

TEST(FormatDuration, PicksReadableUnits) {
  EXPECT_EQ(format_duration(42), "42s");
  EXPECT_EQ(format_duration(200), "3m 20s");
  EXPECT_EQ(format_duration(5 * 3600 + 120), "5h 02m");
  EXPECT_EQ(format_duration(3 * 86400 + 4 * 3600), "3d 04h");
}

}  // namespace
}  // namespace kubetwin::sim

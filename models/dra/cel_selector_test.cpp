#include "models/dra/cel_selector.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/dra/dra_objects.hpp"

namespace kubetwin::models::dra {
namespace {

constexpr const char* kDriver = "gpu.nvidia.com";

Device h100() {
  Device d;
  d.name = "gpu-0";
  d.attributes = {{"model", std::string("H100")},  // bare name: the driver's domain
                  {"gpu.nvidia.com/index", std::int64_t{0}},
                  {"nvlinkDomain", std::string("nvl-a")},
                  {"mig", false},
                  {"driverVersion", *parse_semver("550.54.15")},
                  {"topology.kubetwin.io/rack", std::string("r7")}};
  d.capacity = {{"memory", *parse_device_quantity("80Gi")}};
  return d;
}

CelSelector parse_ok(const std::string& expr) {
  auto r = CelSelector::parse(expr);
  if (auto* e = std::get_if<CelParseError>(&r)) ADD_FAILURE() << expr << ": " << e->describe();
  return std::get<CelSelector>(r);
}

struct EvalCase {
  const char* expr;
  bool matches;
  const char* error = nullptr;  // expected runtime error, if any
};

TEST(CelSelector, EvaluatesTheDraSubsetOnADevice) {
  const std::vector<EvalCase> cases = {
      {"device.driver == \"gpu.nvidia.com\"", true},
      {"device.driver != 'gpu.nvidia.com'", false},
      {"device.attributes[\"gpu.nvidia.com\"].model == \"H100\"", true},
      {"device.attributes['gpu.nvidia.com']['model'] == 'A100'", false},
      {"device.attributes[\"gpu.nvidia.com\"].index == 0", true},
      {"device.attributes[\"gpu.nvidia.com\"].index >= 1", false},
      {"device.attributes[\"topology.kubetwin.io\"].rack in [\"r6\", \"r7\"]", true},
      {"device.attributes[\"gpu.nvidia.com\"].model in ['A100', 'B200']", false},
      {"!device.attributes[\"gpu.nvidia.com\"].mig", true},
      {"device.attributes[\"gpu.nvidia.com\"].mig == false && device.driver == \"gpu.nvidia.com\"", true},
      {"device.attributes[\"gpu.nvidia.com\"].model == \"A100\" || device.attributes[\"gpu.nvidia.com\"].model == \"H100\"", true},
      {"(1 + 2) * 3 == 9 && 7 % 4 == 3 && 10 / 3 == 3 && -2 < 0", true},
      {"device.capacity[\"gpu.nvidia.com\"].memory.compareTo(quantity(\"40Gi\")) >= 0", true},
      {"device.capacity[\"gpu.nvidia.com\"].memory.isLessThan(quantity(\"80Gi\"))", false},
      {"device.capacity[\"gpu.nvidia.com\"].memory == quantity(\"80Gi\")", true},
      {"device.capacity[\"gpu.nvidia.com\"].memory.asInteger() == 85899345920", true},
      {"device.attributes[\"gpu.nvidia.com\"].driverVersion.isGreaterThan(semver(\"535.0.0\"))", true},
      {"device.attributes[\"gpu.nvidia.com\"].driverVersion.major() == 550", true},
      {"has(device.attributes[\"gpu.nvidia.com\"].model)", true},
      {"has(device.attributes[\"gpu.nvidia.com\"].migProfile)", false},
      {"\"model\" in device.attributes[\"gpu.nvidia.com\"]", true},
      {"\"other.example.com\" in device.attributes", false},
      {"device.attributes[\"gpu.nvidia.com\"].model.startsWith(\"H1\") && size(device.driver) == 14", true},
      {"device.attributes[\"gpu.nvidia.com\"].nvlinkDomain == 'nvl-a' ? true : false", true},
      {"1 == 'one'", false},  // heterogeneous equality is false, not an error
      // Runtime errors: a missing attribute, an unknown domain (an empty map), a type mismatch.
      {"device.attributes[\"gpu.nvidia.com\"].migProfile == \"1g.10gb\"", false, "no such key"},
      {"device.attributes[\"other.example.com\"].model == \"x\"", false, "no such key"},
      {"device.attributes[\"gpu.nvidia.com\"].model > 3", false, "no such overload"},
      {"device.capacity[\"gpu.nvidia.com\"].memory > quantity(\"1Gi\")", false, "no such overload"},
      {"1 / 0 == 0", false, "division by zero"},
      // && and || absorb an error when the other side decides.
      {"device.driver == \"other\" && device.attributes[\"gpu.nvidia.com\"].nope == 1", false},
      {"device.attributes[\"gpu.nvidia.com\"].nope == 1 || device.driver == \"gpu.nvidia.com\"", true},
  };
  const Device d = h100();
  for (const auto& c : cases) {
    const CelResult r = parse_ok(c.expr).evaluate(d, kDriver);
    EXPECT_EQ(r.matches, c.matches) << c.expr;
    if (c.error == nullptr) {
      EXPECT_TRUE(r.ok()) << c.expr << ": " << r.error;
    } else {
      ASSERT_FALSE(r.ok()) << c.expr;
      EXPECT_STREQ(r.error, c.error) << c.expr;
    }
  }
}

struct ParseErrorCase {
  const char* expr;
  std::size_t position;
  const char* message_part;
};

TEST(CelSelector, ReportsParseErrorsWithTheirPosition) {
  const std::vector<ParseErrorCase> cases = {
      {"", 0, "empty expression"},
      {"dev.driver == 'x'", 0, "undeclared reference to 'dev'"},
      {"device.drvier == 'x'", 7, "undefined field 'drvier'"},
      {"device.driver == \"x", 17, "unterminated string"},
      {"device.driver == 'x' &&", 23, "unexpected end"},
      {"device.driver = 'x'", 14, "unexpected '='"},
      {"(device.driver == 'x'", 21, "expected ')'"},
      {"device.attributes['d'].x.lowerAscii() == 'a'", 25, "undeclared method 'lowerAscii'"},
      {"matches(device.driver, 'x')", 0, "undeclared function 'matches'"},
      {"device.capacity['d'].m.compareTo(quantity('40 Gi')) > 0", 42, "invalid quantity"},
      {"semver('1.2') == semver('1.2.0')", 7, "invalid semantic version"},
      {"1.5 > 1", 0, "only int literals"},
      {"device.driver", 0, "must evaluate to bool"},
      {"42", 0, "must evaluate to bool"},
      {"has(device)", 0, "has() needs a field selection"},
  };
  for (const auto& c : cases) {
    auto r = CelSelector::parse(c.expr);
    auto* e = std::get_if<CelParseError>(&r);
    ASSERT_NE(e, nullptr) << c.expr << " should not parse";
    EXPECT_EQ(e->position, c.position) << c.expr << ": " << e->message;
    EXPECT_NE(e->message.find(c.message_part), std::string::npos) << c.expr << ": " << e->message;
  }
}

TEST(CelSelector, DescribesErrorsWithOneBasedColumns) {
  auto r = CelSelector::parse("device.driver == x");
  ASSERT_TRUE(std::holds_alternative<CelParseError>(r));
  EXPECT_EQ(std::get<CelParseError>(r).describe(), "column 18: undeclared reference to 'x' (the only variable is 'device')");
}

TEST(CelSelector, BareAttributeNamesBelongToTheSlicesDriver) {
  // The same device published by another driver: "model" now lives in that driver's domain.
  const CelSelector s = parse_ok("device.attributes[\"gpu.nvidia.com\"].model == \"H100\"");
  EXPECT_TRUE(s.evaluate(h100(), "gpu.nvidia.com").matches);
  const CelResult other = s.evaluate(h100(), "example.com");
  EXPECT_FALSE(other.matches);
  EXPECT_FALSE(other.ok());
}

TEST(DeviceValues, ParsesKubernetesQuantitiesExactly) {
  EXPECT_EQ(parse_device_quantity("80Gi")->milli, 80LL * 1024 * 1024 * 1024 * 1000);
  EXPECT_EQ(parse_device_quantity("40G")->milli, 40'000'000'000'000LL);
  EXPECT_EQ(parse_device_quantity("500m")->milli, 500);
  EXPECT_EQ(parse_device_quantity("1.5")->milli, 1500);
  EXPECT_EQ(parse_device_quantity("1e3")->milli, 1'000'000);
  EXPECT_EQ(parse_device_quantity("1n")->milli, 1);  // rounds up, as MilliValue
  EXPECT_EQ(parse_device_quantity("-2k")->milli, -2'000'000);
  EXPECT_FALSE(parse_device_quantity("80 Gi"));
  EXPECT_FALSE(parse_device_quantity("Gi"));
  EXPECT_FALSE(parse_device_quantity("80Xi"));
  EXPECT_FALSE(parse_device_quantity("100Ei"));  // beyond milli-unit int64
}

TEST(DeviceValues, OrdersSemanticVersionsBySemverPrecedence) {
  auto v = [](const char* s) { return *parse_semver(s); };
  EXPECT_LT(v("1.2.3"), v("1.10.0"));
  EXPECT_LT(v("1.0.0-alpha"), v("1.0.0"));
  EXPECT_LT(v("1.0.0-alpha.1"), v("1.0.0-alpha.beta"));
  EXPECT_LT(v("1.0.0-2"), v("1.0.0-10"));
  EXPECT_EQ(v("1.0.0+build.5"), v("1.0.0"));
  EXPECT_FALSE(parse_semver("1.2"));
  EXPECT_FALSE(parse_semver("01.2.3"));
  EXPECT_FALSE(parse_semver("1.2.3-"));
}

}  // namespace
}  // namespace kubetwin::models::dra

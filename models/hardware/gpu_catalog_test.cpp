#include "models/hardware/gpu_catalog.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

// Builders for catalog documents: a valid entry, edited per test.
nlohmann::json gpu_entry(const std::string& name) {
  return {{"name", name},
          {"memory", "80GB"},
          {"memoryBandwidth", "3.35TB/s"},
          {"peak", {{"bf16", "989.4TFLOPS"}, {"fp8", "1978.9TFLOPS"}}},
          {"nvlinkBandwidth", "900GB/s"},
          {"tdpWatts", 700}};
}

nlohmann::json catalog_doc(std::vector<nlohmann::json> entries) {
  return {{"gpus", nlohmann::json(std::move(entries))}};
}

// The lines of the InputError that parsing `text` throws; empty if it does not throw.
std::vector<std::string> parse_errors(const std::string& text) {
  try {
    GpuCatalog::parse(text, "my-gpus.json");
  } catch (const sim::InputError& e) {
    return e.lines();
  }
  return {};
}

TEST(GpuCatalog, BuiltinHasTheDatacenterGpusWithDatasheetFigures) {
  struct Expected {
    const char* name;
    double memory_bytes;
    double memory_bandwidth;
    double bf16, fp16, fp8, tf32, fp64;
    double nvlink_bandwidth;
    double tdp_watts;
  };
  const std::vector<Expected> table{
      {"A100-SXM-80GB", 80e9, 2.039e12, 312e12, 312e12, 0, 156e12, 19.5e12, 600e9, 400},
      {"H100-SXM-80GB", 80e9, 3.35e12, 989.4e12, 989.4e12, 1978.9e12, 494.7e12, 67e12, 900e9, 700},
      {"H200-SXM-141GB", 141e9, 4.8e12, 989.4e12, 989.4e12, 1978.9e12, 494.7e12, 67e12, 900e9, 700},
      {"B200-SXM-180GB", 180e9, 8e12, 2250e12, 2250e12, 4500e12, 1125e12, 37e12, 1.8e12, 1000},
  };
  const GpuCatalog& catalog = GpuCatalog::builtin();
  for (const auto& e : table) {
    SCOPED_TRACE(e.name);
    const GpuSpec* gpu = catalog.find(e.name);
    ASSERT_NE(gpu, nullptr);
    EXPECT_EQ(gpu->name, e.name);
    EXPECT_DOUBLE_EQ(gpu->memory_bytes, e.memory_bytes);
    EXPECT_DOUBLE_EQ(gpu->memory_bandwidth, e.memory_bandwidth);
    EXPECT_DOUBLE_EQ(gpu->peak("bf16"), e.bf16);
    EXPECT_DOUBLE_EQ(gpu->peak("fp16"), e.fp16);
    EXPECT_DOUBLE_EQ(gpu->peak("fp8"), e.fp8);
    EXPECT_DOUBLE_EQ(gpu->peak("tf32"), e.tf32);
    EXPECT_DOUBLE_EQ(gpu->peak("fp64"), e.fp64);
    EXPECT_DOUBLE_EQ(gpu->nvlink_bandwidth, e.nvlink_bandwidth);
    EXPECT_DOUBLE_EQ(gpu->tdp_watts, e.tdp_watts);
  }
}

TEST(GpuCatalog, BuiltinListsItsModelsInFileOrder) {
  EXPECT_EQ(GpuCatalog::builtin().names(),
            "A100-SXM-80GB, H100-SXM-80GB, H200-SXM-141GB, B200-SXM-180GB");
  EXPECT_EQ(GpuCatalog::builtin().gpus().size(), 4u);
}

TEST(GpuCatalog, BuiltinIsOneSharedInstance) {
  EXPECT_EQ(&GpuCatalog::builtin(), &GpuCatalog::builtin());
}

TEST(GpuCatalog, FindReturnsNullForAnUnknownModel) {
  EXPECT_EQ(GpuCatalog::builtin().find("H100"), nullptr);  // names are exact
  EXPECT_EQ(GpuCatalog::builtin().find(""), nullptr);
  EXPECT_EQ(GpuCatalog::builtin().find("h100-sxm-80gb"), nullptr);
}

TEST(GpuCatalog, PeakIsZeroForADataTypeTheGpuLacks) {
  const GpuSpec* a100 = GpuCatalog::builtin().find("A100-SXM-80GB");
  ASSERT_NE(a100, nullptr);
  EXPECT_EQ(a100->peak("fp8"), 0.0);
  EXPECT_EQ(a100->peak("fp4"), 0.0);
  EXPECT_DOUBLE_EQ(GpuCatalog::builtin().find("B200-SXM-180GB")->peak("fp4"), 9000e12);
}

TEST(GpuCatalog, ParseReadsUnitsIntoSiValuesAndDefaultsOptionalFields) {
  nlohmann::json minimal = gpu_entry("X1");
  minimal.erase("nvlinkBandwidth");
  minimal.erase("tdpWatts");
  minimal["memory"] = "96GiB";
  minimal["memoryBandwidth"] = "4000GB/s";
  minimal["peak"] = {{"bf16", "1.5PFLOPS"}, {"int8", 3e15}};
  const GpuCatalog catalog = GpuCatalog::parse(catalog_doc({minimal}).dump(), "my-gpus.json");
  ASSERT_EQ(catalog.gpus().size(), 1u);
  const GpuSpec& g = catalog.gpus()[0];
  EXPECT_EQ(g.name, "X1");
  EXPECT_DOUBLE_EQ(g.memory_bytes, 96.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(g.memory_bandwidth, 4e12);
  EXPECT_DOUBLE_EQ(g.peak("bf16"), 1.5e15);
  EXPECT_DOUBLE_EQ(g.peak("int8"), 3e15);  // a bare number is in FLOP/s
  EXPECT_EQ(g.nvlink_bandwidth, 0.0);
  EXPECT_EQ(g.tdp_watts, 0.0);
}

TEST(GpuCatalog, ParseAcceptsACommentAtTheTop) {
  nlohmann::json doc = catalog_doc({gpu_entry("X1"), gpu_entry("X2")});
  doc["_comment"] = "figures from datasheets";
  const GpuCatalog catalog = GpuCatalog::parse(doc.dump(), "my-gpus.json");
  EXPECT_EQ(catalog.names(), "X1, X2");
}

TEST(GpuCatalog, ParseRejectsInvalidInputNamingSourceAndJsonPointer) {
  struct Case {
    const char* what;
    std::string text;
    std::string expected_first_line;  // exact, or a prefix with prefix_only
    bool prefix_only = false;
  };
  auto with = [](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json doc = catalog_doc({gpu_entry("X1"), gpu_entry("X2")});
    edit(doc);
    return doc.dump();
  };
  const std::vector<Case> table{
      {"unknown field in an entry", with([](auto& d) { d["gpus"][1]["clockMhz"] = 1980; }),
       "my-gpus.json: /gpus/1/clockMhz: is not a known field"},
      {"unknown field at the top", with([](auto& d) { d["version"] = 2; }),
       "my-gpus.json: /version: is not a known field"},
      {"duplicate name", with([](auto& d) { d["gpus"][1]["name"] = "X1"; }),
       "my-gpus.json: /gpus/1/name: duplicate GPU \"X1\""},
      {"missing name", with([](auto& d) { d["gpus"][0].erase("name"); }),
       "my-gpus.json: /gpus/0/name: is required"},
      {"missing memory bandwidth", with([](auto& d) { d["gpus"][0].erase("memoryBandwidth"); }),
       "my-gpus.json: /gpus/0/memoryBandwidth: is required"},
      {"missing peak", with([](auto& d) { d["gpus"][0].erase("peak"); }),
       "my-gpus.json: /gpus/0/peak: is required"},
      {"missing gpus list", nlohmann::json{{"_comment", "x"}}.dump(),
       "my-gpus.json: /gpus: is required"},
      {"peak in the wrong dimension", with([](auto& d) { d["gpus"][0]["peak"]["bf16"] = "989GB"; }),
       "my-gpus.json: /gpus/0/peak/bf16: ", true},
      {"memory not a size", with([](auto& d) { d["gpus"][0]["memory"] = "lots"; }),
       "my-gpus.json: /gpus/0/memory: ", true},
      {"entry not an object", with([](auto& d) { d["gpus"][1] = "H100"; }),
       "my-gpus.json: /gpus/1: must be an object", true},
      {"not JSON at all", "{\"gpus\": [", "my-gpus.json: not valid JSON", true},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    const std::vector<std::string> lines = parse_errors(c.text);
    ASSERT_FALSE(lines.empty()) << "parse accepted: " << c.text;
    if (c.prefix_only) {
      EXPECT_EQ(lines[0].rfind(c.expected_first_line, 0), 0u) << lines[0];
    } else {
      EXPECT_EQ(lines[0], c.expected_first_line);
    }
  }
}

TEST(GpuCatalog, ParseReportsEveryProblemAtOnce) {
  nlohmann::json doc = catalog_doc({gpu_entry("X1"), gpu_entry("X1"), gpu_entry("X3")});
  doc["gpus"][0]["colour"] = "green";
  doc["gpus"][2].erase("memory");
  try {
    GpuCatalog::parse(doc.dump(), "my-gpus.json");
    FAIL() << "expected sim::InputError";
  } catch (const sim::InputError& e) {
    const std::vector<std::string> expected{
        "my-gpus.json: /gpus/0/colour: is not a known field",
        "my-gpus.json: /gpus/1/name: duplicate GPU \"X1\"",
        "my-gpus.json: /gpus/2/memory: is required",
    };
    EXPECT_EQ(e.lines(), expected);
    EXPECT_EQ(std::string(e.what()), expected[0]);
  }
}

TEST(GpuCatalog, BuiltinHasFp32AndStreamingMultiprocessorsForEveryGpu) {
  struct Expected {
    const char* name;
    double fp32;
    int sms;
  };
  const std::vector<Expected> table{{"A100-SXM-80GB", 19.5e12, 108}, {"H100-SXM-80GB", 67e12, 132},
                                    {"H200-SXM-141GB", 67e12, 132}, {"B200-SXM-180GB", 75e12, 148}};
  for (const auto& e : table) {
    SCOPED_TRACE(e.name);
    const GpuSpec* gpu = GpuCatalog::builtin().find(e.name);
    ASSERT_NE(gpu, nullptr);
    EXPECT_DOUBLE_EQ(gpu->peak("fp32"), e.fp32);
    EXPECT_EQ(gpu->streaming_multiprocessors, e.sms);
    EXPECT_DOUBLE_EQ(gpu->nvlink_bandwidth_per_direction(), gpu->nvlink_bandwidth / 2);
  }
}

TEST(GpuCatalog, StreamingMultiprocessorsAreOptionalAndMustBePositive) {
  nlohmann::json entry = gpu_entry("X1");
  EXPECT_EQ(GpuCatalog::parse(catalog_doc({entry}).dump(), "my-gpus.json").gpus()[0].streaming_multiprocessors, 0);
  entry["streamingMultiprocessors"] = 0;
  const std::vector<std::string> lines = parse_errors(catalog_doc({entry}).dump());
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0].rfind("my-gpus.json: /gpus/0/streamingMultiprocessors: ", 0), 0u) << lines[0];
}

}  // namespace
}  // namespace kubetwin::models

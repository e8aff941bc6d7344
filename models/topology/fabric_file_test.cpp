#include "models/topology/fabric_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

nlohmann::json valid_doc() {
  return {{"topology", "railOptimized"}, {"nodes", 64},           {"gpuModel", "H200-SXM-141GB"},
          {"nicBandwidth", "400Gbps"},   {"nodesPerPod", 32},     {"spinesPerPod", 8},
          {"oversubscription", "2:1"},   {"planes", 2},           {"latency", {{"network", "600ns"}}}};
}

std::vector<std::string> errors(const nlohmann::json& doc) {
  try {
    read_fabric_spec(doc, "fabric.json");
  } catch (const sim::InputError& e) {
    return e.lines();
  }
  return {};
}

TEST(FabricFile, ReadsEveryFieldWithUnits) {
  const FabricSpec s = read_fabric_spec(valid_doc(), "fabric.json");
  EXPECT_EQ(s.kind, FabricKind::RailOptimized);
  EXPECT_EQ(s.nodes, 64);
  EXPECT_EQ(s.gpu_model, "H200-SXM-141GB");
  EXPECT_EQ(s.nvlink_domain_gpus, 8);  // defaults to one server
  EXPECT_DOUBLE_EQ(s.nic_bandwidth, 50e9);
  EXPECT_EQ(s.spines_per_pod, 8);
  EXPECT_DOUBLE_EQ(s.oversubscription, 2.0);
  EXPECT_EQ(s.planes, 2);
  EXPECT_DOUBLE_EQ(s.network_latency, 600e-9);
  EXPECT_EQ(build_fabric(s).gpus().size(), 512u);
}

TEST(FabricFile, ReportsEveryProblemWithItsJsonPointer) {
  struct Case {
    const char* what;
    std::function<void(nlohmann::json&)> edit;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"unknown key", [](auto& d) { d["leafs"] = 3; }, "fabric.json: /leafs: is not a known field"},
      {"missing topology", [](auto& d) { d.erase("topology"); }, "fabric.json: /topology: is required"},
      {"bad topology", [](auto& d) { d["topology"] = "torus"; },
       "fabric.json: /topology: must be one of railOptimized, fatTree, got \"torus\""},
      {"ratio below one", [](auto& d) { d["oversubscription"] = "1:2"; },
       "fabric.json: /oversubscription: must be a downlink:uplink ratio of at least 1 such as \"2:1\" or a number, got \"1:2\""},
      {"bad unit", [](auto& d) { d["nicBandwidth"] = "400furlongs"; }, "fabric.json: /nicBandwidth: "},
      {"unknown gpu", [](auto& d) { d["gpuModel"] = "TPU-v5"; }, "fabric.json: /gpuModel: unknown GPU model \"TPU-v5\""},
      {"leaf size on rails", [](auto& d) { d["nodesPerLeaf"] = 2; }, "fabric.json: /nodesPerLeaf: applies only to"},
      {"domain not whole servers", [](auto& d) { d["nvlinkDomainGpus"] = 12; },
       "fabric.json: /nvlinkDomainGpus: must be a multiple of gpusPerNode (8), got 12"},
      {"nested unknown key", [](auto& d) { d["latency"]["core"] = "1us"; }, "fabric.json: /latency/core: is not a known field"},
      {"zero nodes", [](auto& d) { d["nodes"] = 0; }, "fabric.json: /nodes: must be at least 1, got 0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    nlohmann::json doc = valid_doc();
    c.edit(doc);
    const auto lines = errors(doc);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind(c.expected, 0), 0u) << lines[0];
  }
  // All problems at once.
  nlohmann::json doc = valid_doc();
  doc["nodes"] = -1;
  doc["planes"] = "two";
  EXPECT_EQ(errors(doc).size(), 2u);
}

TEST(FabricFile, BadJsonNamesTheLine) {
  const auto path = std::filesystem::temp_directory_path() / "kubetwin_fabric_file_test.json";
  std::ofstream(path) << "{\n  \"topology\": \"fatTree\",\n  \"nodes\": 4,,\n}\n";
  try {
    load_fabric_file(path);
    FAIL() << "no error";
  } catch (const sim::InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ":3: not valid JSON", 0), 0u) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace kubetwin::models

#include "models/gpushare/openb_trace.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "sim/input_error.hpp"

// The openb readers (../shared/reference/fgd-protocol.md, 1.1): valid node and pod lists, and
// bad input reported as "<path>:<line>: <column>: ...".

namespace kubetwin::models::gpushare {
namespace {

// --- builders -------------------------------------------------------------------------------

constexpr const char* kNodeHeader = "sn,cpu_milli,memory_mib,gpu,model";
constexpr const char* kPodHeader =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_"
    "time,"
    "scheduled_time";
constexpr const char* kShortPodHeader = "name,cpu_milli,memory_mib,num_gpu,gpu_milli";

/// A CSV file in the test's temporary folder, removed afterwards.
class CsvFile {
 public:
  explicit CsvFile(const std::vector<std::string>& lines, const std::string& eol = "\n") {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) /
            (std::string(info->name()) + "-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter_++) + ".csv");
    std::ofstream out(path_, std::ios::binary);
    for (const auto& l : lines) out << l << eol;
  }
  ~CsvFile() { std::filesystem::remove(path_); }
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

/// The InputError message `read` throws for `file`, or "" if it reads the file.
std::string error_of(const std::function<void(const std::string&)>& read, const CsvFile& file) {
  try {
    read(file.path());
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

void read_nodes(const std::string& path) { read_openb_nodes(path); }
void read_pods(const std::string& path) { read_openb_pods(path); }

struct BadInput {
  const char* what;
  std::vector<std::string> lines;
  std::string prefix;  // after "<path>:"
};

void expect_errors(const std::function<void(const std::string&)>& read,
                   const std::vector<BadInput>& table) {
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    const CsvFile file(c.lines);
    const std::string message = error_of(read, file);
    const std::string expected = file.path() + ":" + c.prefix;
    EXPECT_EQ(message.substr(0, expected.size()), expected) << message;
  }
}

// --- node list ------------------------------------------------------------------------------

TEST(OpenbNodes, ReadsTheNodeList) {
  const CsvFile file({kNodeHeader, "openb-node-0000,64000,262144,2,P100",
                      "openb-node-0001,96000,786432,8,G2", "openb-node-0002,32000,65536,0,"});
  const auto nodes = read_openb_nodes(file.path());
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].name, "openb-node-0000");
  EXPECT_EQ(nodes[0].cpu_milli, 64000);
  EXPECT_EQ(nodes[0].memory_mib, 262144);
  EXPECT_EQ(nodes[0].gpus, 2);
  EXPECT_EQ(nodes[0].model, "P100");
  EXPECT_EQ(nodes[1].gpus, 8);
  EXPECT_EQ(nodes[1].model, "G2");
  EXPECT_EQ(nodes[2].gpus, 0);  // a CPU-only node needs no model
  EXPECT_EQ(nodes[2].model, "");
}

TEST(OpenbNodes, AcceptsCrlfAndBlankLines) {
  const CsvFile file({kNodeHeader, "n0,64000,262144,2,T4", "", "n1,64000,262144,1,T4"}, "\r\n");
  const auto nodes = read_openb_nodes(file.path());
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].model, "T4");  // no trailing '\r'
  EXPECT_EQ(nodes[1].name, "n1");
}

TEST(OpenbNodes, BadInputNamesFileLineAndColumn) {
  expect_errors(
      read_nodes,
      {
          {"non-numeric cpu_milli", {kNodeHeader, "n0,64k,262144,2,P100"}, "2: cpu_milli: "},
          {"non-numeric memory", {kNodeHeader, "n0,64000,lots,2,P100"}, "2: memory_mib: "},
          {"fractional gpu count", {kNodeHeader, "n0,64000,262144,1.5,P100"}, "2: gpu: "},
          {"9 GPUs", {kNodeHeader, "n0,64000,262144,9,P100"}, "2: gpu: "},
          {"negative GPUs", {kNodeHeader, "n0,64000,262144,-1,P100"}, "2: gpu: "},
          {"zero CPU", {kNodeHeader, "n0,0,262144,1,P100"}, "2: cpu_milli: "},
          {"GPU node without model", {kNodeHeader, "n0,64000,262144,2,"}, "2: model: "},
          {"empty name", {kNodeHeader, ",64000,262144,2,P100"}, "2: sn: "},
          {"duplicate node name on line 3",
           {kNodeHeader, "n0,64000,262144,2,P100", "n0,64000,262144,2,P100"},
           "3: sn: "},
          {"line numbers count blank lines",
           {kNodeHeader, "n0,64000,262144,2,P100", "", "n1,64000,262144,x,P100"},
           "4: gpu: "},
          {"bad header", {"sn,cpu,memory_mib,gpu,model", "n0,64000,262144,2,P100"}, "1: "},
          {"pod header for a node list", {kShortPodHeader}, "1: "},
          {"empty file", {}, "1: "},
      });
}

TEST(OpenbNodes, WrongFieldCountNamesFileAndLine) {
  // No single column is at fault: the message names the line and both counts.
  const CsvFile file({kNodeHeader, "n0,64000,262144,2"});
  EXPECT_EQ(error_of(read_nodes, file), file.path() + ":2: expected 5 fields, got 4");
  const CsvFile extra({kNodeHeader, "n0,64000,262144,2,P100,x"});
  EXPECT_EQ(error_of(read_nodes, extra), extra.path() + ":2: expected 5 fields, got 6");
}

TEST(OpenbNodes, MissingFileIsInputError) {
  const std::string path =
      ::testing::TempDir() + "/no-such-openb-" + std::to_string(::getpid()) + ".csv";
  try {
    read_openb_nodes(path);
    FAIL() << "no error";
  } catch (const sim::InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
  }
}

// --- pod lists ------------------------------------------------------------------------------

TEST(OpenbPods, ReadsTheElevenColumnLayout) {
  const CsvFile file({kPodHeader, "openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0",
                      "openb-pod-0001,6000,12288,1,460,,LS,Running,427061,12902960,427061",
                      "openb-pod-0002,4000,8192,0,0,,BE,Running,1,2,3",
                      "openb-pod-0003,8000,30720,2,1000,V100M16|V100M32,LS,Running,1,2,3",
                      "openb-pod-0004,88000,327680,8,1000,G2,LS,Running,1,2,3"});
  const auto pods = read_openb_pods(file.path());
  ASSERT_EQ(pods.size(), 5u);
  EXPECT_EQ(pods[0].name, "openb-pod-0000");
  EXPECT_EQ(pods[0].cpu_milli, 12000);
  EXPECT_EQ(pods[0].memory_mib, 16384);
  EXPECT_EQ(pods[0].num_gpu, 1);
  EXPECT_EQ(pods[0].gpu_milli, 1000);
  EXPECT_TRUE(pods[0].gpu_spec.empty());  // any model
  EXPECT_FALSE(pods[0].fractional());
  EXPECT_EQ(pods[1].gpu_milli, 460);
  EXPECT_TRUE(pods[1].fractional());
  EXPECT_EQ(pods[1].gpu_request_milli(), 460);
  EXPECT_EQ(pods[2].num_gpu, 0);  // CPU-only
  EXPECT_EQ(pods[2].gpu_request_milli(), 0);
  EXPECT_EQ(pods[3].gpu_spec, (std::vector<std::string>{"V100M16", "V100M32"}));
  EXPECT_EQ(pods[3].gpu_request_milli(), 2000);
  EXPECT_EQ(pods[4].gpu_spec, (std::vector<std::string>{"G2"}));
  EXPECT_EQ(pods[4].gpu_request_milli(), 8000);
}

TEST(OpenbPods, ReadsTheFiveColumnMultigpuLayout) {
  const CsvFile file({kShortPodHeader, "p0,12000,16384,1,1000", "p1,6000,12288,1,460",
                      "p2,4000,0,0,0", "p3,32000,65536,4,1000"},
                     "\r\n");
  const auto pods = read_openb_pods(file.path());
  ASSERT_EQ(pods.size(), 4u);
  EXPECT_EQ(pods[1].gpu_milli, 460);
  EXPECT_EQ(pods[2].memory_mib, 0);
  EXPECT_EQ(pods[3].num_gpu, 4);
  EXPECT_EQ(pods[3].gpu_request_milli(), 4000);
  for (const auto& p : pods) EXPECT_TRUE(p.gpu_spec.empty());
}

TEST(OpenbPods, BadInputNamesFileLineAndColumn) {
  const std::string ok = "p0,12000,16384,1,1000,,LS,Running,0,1,0";
  expect_errors(
      read_pods,
      {
          {"non-numeric cpu_milli",
           {kPodHeader, "p0,12k,16384,1,1000,,LS,Running,0,1,0"},
           "2: cpu_milli: "},
          {"non-numeric memory", {kShortPodHeader, "p0,12000,abc,1,1000"}, "2: memory_mib: "},
          {"negative CPU", {kShortPodHeader, "p0,-1,16384,1,1000"}, "2: cpu_milli: "},
          {"gpu_milli 0 with num_gpu 1", {kShortPodHeader, "p0,12000,16384,1,0"}, "2: gpu_milli: "},
          {"gpu_milli without GPUs", {kShortPodHeader, "p0,12000,16384,0,500"}, "2: gpu_milli: "},
          {"gpu_milli above a GPU", {kShortPodHeader, "p0,12000,16384,1,1200"}, "2: gpu_milli: "},
          {"multi-GPU pod with gpu_milli < 1000",
           {kShortPodHeader, "p0,12000,16384,2,500"},
           "2: gpu_milli: "},
          {"multi-GPU pod with gpu_milli 999",
           {kPodHeader, "p0,12000,16384,8,999,,LS,Running,0,1,0"},
           "2: gpu_milli: "},
          {"num_gpu 9", {kShortPodHeader, "p0,12000,16384,9,1000"}, "2: num_gpu: "},
          {"non-numeric num_gpu", {kShortPodHeader, "p0,12000,16384,one,1000"}, "2: num_gpu: "},
          {"empty model in gpu_spec",
           {kPodHeader, "p0,12000,16384,1,1000,G2|,LS,Running,0,1,0"},
           "2: gpu_spec: "},
          {"error on line 3 after a good line",
           {kPodHeader, ok, "p1,1,1,1,x,,LS,Running,0,1,0"},
           "3: gpu_milli: "},
          {"bad header", {"name,cpu_milli,memory_mib,num_gpu,gpu", "p0,12000,16384,1,1000"}, "1: "},
          {"node header for a pod list", {kNodeHeader, "n0,64000,262144,2,P100"}, "1: "},
          {"empty file", {}, "1: "},
      });
}

TEST(OpenbPods, WrongFieldCountNamesFileAndLine) {
  const CsvFile full({kPodHeader, "p0,12000,16384,1,1000"});  // 5 fields under the 11-column header
  EXPECT_EQ(error_of(read_pods, full), full.path() + ":2: expected 11 fields, got 5");
  const CsvFile short_layout({kShortPodHeader, "p0,12000,16384,1,1000,,LS,Running,0,1,0"});
  EXPECT_EQ(error_of(read_pods, short_layout),
            short_layout.path() + ":2: expected 5 fields, got 11");
}

}  // namespace
}  // namespace kubetwin::models::gpushare

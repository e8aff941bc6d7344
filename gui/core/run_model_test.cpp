#include "gui/core/run_model.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "gui/testing/run_folder_builder.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::gui {
namespace {

namespace fs = std::filesystem;
using testing::RunFolderBuilder;

fs::path scratch(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::temp_directory_path() / ("kubetwin-gui-" + std::string(info->name()) + "-" + name);
  fs::remove_all(dir);
  return dir;
}

// Two nodes of 4 GPUs: a 2-GPU job on node 0 from 10 to 100, a 4-GPU job that waits, then runs on
// node 1 from 20 to 50 and is preempted, and restarts on node 1 at 60 until 90.
RunFolderBuilder two_node_run(const fs::path& dir) {
  RunFolderBuilder b(dir, 2, 4);
  b.submit(0, "a", 1, 2).submit(5, "b", 1, 4).unschedulable(5, "b", "0/2 nodes are available: 2 Insufficient nvidia.com/gpu.")
      .filter_rejected(5, "b", 0, "NodeResourcesFit", "Insufficient nvidia.com/gpu")
      .filter_rejected(5, "b", 1, "NodeResourcesFit", "Insufficient nvidia.com/gpu")
      .bind(10, "a", 0, 0, {0, 1}).start(10, "a", 10)
      .bind(20, "b", 0, 1, {0, 1, 2, 3}).start(20, "b", 15)
      .preempt(50, "b", "c", 1)
      .bind(60, "b", 0, 1, {0, 1, 2, 3}).start(60, "b", 55)
      .complete(90, "b", 85, 30).complete(100, "a", 100, 90)
      .series_row(0, 0, 1, 0).series_row(60, 6, 0, 2).series_row(100, 0, 0, 0);
  return b;
}

TEST(RunModel, LoadsNodesCellsAndJobs) {
  const RunModel m = RunModel::load(two_node_run(scratch("run")).write(100));
  EXPECT_EQ(m.nodes().size(), 2u);
  EXPECT_EQ(m.cell_count(), 8u);
  EXPECT_EQ(m.node_of_cell(5), 1u);
  ASSERT_EQ(m.jobs().size(), 2u);
  const Job& b = m.jobs()[static_cast<std::size_t>(m.find_job("b"))];
  EXPECT_EQ(b.outcome, JobOutcome::Completed);
  EXPECT_DOUBLE_EQ(b.first_start, 20);
  EXPECT_EQ(b.run_count, 2u);
  EXPECT_EQ(m.series().size(), 3u);
  EXPECT_EQ(m.pools()[0].zone, "zone-a");
  EXPECT_FALSE(m.topology_inferred());
}

TEST(RunModel, StateAtTimeShowsWhoHoldsEachGpu) {
  const RunModel m = RunModel::load(two_node_run(scratch("run")).write(100));
  const std::int32_t a = m.find_job("a"), b = m.find_job("b");
  EXPECT_EQ(m.state_at(5).busy_cells(), 0);
  const ClusterState s30 = m.state_at(30);
  EXPECT_EQ(s30.busy_cells(), 6);
  EXPECT_EQ(s30.cell_job[0], a);
  EXPECT_EQ(s30.cell_job[2], kNoJob);
  EXPECT_EQ(s30.cell_job[4], b);
  EXPECT_EQ(m.state_at(55).busy_cells(), 2);  // b preempted at 50
  EXPECT_EQ(m.state_at(100).busy_cells(), 0);
}

TEST(RunModel, ScrubbingBackAndForthGivesTheSameStateAsAFreshQuery) {
  const RunModel m = RunModel::load(two_node_run(scratch("run")).write(100));
  ClusterState s;
  for (double t : {95.0, 30.0, 55.0, 10.0, 70.0, 0.0}) {
    m.advance(s, t);
    EXPECT_EQ(s.cell_job, m.state_at(t).cell_job) << "t=" << t;
  }
}

TEST(RunModel, CheckpointsKeepLongRunsExact) {
  // More changes than one checkpoint interval: jobs of 1 GPU cycling over 8 cells.
  RunFolderBuilder b(scratch("long"), 1, 8);
  const int jobs = 40000;
  for (int i = 0; i < jobs; ++i) {
    const std::string id = "j" + std::to_string(i);
    b.submit(i, id, 1, 1).bind(i, id, 0, 0, {i % 8}).start(i, id, 0);
    if (i >= 4) b.complete(i, "j" + std::to_string(i - 4), 4, 4);
  }
  const RunModel m = RunModel::load(b.series_row(0, 0, 0, 0).write(jobs));
  ASSERT_GT(m.changes().size(), 65536u);
  ClusterState s;
  for (double t : {39000.0, 100.0, 20000.5, 20001.0, 39999.0}) {
    m.advance(s, t);
    // Exactly jobs t-3..t hold a GPU at integer time t.
    EXPECT_EQ(s.busy_cells(), 4) << t;
    EXPECT_EQ(s.cell_job[static_cast<std::size_t>(static_cast<int>(t) % 8)], m.find_job("j" + std::to_string(static_cast<int>(t))));
  }
}

TEST(RunModel, PendingJobsAtTimeCarryTheirReasons) {
  const RunModel m = RunModel::load(two_node_run(scratch("run")).write(100));
  EXPECT_EQ(m.pending_at(7), (std::vector<std::int32_t>{m.find_job("a"), m.find_job("b")}));  // a binds at 10
  EXPECT_TRUE(m.pending_at(30).empty());
  EXPECT_EQ(m.pending_at(55), (std::vector<std::int32_t>{m.find_job("b")}));  // preempted, waiting again
  const Job& b = m.jobs()[static_cast<std::size_t>(m.find_job("b"))];
  EXPECT_EQ(b.waiting_reason, "FailedScheduling: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu.");
  EXPECT_EQ(b.plugin_verdicts, (std::vector<std::string>{"NodeResourcesFit: Insufficient nvidia.com/gpu (2 nodes)"}));
}

TEST(RunModel, PodSlicesAndNodeSelection) {
  const RunModel m = RunModel::load(two_node_run(scratch("run")).write(100));
  ASSERT_EQ(m.slices().size(), 3u);
  EXPECT_DOUBLE_EQ(m.slices()[1].stop, 50);
  const auto on_node1 = m.slices_on_node_at(1, 70);
  ASSERT_EQ(on_node1.size(), 1u);
  EXPECT_EQ(m.slices()[on_node1[0]].pod, "b-0");
  EXPECT_EQ(m.slices()[on_node1[0]].gpus, "0,1,2,3");
}

TEST(RunModel, FragmentationCountsFreeGpusOnPartlyUsedNodes) {
  const RunModel m = RunModel::load(two_node_run(scratch("run")).write(100));
  EXPECT_DOUBLE_EQ(m.fragmentation(m.state_at(15)), 2.0 / 6.0);  // node 0: 2 of 4 free; node 1 whole
  EXPECT_DOUBLE_EQ(m.fragmentation(m.state_at(30)), 1.0);         // the only free GPUs are on node 0
  const auto series = m.fragmentation_series(11);
  ASSERT_EQ(series.size(), 11u);
  EXPECT_DOUBLE_EQ(series[3].first, 30);
  EXPECT_DOUBLE_EQ(series[3].second, 1.0);
  EXPECT_EQ(m.sorted_jcts(), (std::vector<double>{85, 100}));
}

TEST(RunModel, InfersTheNodesOfAnOlderRunWithoutTopology) {
  const RunModel m = RunModel::load(two_node_run(scratch("run")).without_topology().write(100));
  EXPECT_TRUE(m.topology_inferred());
  EXPECT_EQ(m.nodes().size(), 2u);
  EXPECT_EQ(m.cell_count(), 8u);  // node 0 showed devices 0-1 only, but its pool has 4 per node
  EXPECT_EQ(m.state_at(30).busy_cells(), 6);
}

TEST(RunModel, NodesCarryTheirFabricPlaceFromTopologyLabels) {
  RunFolderBuilder b(scratch("fabric"), 3, 8);
  b.place(0, "pod0", "pod0.leaf0").place(1, "pod0", "pod0.leaf1").place(2, "pod1", "pod1.leaf0");
  const RunModel m = RunModel::load(b.series_row(0, 0, 0, 0).write(10));
  EXPECT_TRUE(m.has_fabric_places());
  EXPECT_EQ(m.nodes()[1].block, "pod0");
  EXPECT_EQ(m.nodes()[1].leaf, "pod0.leaf1");
  EXPECT_EQ(m.nodes()[2].block, "pod1");
  EXPECT_FALSE(RunModel::load(two_node_run(scratch("plain")).write(100)).has_fabric_places());
}

// Node 1 of 2 is an autoscaler slot: added at 30, runs job "a" from 40 to 60, removed at 70. Job
// "b" holds 2 GPUs of node 0 from 75 on.
RunFolderBuilder autoscaled_run(const fs::path& dir) {
  RunFolderBuilder b(dir, 2, 4);
  b.slot(1).submit(0, "a", 1, 4).node_added(30, 1).bind(40, "a", 0, 1, {0, 1, 2, 3}).start(40, "a", 40)
      .complete(60, "a", 60, 20).scale_down(70, 1).submit(75, "b", 1, 2).bind(75, "b", 0, 0, {0, 1}).start(75, "b", 0)
      .series_row(0, 0, 1, 0);
  return b;
}

TEST(RunModel, AutoscalerNodesExistBetweenNodeAddedAndScaleDown) {
  const RunModel m = RunModel::load(autoscaled_run(scratch("run")).write(100));
  EXPECT_TRUE(m.nodes()[0].exists_at_start);
  EXPECT_FALSE(m.nodes()[1].exists_at_start);
  ASSERT_EQ(m.node_changes().size(), 2u);
  using Exists = std::vector<std::uint8_t>;
  EXPECT_EQ(m.state_at(10).node_exists, (Exists{1, 0}));
  EXPECT_EQ(m.state_at(30).node_exists, (Exists{1, 1}));  // changes at exactly t are applied
  EXPECT_EQ(m.state_at(50).node_exists, (Exists{1, 1}));
  EXPECT_EQ(m.state_at(80).node_exists, (Exists{1, 0}));
  // Scrubbing back and forth gives what a fresh query gives.
  ClusterState s;
  for (double t : {80.0, 10.0, 50.0, 75.0, 35.0, 0.0, 100.0}) {
    m.advance(s, t);
    const ClusterState fresh = m.state_at(t);
    EXPECT_EQ(s.node_exists, fresh.node_exists) << "t=" << t;
    EXPECT_EQ(s.cell_job, fresh.cell_job) << "t=" << t;
  }
  // An empty slot has no free GPUs: at 80 the only free ones are the 2 beside "b" on node 0.
  EXPECT_DOUBLE_EQ(m.fragmentation(m.state_at(80)), 1.0);
}

TEST(RunModel, AutoscalerNodesOfAnOlderRunWithoutTopologyAreInferred) {
  const RunModel m = RunModel::load(autoscaled_run(scratch("run")).without_topology().write(100));
  ASSERT_EQ(m.nodes().size(), 2u);  // in the order the events name them
  EXPECT_EQ(m.nodes()[0].name, "h100-1");
  EXPECT_FALSE(m.nodes()[0].exists_at_start);  // first named by its NodeAdded
  EXPECT_TRUE(m.nodes()[1].exists_at_start);
  EXPECT_EQ(m.cell_count(), 8u);
  EXPECT_EQ(m.state_at(10).node_exists, (std::vector<std::uint8_t>{0, 1}));
  EXPECT_EQ(m.state_at(50).node_exists, (std::vector<std::uint8_t>{1, 1}));
  EXPECT_EQ(m.state_at(50).busy_cells(), 4);
  EXPECT_EQ(m.state_at(80).node_exists, (std::vector<std::uint8_t>{0, 1}));
}

void expect_load_error(const fs::path& dir, const std::string& expected_start) {
  try {
    (void)RunModel::load(dir);
    FAIL() << "loaded " << dir;
  } catch (const sim::InputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.rfind(expected_start, 0), 0u) << message;
  }
}

TEST(RunModel, BadOrTruncatedFoldersGiveOneLineErrors) {
  const fs::path missing = scratch("missing");
  expect_load_error(missing, missing.string() + ": not a folder");

  const fs::path no_events = two_node_run(scratch("noevents")).write(100);
  fs::remove(no_events / "events.jsonl");
  expect_load_error(no_events, (no_events / "events.jsonl").string() + ": missing");

  const fs::path cut = two_node_run(scratch("cut")).raw("{\"t\":101,\"type\":\"JobSub").write(101);
  expect_load_error(cut, (cut / "events.jsonl").string() + ":15: the last line is cut short");

  const fs::path garbage = two_node_run(scratch("garbage")).raw("not json\n").write(100);
  expect_load_error(garbage, (garbage / "events.jsonl").string() + ":15: not a JSON object");

  const fs::path unknown = RunFolderBuilder(scratch("unknown"), 1, 8).bind(1, "ghost", 0, 0, {0}).write(1);
  expect_load_error(unknown, (unknown / "events.jsonl").string() + ":1: names job \"ghost\" before its JobSubmitted");

  const fs::path bad_gpu = RunFolderBuilder(scratch("badgpu"), 1, 8).submit(0, "a", 1, 1).bind(1, "a", 0, 0, {9}).write(1);
  expect_load_error(bad_gpu, (bad_gpu / "events.jsonl").string() + ":2: GPU 9 is not on node h100-0");

  const fs::path bad_summary = two_node_run(scratch("summary")).write(100);
  std::ofstream(bad_summary / "summary.json") << "{\"scenario\": \"x\", \"simulatedSec";
  expect_load_error(bad_summary, (bad_summary / "summary.json").string() + ": not valid JSON");

  const fs::path bad_series = two_node_run(scratch("series")).write(100);
  std::ofstream(bad_series / "series.csv") << "time_s,allocated_gpus,pending_pods,running_jobs\n0,0,1,0\n60,6";
  expect_load_error(bad_series, (bad_series / "series.csv").string() + ":3: expected four numbers");

  const fs::path ghost_node = RunFolderBuilder(scratch("ghostnode"), 1, 8).raw("{\"t\":5,\"type\":\"NodeAdded\",\"node\":\"x-9\"}\n").write(5);
  expect_load_error(ghost_node, (ghost_node / "events.jsonl").string() + ":1: node \"x-9\" is not in topology.json");

  const fs::path bad_label = RunFolderBuilder(scratch("badlabel"), 1, 8).write(1);
  std::ofstream(bad_label / "topology.json")
      << R"({"nodePools": [{"name": "h100", "gpusPerNode": 8}], "nodes": [{"name": "h100-0", "pool": 0, "labels": {"topology.kubetwin.io/leaf": 3}}]})";
  expect_load_error(bad_label, (bad_label / "topology.json").string() + ": /nodes/0/labels/topology.kubetwin.io~1leaf: not a string");
}

}  // namespace
}  // namespace kubetwin::gui

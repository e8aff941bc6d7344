#include "gui/core/run_model.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

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

// Four nodes, one per leaf, two leaves per spine block. Job "x" (nodes 0 and 2) crosses leaf 0's and
// leaf 2's uplinks and both blocks' core links from 10 to 50; job "y" (nodes 0 and 1) joins leaf
// 0's uplink from 20 to 40, which saturates it.
RunFolderBuilder fabric_run(const fs::path& dir) {
  RunFolderBuilder b(dir, 4, 8);
  b.fat_tree(2, 2, 1, 100e9, 50e9).series_row(0, 0, 0, 0)
      .link_usage(10, "x", true, {{0, 60e9, 60e9}, {5, 60e9, 60e9}, {8, 30e9, 30e9}, {11, 30e9, 30e9}})
      .link_usage(20, "y", true, {{0, 100e9, 140e9}, {3, 80e9, 80e9}})
      .link_usage(40, "y", false, {{0, 60e9, 60e9}, {3, 0, 0}})
      .link_usage(50, "x", false, {{0, 0, 0}, {5, 0, 0}, {8, 0, 0}, {11, 0, 0}});
  return b;
}

TEST(FabricModel, LoadsSwitchesServersAndLinkLoadsOverTime) {
  const RunModel m = RunModel::load(fabric_run(scratch("run")).write(100));
  ASSERT_NE(m.fabric(), nullptr);
  const FabricModel& f = *m.fabric();
  EXPECT_EQ(f.kind(), "fatTree");
  ASSERT_EQ(f.blocks().size(), 2u);
  ASSERT_EQ(f.leaves().size(), 4u);
  EXPECT_EQ(f.blocks()[1].leaves, (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(f.leaves()[2].name, "pod1.leaf0");
  EXPECT_EQ(f.leaves()[2].nodes, (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(f.leaves_of_node(3), (std::vector<std::uint32_t>{3}));
  EXPECT_EQ(f.link_count(), 6u);
  EXPECT_EQ(f.link_name(f.leaf_link(1)), "leaf pod0.leaf1 -> spines");
  EXPECT_EQ(f.link_name(f.block_link(0)), "block pod0 spines -> core");
  EXPECT_EQ(f.usage_records(), 4u);

  EXPECT_EQ(f.use_at(f.leaf_link(0), 5).load, 0.0);
  EXPECT_DOUBLE_EQ(f.use_at(f.leaf_link(0), 10).utilization(), 0.6);
  const LinkUse busy = f.use_at(f.leaf_link(0), 30);
  EXPECT_DOUBLE_EQ(busy.utilization(), 1.0);  // saturated: y and x get less than they ask
  EXPECT_DOUBLE_EQ(busy.demand, 140e9);
  EXPECT_EQ(f.jobs_at(f.leaf_link(0), 30), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(f.jobs_at(f.leaf_link(0), 45), (std::vector<std::string>{"x"}));
  EXPECT_TRUE(f.jobs_at(f.leaf_link(0), 50).empty());
  // Leaf 1 carries y downwards only (resource 3): the busier direction counts.
  EXPECT_DOUBLE_EQ(f.use_at(f.leaf_link(1), 30).utilization(), 0.8);
  EXPECT_DOUBLE_EQ(f.use_at(f.block_link(1), 30).utilization(), 0.6);
  EXPECT_EQ(f.use_at(f.block_link(1), 60).load, 0.0);
  EXPECT_EQ(m.state_at(0).busy_cells(), 0);  // the cluster itself is unaffected

  EXPECT_EQ(RunModel::load(two_node_run(scratch("plain")).write(100)).fabric(), nullptr);
}

TEST(FabricModel, BadOrTruncatedFabricFilesGiveOneLineErrors) {
  const fs::path cut = fabric_run(scratch("cut")).write(100);
  std::ofstream(cut / "fabric.json") << "{\"kind\": \"fatTree\", \"blocks\": [";
  expect_load_error(cut, (cut / "fabric.json").string() + ": not valid JSON");

  const fs::path bad_leaf = fabric_run(scratch("badleaf")).write(100);
  {
    std::ifstream in(bad_leaf / "fabric.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("\"block\":1"), 9, "\"block\":7");
    std::ofstream(bad_leaf / "fabric.json") << text;
  }
  expect_load_error(bad_leaf, (bad_leaf / "fabric.json").string() + ": /leaves/2/block: missing or not an index below 2");

  const fs::path ghost = RunFolderBuilder(scratch("ghost"), 1, 8).fat_tree(1, 1, 1, 1e9, 0).write(1);
  {
    std::ifstream in(ghost / "fabric.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("h100-0"), 6, "h100-9");
    std::ofstream(ghost / "fabric.json") << text;
  }
  expect_load_error(ghost, (ghost / "fabric.json").string() + ": /servers/0/node: \"h100-9\" is not in topology.json");

  const fs::path cut_usage = fabric_run(scratch("cutusage")).write(100);
  std::ofstream(cut_usage / "fabric-usage.jsonl", std::ios::app) << "{\"t\":60,\"job\":\"z\",\"chan";
  expect_load_error(cut_usage, (cut_usage / "fabric-usage.jsonl").string() + ":5: the last line is cut short");

  const fs::path bad_resource = fabric_run(scratch("badresource")).link_usage(60, "z", true, {{99, 1, 1}}).write(100);
  expect_load_error(bad_resource, (bad_resource / "fabric-usage.jsonl").string() + ":5: resource 99 is not a link direction of fabric.json");

  const fs::path no_start = fabric_run(scratch("nostart")).link_usage(60, "z", false, {{0, 0, 0}}).write(100);
  expect_load_error(no_start, (no_start / "fabric-usage.jsonl").string() + ":5: job \"z\" ends on a link it did not start on");

  const fs::path no_usage = fabric_run(scratch("nousage")).write(100);
  fs::remove(no_usage / "fabric-usage.jsonl");
  expect_load_error(no_usage, (no_usage / "fabric-usage.jsonl").string() + ": missing");
}

TEST(RunModel, PodSlicesCarryTheirDraClaims) {
  RunFolderBuilder b(scratch("dra"), 1, 8);
  b.submit(0, "serve", 2, 2)
      .raw("{\"t\":1,\"type\":\"Scheduled\",\"job\":\"serve\",\"pod\":\"serve-0\",\"node\":\"h100-0\",\"gpus\":[0,1],"
           "\"claims\":[{\"name\":\"pair\",\"devices\":[\"gpu-0\",\"gpu-1\"]},{\"name\":\"nic\",\"devices\":[\"nic-0\"]}]}\n")
      .bind(1, "serve", 1, 0, {2, 3});
  const RunModel m = RunModel::load(b.series_row(0, 0, 0, 0).write(10));
  ASSERT_EQ(m.slices().size(), 2u);
  EXPECT_EQ(m.slices()[0].claims, "pair (gpu-0, gpu-1); nic (nic-0)");
  EXPECT_EQ(m.slices()[1].claims, "");
  EXPECT_EQ(m.state_at(5).busy_cells(), 4);

  const fs::path bad = RunFolderBuilder(scratch("badclaims"), 1, 8).submit(0, "a", 1, 1)
                           .raw("{\"t\":1,\"type\":\"Scheduled\",\"job\":\"a\",\"pod\":\"a-0\",\"node\":\"h100-0\",\"claims\":[{\"devices\":[]}]}\n")
                           .write(1);
  expect_load_error(bad, (bad / "events.jsonl").string() + ":2: \"claims\": an entry without a \"name\"");
}

}  // namespace
}  // namespace kubetwin::gui

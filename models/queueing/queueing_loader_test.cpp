// Reading `queueing`: good input becomes typed objects; each kind of bad input is reported at its
// JSON pointer with the reason.
#include "models/queueing/queueing_loader.hpp"

#include <gtest/gtest.h>

namespace kubetwin::models::queueing {
namespace {

using nlohmann::json;

std::vector<sim::JsonIssue> read(const json& doc, QueueingConfig* out = nullptr) {
  std::vector<sim::JsonIssue> issues;
  sim::StrictObject o(doc, "/queueing", issues);
  QueueingConfig c = read_queueing(o, issues);
  if (out != nullptr) *out = std::move(c);
  return issues;
}

json valid() {
  return json::parse(R"({
    "resourceFlavors": [{"name": "a100", "nodeLabels": {"nvidia.com/gpu.product": "A100-SXM-80GB"}},
                        {"name": "h100", "nodeTaints": [{"key": "h100", "effect": "NoSchedule"}],
                         "tolerations": [{"key": "h100", "operator": "Exists"}]}],
    "cohorts": [{"name": "org"}, {"name": "team", "parentName": "org"}],
    "clusterQueues": [{"name": "cq-a", "cohort": "team", "queueingStrategy": "StrictFIFO",
       "preemption": {"withinClusterQueue": "LowerPriority", "reclaimWithinCohort": "Any",
                      "borrowWithinCohort": {"policy": "LowerPriority", "maxPriorityThreshold": 100}},
       "fairSharing": {"weight": "2"},
       "resourceGroups": [{"coveredResources": ["cpu", "nvidia.com/gpu"], "flavors": [
         {"name": "a100", "resources": [{"name": "cpu", "nominalQuota": "64"},
                                        {"name": "nvidia.com/gpu", "nominalQuota": 8, "borrowingLimit": 4, "lendingLimit": 2}]},
         {"name": "h100", "resources": [{"name": "cpu", "nominalQuota": "500m"}, {"name": "nvidia.com/gpu", "nominalQuota": "0"}]}]}]}],
    "localQueues": [{"name": "team-a", "clusterQueue": "cq-a"}]
  })");
}

TEST(QueueingLoader, ReadsKueueObjects) {
  QueueingConfig c;
  ASSERT_TRUE(read(valid(), &c).empty());
  ASSERT_EQ(c.cluster_queues.size(), 1u);
  const ClusterQueueSpec& cq = c.cluster_queues[0];
  EXPECT_EQ(cq.cohort, 1);
  EXPECT_EQ(c.cohorts[1].parent, 0);
  EXPECT_EQ(cq.queueing_strategy, QueueingStrategy::StrictFIFO);
  EXPECT_EQ(cq.within_cluster_queue, PreemptionPolicy::LowerPriority);
  EXPECT_EQ(cq.reclaim_within_cohort, PreemptionPolicy::Any);
  EXPECT_TRUE(cq.borrow_within_cohort);
  EXPECT_EQ(cq.max_priority_threshold, 100);
  EXPECT_DOUBLE_EQ(cq.fair_weight, 2.0);
  const auto& gpu = cq.resource_groups[0].flavors[0].resources[static_cast<int>(QuotaResource::Gpu)];
  ASSERT_TRUE(gpu.has_value());
  EXPECT_EQ(gpu->nominal, 8000);  // milli-GPU
  EXPECT_EQ(gpu->borrowing_limit, 4000);
  EXPECT_EQ(gpu->lending_limit, 2000);
  EXPECT_EQ(cq.resource_groups[0].flavors[1].resources[0]->nominal, 500);
  EXPECT_EQ(c.flavors[1].node_taints.size(), 1u);
  EXPECT_EQ(c.local_queues[0].cluster_queue, 0);
}

TEST(QueueingLoader, ReportsBadInputWithPointerAndReason) {
  struct Case {
    const char* name;
    const char* patch;  // JSON Patch applied to valid()
    const char* pointer;
    const char* reason;
  };
  const Case cases[] = {
      {"missing flavor", R"([{"op":"replace","path":"/clusterQueues/0/resourceGroups/0/flavors/1/name","value":"b200"}])",
       "/queueing/clusterQueues/0/resourceGroups/0/flavors/1/name", "no ResourceFlavor is named \"b200\""},
      {"missing cohort", R"([{"op":"replace","path":"/clusterQueues/0/cohort","value":"nope"}])",
       "/queueing/clusterQueues/0/cohort", "no cohort is named \"nope\""},
      {"missing parent cohort", R"([{"op":"replace","path":"/cohorts/1/parentName","value":"nope"}])",
       "/queueing/cohorts/1/parentName", "no cohort is named \"nope\""},
      {"missing cluster queue", R"([{"op":"replace","path":"/localQueues/0/clusterQueue","value":"cq-x"}])",
       "/queueing/localQueues/0/clusterQueue", "no ClusterQueue is named \"cq-x\""},
      {"cyclic cohorts", R"([{"op":"add","path":"/cohorts/0/parentName","value":"team"}])",
       "/queueing/cohorts/0/parentName", "cohorts form a cycle: org -> team -> org"},
      {"self parent", R"([{"op":"replace","path":"/cohorts/1/parentName","value":"team"}])",
       "/queueing/cohorts/1/parentName", "cohorts form a cycle: team -> team"},
      {"quota does not parse",
       R"([{"op":"replace","path":"/clusterQueues/0/resourceGroups/0/flavors/0/resources/0/nominalQuota","value":"lots"}])",
       "/queueing/clusterQueues/0/resourceGroups/0/flavors/0/resources/0/nominalQuota", ""},
      {"lending above nominal",
       R"([{"op":"replace","path":"/clusterQueues/0/resourceGroups/0/flavors/0/resources/1/lendingLimit","value":9}])",
       "/queueing/clusterQueues/0/resourceGroups/0/flavors/0/resources/1/lendingLimit", "less than or equal to nominalQuota"},
      {"unsupported resource", R"([{"op":"add","path":"/clusterQueues/0/resourceGroups/0/coveredResources/-","value":"example.com/fpga"}])",
       "/queueing/clusterQueues/0/resourceGroups/0/coveredResources/2", "must be one of cpu, memory, nvidia.com/gpu"},
      {"flavor missing a covered resource",
       R"([{"op":"remove","path":"/clusterQueues/0/resourceGroups/0/flavors/1/resources/1"}])",
       "/queueing/clusterQueues/0/resourceGroups/0/flavors/1/resources", "exactly the resource group's coveredResources"},
      {"bad strategy", R"([{"op":"replace","path":"/clusterQueues/0/queueingStrategy","value":"LIFO"}])",
       "/queueing/clusterQueues/0/queueingStrategy", ""},
      {"unknown key", R"([{"op":"add","path":"/clusterQueues/0/namespaceSelector","value":{}}])",
       "/queueing/clusterQueues/0/namespaceSelector", ""},
  };
  for (const Case& c : cases) {
    const json doc = valid().patch(json::parse(c.patch));
    const auto issues = read(doc);
    ASSERT_FALSE(issues.empty()) << c.name;
    bool found = false;
    for (const auto& i : issues) found = found || (i.pointer == c.pointer && i.message.find(c.reason) != std::string::npos);
    EXPECT_TRUE(found) << c.name << ": got " << issues[0].pointer << ": " << issues[0].message;
  }
}

TEST(QueueingLoader, HierarchicalQueuesBecomeCohortsAndClusterQueues) {
  QueueingConfig c;
  const auto issues = read(json::parse(R"({"queues": [
      {"name": "root"},
      {"name": "research", "parentQueue": "root", "resources": {"gpu": {"quota": 16, "limit": 24, "overQuotaWeight": 2}}},
      {"name": "prod", "parentQueue": "root", "resources": {"gpu": {"quota": 8, "limit": -1}}}]})"),
                           &c);
  ASSERT_TRUE(issues.empty()) << issues[0].pointer << ": " << issues[0].message;
  EXPECT_TRUE(c.fair_sharing);
  ASSERT_EQ(c.cohorts.size(), 1u);
  ASSERT_EQ(c.cluster_queues.size(), 2u);
  EXPECT_EQ(c.cluster_queues[0].cohort, 0);
  EXPECT_DOUBLE_EQ(c.cluster_queues[0].fair_weight, 2.0);
  const auto& gpu = c.cluster_queues[0].resource_groups[0].flavors[0].resources[2];
  EXPECT_EQ(gpu->nominal, 16000);
  EXPECT_EQ(gpu->borrowing_limit, 8000);
  EXPECT_FALSE(c.cluster_queues[1].resource_groups[0].flavors[0].resources[2]->borrowing_limit.has_value());
  EXPECT_EQ(c.local_queues[1].name, "prod");
  const auto bad = read(json::parse(R"({"queues": [{"name": "a", "parentQueue": "ghost"}]})"));
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].pointer, "/queueing/queues/0/parentQueue");
}

}  // namespace
}  // namespace kubetwin::models::queueing

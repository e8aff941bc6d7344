#include "models/dra/dynamic_resources.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/scheduling/scheduler.hpp"
#include "models/testing/builders.hpp"
#include "models/testing/control_plane_harness.hpp"

namespace kubetwin::models::dra {
namespace {

using testing::kGi;

constexpr const char* kGpuDriver = "gpu.nvidia.com";
constexpr const char* kGpuClass = "gpu.nvidia.com";

// --- builders -------------------------------------------------------------------------------

CelSelector cel(const std::string& expr) {
  auto r = CelSelector::parse(expr);
  if (auto* e = std::get_if<CelParseError>(&r)) ADD_FAILURE() << expr << ": " << e->describe();
  return std::get<CelSelector>(r);
}

CelSelector model_is(const std::string& model) {
  return cel("device.attributes[\"gpu.nvidia.com\"].model == \"" + model + "\"");
}

/// A slice of GPUs gpu-0, gpu-1, ... with the given models, in the GPU driver's domain.
ResourceSlice gpus(const std::vector<std::string>& models) {
  ResourceSlice s;
  s.driver = kGpuDriver;
  for (std::size_t i = 0; i < models.size(); ++i) {
    Device d;
    d.name = "gpu-" + std::to_string(i);
    d.attributes = {{"model", models[i]}, {"index", static_cast<std::int64_t>(i)}};
    d.capacity = {{"memory", *parse_device_quantity("80Gi")}};
    s.devices.push_back(std::move(d));
  }
  return s;
}

DeviceRequest request(std::string name, std::vector<CelSelector> selectors = {}, std::int64_t count = 1,
                      AllocationMode mode = AllocationMode::ExactCount) {
  DeviceRequest r;
  r.name = std::move(name);
  r.device_class_name = kGpuClass;
  r.selectors = std::move(selectors);
  r.count = count;
  r.allocation_mode = mode;
  return r;
}

PodGroupSpec pod_with_claim(std::string entry, std::string claim, bool from_template) {
  PodGroupSpec p;
  p.name = "worker";
  p.requests = {1000, kGi, 0};  // GPUs come through the claim, never as nvidia.com/gpu
  PodResourceClaim c;
  c.name = std::move(entry);
  (from_template ? c.resource_claim_template_name : c.resource_claim_name) = std::move(claim);
  p.resource_claims.push_back(std::move(c));
  return p;
}

/// The nodes' CPU and memory only: their GPUs are DRA devices.
Cluster cpu_cluster(int nodes) { return Cluster({testing::pool("dra", nodes, {64000, 512 * kGi, 0})}); }

/// A DRA state with the GPU device class and one slice per node with the given models.
DraState state_with(const Cluster& cluster, const std::vector<std::vector<std::string>>& models_per_node) {
  DraState s(cluster.node_count());
  s.add_device_class({kGpuClass, {cel("device.driver == \"gpu.nvidia.com\"")}});
  for (std::size_t n = 0; n < models_per_node.size(); ++n) {
    s.add_slice(static_cast<NodeIndex>(n), cluster.node_name(static_cast<NodeIndex>(n)), gpus(models_per_node[n]));
  }
  return s;
}

/// A FrameworkHandle for plugin-level tests: DynamicResources never calls it.
class NoHandle final : public FrameworkHandle {
 public:
  explicit NoHandle(Cluster& c) : cluster_(c) {}
  ClusterSnapshot snapshot() const override { return ClusterSnapshot(cluster_); }
  int bound_pods(std::uint64_t) const override { return 0; }
  int waiting_pods(std::uint64_t) const override { return 0; }
  std::vector<const PodGroupSpec*> unplaced_pods(std::uint64_t) const override { return {}; }
  void allow_waiting_pods(std::uint64_t) override {}
  void reject_waiting_pods(std::uint64_t, std::string_view, std::string_view) override {}
  Cluster& mutable_cluster() override { return cluster_; }
  std::optional<std::int32_t> lowest_placed_priority() const override { return std::nullopt; }
  void evict(std::span<const RunningPod>, const PodInfo&, NodeIndex) override {}

 private:
  Cluster& cluster_;
};

/// The plugin in a one-profile scheduler (PreFilter and Filter only, plus the defaults).
struct Bench {
  explicit Bench(Cluster c, std::vector<std::vector<std::string>> models)
      : cluster(std::move(c)), state(state_with(cluster, models)), handle(cluster), plugin(&state) {}

  /// Runs PreFilter and Filter on every node; the nodes that pass.
  std::vector<NodeIndex> feasible(const PodGroupSpec& pod) {
    cycle.clear();
    last_prefilter = plugin.pre_filter(cycle, pod, cluster);
    std::vector<NodeIndex> out;
    if (!last_prefilter.ok()) return out;
    for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
      const Status s = plugin.filter(cycle, pod, cluster, n);
      EXPECT_EQ(s.ok(), plugin.passes(cycle, pod, cluster, n));
      if (s.ok()) out.push_back(n);
      else last_rejection = std::string(s.reason());
    }
    return out;
  }
  /// Filters, then reserves and pre-binds pod `index` of `job` on the first feasible node.
  std::optional<NodeIndex> place(const JobSpec& job, std::uint64_t seq, std::size_t index) {
    const auto nodes = feasible(job.pods[0]);
    if (nodes.empty()) return std::nullopt;
    const PodInfo info{job, seq, index, job.pods[0]};
    EXPECT_TRUE(plugin.reserve(cycle, info, nodes.front(), handle).ok());
    EXPECT_TRUE(plugin.pre_bind(info, nodes.front(), handle).ok());
    return nodes.front();
  }
  /// Device names of a claim's allocation, in result order.
  std::vector<std::string> devices_of(ClaimId id) const {
    std::vector<std::string> out;
    const auto& a = state.claim(id).status.allocation;
    if (a) {
      for (const auto& r : a->results) out.push_back(r.device);
    }
    return out;
  }

  Cluster cluster;
  DraState state;
  NoHandle handle;
  DynamicResources plugin;
  CycleState cycle;
  Status last_prefilter = Status::success();
  std::string last_rejection;
};

JobSpec job_of(PodGroupSpec pod, std::string id = "j") {
  JobSpec j;
  j.id = std::move(id);
  j.pods.push_back(std::move(pod));
  return j;
}

// --- tests ----------------------------------------------------------------------------------

TEST(DynamicResources, PodsWithoutClaimsAreSkippedWithoutState) {
  Bench b(cpu_cluster(2), {{"H100"}, {"H100"}});
  PodGroupSpec plain;
  plain.requests = {1000, kGi, 0};
  EXPECT_TRUE(b.plugin.pre_filter(b.cycle, plain, b.cluster).is_skip());
  EXPECT_TRUE(b.cycle.empty());
  EXPECT_TRUE(b.plugin.pool_constant(plain));
  // Reserve, Unreserve and PreBind leave the state alone.
  const JobSpec j = job_of(plain);
  const PodInfo info{j, 0, 0, j.pods[0]};
  EXPECT_TRUE(b.plugin.reserve(b.cycle, info, 0, b.handle).ok());
  b.plugin.unreserve(info, 0, b.handle);
  EXPECT_EQ(b.state.claim_count(), 0u);
}

TEST(DynamicResources, HonoursTheClaimsSelector) {
  // Node 0 has only A100s; node 1 has two A100s then two H100s. Only the H100s may be taken.
  Bench b(cpu_cluster(2), {{"A100", "A100", "A100", "A100"}, {"A100", "A100", "H100", "H100"}});
  b.state.add_claim_template({"two-h100", {{request("gpus", {model_is("H100")}, 2)}}});
  const JobSpec j = job_of(pod_with_claim("gpu", "two-h100", true));
  EXPECT_EQ(b.feasible(j.pods[0]), std::vector<NodeIndex>{1});
  EXPECT_EQ(b.last_rejection, DynamicResources::kCannotAllocate);
  ASSERT_EQ(b.place(j, 7, 0), NodeIndex{1});
  const ClaimId id = b.state.generated_claim({7, 0}, "gpu");
  ASSERT_NE(id, kNoClaim);
  EXPECT_EQ(b.devices_of(id), (std::vector<std::string>{"gpu-2", "gpu-3"}));
  const auto& result = b.state.claim(id).status.allocation->results.front();
  EXPECT_EQ(result.request, "gpus");
  EXPECT_EQ(result.driver, kGpuDriver);
  EXPECT_EQ(result.pool, b.cluster.node_name(1));  // node-local pools are named after the node
  EXPECT_EQ(b.state.claim(id).status.reserved_for, (std::vector<PodRef>{{7, 0}}));
  // The H100s are taken: a second such pod fits nowhere.
  EXPECT_TRUE(b.feasible(j.pods[0]).empty());
}

TEST(DynamicResources, WithoutDraObjectsPodsWithClaimsStayPending) {
  // The built-in registry's plugin has no DraState: pods with claims cannot be placed.
  SchedulerConfig config;
  config.profiles[0].at(ExtensionPoint::Filter).push_back({std::string(DynamicResources::kName), 1});
  testing::Harness h({testing::pool("dra", 3, {64000, 512 * kGi, 0})}, config);
  JobSpec j = job_of(pod_with_claim("gpu", "b200", true));
  j.duration = 10;
  h.submit_at(0, j);
  h.engine.run();
  ASSERT_EQ(h.unschedulable.size(), 1u);
  EXPECT_EQ(h.unschedulable[0].second,
            "0/3 nodes are available: 3 no DRA objects are configured for the pod's resource claims.");
  EXPECT_TRUE(h.started.empty());
}

TEST(DynamicResources, ReportsCannotAllocateAllClaimsOnEveryNode) {
  Cluster cluster = cpu_cluster(3);
  DraState state = state_with(cluster, {{"H100", "H100"}, {"H100"}, {"A100"}});
  state.add_claim_template({"b200", {{request("gpus", {model_is("B200")})}}});
  PluginRegistry registry = PluginRegistry::builtin();
  bind_dynamic_resources(registry, state);
  ProfileConfig profile;
  profile.at(ExtensionPoint::Filter).push_back({std::string(DynamicResources::kName), 1});
  sim::RandomStreams streams(1);
  Scheduler scheduler(profile, streams.stream("t"), registry);
  const PodGroupSpec pod = pod_with_claim("gpu", "b200", true);
  EXPECT_FALSE(scheduler.find_node(pod, cluster));
  EXPECT_EQ(scheduler.explain(pod, cluster), "0/3 nodes are available: 3 cannot allocate all claims.");
}

struct ModeCase {
  const char* name;
  AllocationMode mode;
  std::int64_t count;
  std::vector<CelSelector> selectors;
  bool take_gpu1_first;  // another claim already holds gpu-1
  bool fits;
  std::vector<std::string> devices;
};

TEST(DynamicResources, ExactCountAndAll) {
  const std::vector<ModeCase> cases = {
      {"ExactCount takes the lowest-numbered free devices", AllocationMode::ExactCount, 2, {}, false, true, {"gpu-0", "gpu-1"}},
      {"ExactCount skips devices other claims hold", AllocationMode::ExactCount, 2, {}, true, true, {"gpu-0", "gpu-2"}},
      {"ExactCount beyond the node's devices", AllocationMode::ExactCount, 5, {}, false, false, {}},
      {"ExactCount beyond the free devices", AllocationMode::ExactCount, 4, {}, true, false, {}},
      {"All takes every device", AllocationMode::All, 1, {}, false, true, {"gpu-0", "gpu-1", "gpu-2", "gpu-3"}},
      {"All takes every matching device", AllocationMode::All, 1, {model_is("H100")}, false, true, {"gpu-2", "gpu-3"}},
      {"All fails if a matching device is held", AllocationMode::All, 1, {}, true, false, {}},
      {"All fails without a matching device", AllocationMode::All, 1, {model_is("B200")}, false, false, {}},
  };
  for (const ModeCase& c : cases) {
    SCOPED_TRACE(c.name);
    Bench b(cpu_cluster(1), {{"A100", "A100", "H100", "H100"}});
    b.state.add_claim_template({"t", {{request("gpus", c.selectors, c.count, c.mode)}}});
    if (c.take_gpu1_first) {
      b.state.add_claim({"other", {{request("one", {cel("device.attributes[\"gpu.nvidia.com\"].index == 1")})}}, {}});
      const JobSpec other = job_of(pod_with_claim("x", "other", false), "other");
      ASSERT_EQ(b.place(other, 1, 0), NodeIndex{0});
    }
    const JobSpec j = job_of(pod_with_claim("gpu", "t", true));
    const auto node = b.place(j, 2, 0);
    EXPECT_EQ(node.has_value(), c.fits);
    if (node) {
      EXPECT_EQ(b.devices_of(b.state.generated_claim({2, 0}, "gpu")), c.devices);
    }
  }
}

TEST(DynamicResources, BacktracksWhenTheFirstChoiceStarvesALaterRequest) {
  // "any" could take the H100 (gpu-0) first, leaving nothing for "h100"; the search backs up.
  Bench b(cpu_cluster(1), {{"H100", "A100"}});
  b.state.add_claim_template({"pair", {{request("any"), request("h100", {model_is("H100")})}}});
  const JobSpec j = job_of(pod_with_claim("gpu", "pair", true));
  ASSERT_EQ(b.place(j, 1, 0), NodeIndex{0});
  const auto& results = b.state.claim(b.state.generated_claim({1, 0}, "gpu")).status.allocation->results;
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].request, "any");
  EXPECT_EQ(results[0].device, "gpu-1");
  EXPECT_EQ(results[1].request, "h100");
  EXPECT_EQ(results[1].device, "gpu-0");
}

// --- matchAttribute constraints -------------------------------------------------------------

constexpr const char* kNicDriver = "dra.net";
constexpr const char* kNuma = "kubetwin.io/numaNode";

/// A node with 4 GPUs (gpu-0/1 on NUMA 0, gpu-2/3 on NUMA 1) and the given NICs: (numa, rdma) each.
Bench numa_bench(const std::vector<std::pair<std::int64_t, bool>>& nics) {
  Bench b(cpu_cluster(1), {});
  b.state.add_device_class({"dra.net", {cel("device.driver == \"dra.net\"")}});
  ResourceSlice g;
  g.driver = kGpuDriver;
  for (int i = 0; i < 4; ++i) {
    g.devices.push_back({"gpu-" + std::to_string(i), {{kNuma, std::int64_t{i / 2}}}, {}});
  }
  b.state.add_slice(0, b.cluster.node_name(0), g);
  ResourceSlice n;
  n.driver = kNicDriver;
  for (std::size_t i = 0; i < nics.size(); ++i) {
    n.devices.push_back({"nic-" + std::to_string(i), {{kNuma, nics[i].first}, {"rdma", nics[i].second}}, {}});
  }
  b.state.add_slice(0, b.cluster.node_name(0), n);
  return b;
}

DeviceRequest nic_request(std::int64_t count) {
  DeviceRequest r = request("nic", {cel("device.attributes[\"dra.net\"].rdma == true")}, count);
  r.device_class_name = "dra.net";
  return r;
}

/// GPUs then RDMA NICs under one numaNode constraint (empty `requests`: all of the claim's).
ResourceClaimTemplate gpu_and_nic(std::int64_t gpus, std::int64_t nics, std::vector<std::string> constrained = {}) {
  return {"gpu-nic", {{request("gpus", {}, gpus), nic_request(nics)}, {{std::move(constrained), kNuma}}}};
}

std::vector<std::string> place_gpu_and_nic(Bench& b, std::uint64_t seq = 1) {
  const JobSpec j = job_of(pod_with_claim("dev", "gpu-nic", true));
  if (!b.place(j, seq, 0)) return {};
  return b.devices_of(b.state.generated_claim({seq, 0}, "dev"));
}

TEST(DynamicResources, MatchAttributeBacktracksToTheNumaNodeWithAnRdmaNic) {
  // NUMA 0's NIC has no RDMA: the GPUs the search tries first (gpu-0, gpu-1) leave no NIC to
  // match, so it moves on to NUMA 1's GPUs.
  Bench b = numa_bench({{0, false}, {1, true}});
  b.state.add_claim_template(gpu_and_nic(2, 1));
  EXPECT_EQ(place_gpu_and_nic(b), (std::vector<std::string>{"gpu-2", "gpu-3", "nic-1"}));
}

TEST(DynamicResources, MatchAttributeCountsOnlyFreeDevicesOfTheSameValue) {
  // Two RDMA NICs, one per NUMA node: a pod wanting two NICs beside its GPU fits nowhere.
  Bench b = numa_bench({{0, true}, {1, true}});
  b.state.add_claim_template(gpu_and_nic(1, 2));
  EXPECT_TRUE(b.feasible(job_of(pod_with_claim("dev", "gpu-nic", true)).pods[0]).empty());
  EXPECT_EQ(b.last_rejection, DynamicResources::kCannotAllocate);
}

TEST(DynamicResources, MatchAttributeWithTwoNicsTakesTwoDistinctOnesOfOneNumaNode) {
  Bench b = numa_bench({{0, true}, {1, true}, {1, true}, {0, false}});
  b.state.add_claim_template(gpu_and_nic(1, 2));
  EXPECT_EQ(place_gpu_and_nic(b), (std::vector<std::string>{"gpu-2", "nic-1", "nic-2"}));
  // NUMA 1's RDMA NICs are held now, NUMA 0 has one: a second such pod does not fit.
  EXPECT_TRUE(place_gpu_and_nic(b, 2).empty());
}

TEST(DynamicResources, MatchAttributeExcludesDevicesWithoutTheAttribute) {
  Bench b = numa_bench({{1, true}});
  // gpu-4, the only GPU the request selects, has no numaNode: it can never be under the constraint.
  ResourceSlice extra;
  extra.driver = kGpuDriver;
  extra.devices.push_back({"gpu-4", {{"model", std::string("B200")}}, {}});
  b.state.add_slice(0, b.cluster.node_name(0), extra);
  b.state.add_claim_template({"gpu-nic", {{request("gpus", {cel("\"model\" in device.attributes[\"gpu.nvidia.com\"]")}, 1),
                                          nic_request(1)},
                                         {{{}, kNuma}}}});
  EXPECT_TRUE(place_gpu_and_nic(b).empty());
}

TEST(DynamicResources, MatchAttributeAppliesOnlyToTheRequestsItNames) {
  // The constraint names the NIC and one GPU request: the other GPU request may come from NUMA 0.
  Bench b = numa_bench({{1, true}});
  b.state.add_claim_template({"gpu-nic", {{request("any-gpu"), request("gpus"), nic_request(1)},
                                         {{{"gpus", "nic"}, kNuma}}}});
  EXPECT_EQ(place_gpu_and_nic(b), (std::vector<std::string>{"gpu-0", "gpu-2", "nic-0"}));
}

TEST(DynamicResources, IgnoreConstraintsFaultMixesNumaNodes) {
  Bench b = numa_bench({{0, false}, {1, true}});
  b.state.set_ignore_constraints(true);
  b.state.add_claim_template(gpu_and_nic(2, 1));
  EXPECT_EQ(place_gpu_and_nic(b), (std::vector<std::string>{"gpu-0", "gpu-1", "nic-1"}));
}

TEST(DynamicResources, SharedClaimIsAllocatedOnceAndPinsItsUsers) {
  Bench b(cpu_cluster(3), {{"H100", "H100"}, {"H100", "H100"}, {"H100", "H100"}});
  b.state.add_claim({"shared", {{request("gpus", {}, 2)}}, {}});
  const ClaimId shared = b.state.find_claim("shared");
  const JobSpec a = job_of(pod_with_claim("gpu", "shared", false), "a");
  const JobSpec c = job_of(pod_with_claim("gpu", "shared", false), "c");
  ASSERT_EQ(b.place(a, 1, 0), NodeIndex{0});
  // The second user may only go where the claim's devices are, and takes nothing more.
  EXPECT_EQ(b.feasible(c.pods[0]), std::vector<NodeIndex>{0});
  EXPECT_EQ(b.last_rejection, DynamicResources::kNotOnNode);
  ASSERT_EQ(b.place(c, 2, 0), NodeIndex{0});
  EXPECT_EQ(b.devices_of(shared), (std::vector<std::string>{"gpu-0", "gpu-1"}));
  EXPECT_EQ(b.state.claim(shared).status.reserved_for, (std::vector<PodRef>{{1, 0}, {2, 0}}));
  // Still allocated while one user remains; deallocated when none does.
  b.state.release_job(1);
  EXPECT_TRUE(b.state.claim(shared).status.allocation);
  EXPECT_EQ(b.state.claim(shared).status.reserved_for, (std::vector<PodRef>{{2, 0}}));
  b.state.release_job(2);
  EXPECT_FALSE(b.state.claim(shared).status.allocation);
  EXPECT_TRUE(b.state.claim(shared).status.reserved_for.empty());
  // Free again: a new user may go anywhere.
  EXPECT_EQ(b.feasible(a.pods[0]).size(), 3u);
}

TEST(DynamicResources, UnreserveFreesTheDevicesAndDeletesGeneratedClaims) {
  Bench b(cpu_cluster(1), {{"H100", "H100"}});
  b.state.add_claim_template({"two", {{request("gpus", {}, 2)}}});
  const JobSpec j = job_of(pod_with_claim("gpu", "two", true));
  ASSERT_EQ(b.place(j, 3, 0), NodeIndex{0});
  EXPECT_EQ(b.state.claim_count(), 1u);
  EXPECT_TRUE(b.feasible(j.pods[0]).empty());
  const PodInfo info{j, 3, 0, j.pods[0]};
  b.plugin.unreserve(info, 0, b.handle);
  b.plugin.unreserve(info, 0, b.handle);  // idempotent
  EXPECT_EQ(b.state.claim_count(), 0u);
  EXPECT_EQ(b.state.generated_claim({3, 0}, "gpu"), kNoClaim);
  for (const DeviceSlot& d : b.state.devices_on(0)) EXPECT_EQ(b.state.holder(d.slot), kNoClaim);
  EXPECT_EQ(b.feasible(j.pods[0]), std::vector<NodeIndex>{0});
}

TEST(DynamicResources, CelRuntimeErrorAbortsAllocationOnTheNode) {
  Bench b(cpu_cluster(1), {{"H100"}});
  b.state.add_claim_template({"mig", {{request("gpus", {cel("device.attributes[\"gpu.nvidia.com\"].migProfile == \"1g.10gb\"")})}}});
  EXPECT_TRUE(b.feasible(job_of(pod_with_claim("gpu", "mig", true)).pods[0]).empty());
  EXPECT_EQ(b.last_rejection, "cannot allocate all claims: claim gpu, request gpus: CEL runtime error: no such key");
}

TEST(DynamicResources, MissingClaimOrClassIsUnresolvable) {
  Bench b(cpu_cluster(1), {{"H100"}});
  EXPECT_TRUE(b.feasible(pod_with_claim("gpu", "nope", false)).empty());
  EXPECT_EQ(b.last_prefilter.reason(), "resourceclaim \"nope\" not found");
  DeviceRequest r = request("gpus");
  r.device_class_name = "tpu.example.com";
  b.state.add_claim_template({"tpu", {{r}}});
  EXPECT_TRUE(b.feasible(pod_with_claim("gpu", "tpu", true)).empty());
  EXPECT_EQ(b.last_prefilter.reason(), "request gpus: device class tpu.example.com does not exist");
}

TEST(DynamicResources, AllocationIsDeterministic) {
  auto run = [] {
    Bench b(cpu_cluster(3), {{"H100", "A100", "H100"}, {"A100", "H100"}, {"H100", "H100", "H100"}});
    b.state.add_claim_template({"h100", {{request("gpus", {model_is("H100")})}}});
    std::vector<std::pair<NodeIndex, std::string>> out;
    for (std::uint64_t seq = 0; seq < 7; ++seq) {
      const JobSpec j = job_of(pod_with_claim("gpu", "h100", true));
      const auto node = b.place(j, seq, 0);
      if (!node) break;
      out.emplace_back(*node, b.devices_of(b.state.generated_claim({seq, 0}, "gpu")).at(0));
    }
    return out;
  };
  const auto first = run();
  EXPECT_EQ(first.size(), 6u);  // six H100s in all, each given once
  std::set<std::pair<NodeIndex, std::string>> distinct(first.begin(), first.end());
  EXPECT_EQ(distinct.size(), first.size());
  EXPECT_EQ(run(), first);
}

// --- end to end, through the control plane ----------------------------------------------------

SchedulerConfig dra_config() {
  SchedulerConfig c;
  ProfileConfig& p = c.profiles[0];
  for (ExtensionPoint ep : {ExtensionPoint::PreFilter, ExtensionPoint::Filter, ExtensionPoint::Reserve, ExtensionPoint::PreBind}) {
    // The default profile enables it already; this keeps the test explicit about what it needs.
    if (!p.enabled(ep, DynamicResources::kName)) p.at(ep).push_back({std::string(DynamicResources::kName), 1});
  }
  return c;
}

TEST(DynamicResourcesControlPlane, ClaimsGateJobsAndAreFreedWhenJobsEnd) {
  DraState state;
  PluginRegistry registry = PluginRegistry::builtin();
  bind_dynamic_resources(registry, state);
  testing::Harness h({testing::pool("dra", 2, {64000, 512 * kGi, 0})}, dra_config(), registry);
  state = DraState(h.cluster.node_count());
  state.add_device_class({kGpuClass, {cel("device.driver == \"gpu.nvidia.com\"")}});
  state.add_pool_slices(h.cluster, 0, gpus({"H100", "H100", "H100", "H100"}));
  state.add_claim_template({"four-h100", {{request("gpus", {model_is("H100")}, 4)}}});
  state.add_claim({"shared", {{request("gpus", {}, 2)}}, {}});
  // The resourceclaim controller's part: pods that end or are evicted give their claims back.
  h.cp.job_completed.connect([&](const JobState& j) { state.release_job(j.seq); });
  h.cp.job_preempted.connect([&](const JobState& v, const JobState&, NodeIndex) { state.release_job(v.seq); });

  JobSpec big = job_of(pod_with_claim("gpu", "four-h100", true), "big");
  big.pods[0].replicas = 2;
  big.duration = 100;
  JobSpec late = big;
  late.id = "late";
  JobSpec pair = job_of(pod_with_claim("gpu", "shared", false), "pair");
  pair.pods[0].replicas = 2;
  pair.duration = 50;
  h.submit_at(0, big);
  h.submit_at(1, late);
  h.submit_at(2, pair);
  h.engine.run();

  // "big" holds all eight GPUs; "late" waits for them, then "pair" shares one claim on one node.
  EXPECT_EQ(h.started.at("big"), 0);
  EXPECT_EQ(h.started.at("late"), 100);
  EXPECT_EQ(h.started.at("pair"), 200);
  NodeIndex pair_node = kUnbound;
  for (const auto& bind : h.binds) {
    if (bind.job != "pair") continue;
    if (pair_node == kUnbound) pair_node = bind.node;
    EXPECT_EQ(bind.node, pair_node) << "both users of a shared claim run where its devices are";
  }
  ASSERT_EQ(h.unschedulable.size(), 2u);
  EXPECT_EQ(h.unschedulable[0].second, "0/2 nodes are available: 2 cannot allocate all claims.");
  // Everything ended: no claim allocated, no device held, no generated claim left.
  EXPECT_EQ(h.completed.size(), 3u);
  EXPECT_EQ(state.claim_count(), 1u);  // only the named claim
  EXPECT_FALSE(state.claim(state.find_claim("shared")).status.allocation);
  for (NodeIndex n = 0; n < h.cluster.node_count(); ++n) {
    for (const DeviceSlot& d : state.devices_on(n)) EXPECT_EQ(state.holder(d.slot), kNoClaim);
  }
}

}  // namespace
}  // namespace kubetwin::models::dra

#include "models/k8s/container_devices.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/dra/dra_state.hpp"
#include "models/dra/dynamic_resources.hpp"
#include "models/testing/builders.hpp"
#include "models/testing/control_plane_harness.hpp"

namespace kubetwin::models {
namespace {

using testing::kGi;

NodeDevice dev(const std::string& name, std::int64_t gpu) { return {name, gpu}; }

std::vector<std::string> names(const std::vector<NodeDevice>& list) {
  std::vector<std::string> out;
  for (const auto& d : list) out.push_back(d.name);
  return out;
}

ContainerSpec container(std::string name, std::int64_t gpus = 0,
                        std::vector<std::string> claims = {},
                        std::vector<std::string> attempts = {}) {
  ContainerSpec c;
  c.name = std::move(name);
  c.gpus = gpus;
  c.claims = std::move(claims);
  c.device_access_attempts = std::move(attempts);
  return c;
}

PodGroupSpec pod_with(std::vector<ContainerSpec> containers) {
  PodGroupSpec p;
  p.name = "worker";
  p.containers = std::move(containers);
  return p;
}

// --- which container holds what ---------------------------------------------------------------

TEST(AssignToContainers, PodWithoutContainersIsOneContainerHoldingEverything) {
  PodDevices d{{dev("nvidia2", 2)}, {{"gpu", {dev("nic-0", -1)}}}};
  const auto out = assign_to_containers(pod_with({}), d);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].container, "worker");
  EXPECT_EQ(names(out[0].devices), (std::vector<std::string>{"nvidia2", "nic-0"}));
}

TEST(AssignToContainers, OnlyTheContainerReferencingTheClaimGetsItsDevices) {
  // TestSecureAcceleratorAccess's multi-container pod: container 0 references the claim, 1 does
  // not.
  PodDevices d{{}, {{"gpu", {dev("gpu-3", 3)}}, {"unreferenced", {dev("gpu-5", 5)}}}};
  const auto out =
      assign_to_containers(pod_with({container("ctr0", 0, {"gpu"}), container("ctr1")}), d);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(names(out[0].devices), (std::vector<std::string>{"gpu-3"}));
  EXPECT_TRUE(out[1].devices.empty());  // and nobody gets the claim no container references
}

TEST(AssignToContainers, SharedClaimGoesToEveryContainerReferencingIt) {
  PodDevices d{{}, {{"gpu", {dev("gpu-0", 0), dev("gpu-1", 1)}}}};
  const auto out =
      assign_to_containers(pod_with({container("a", 0, {"gpu"}), container("b", 0, {"gpu"})}), d);
  EXPECT_EQ(names(out[0].devices), names(out[1].devices));
  EXPECT_EQ(out[1].devices.size(), 2u);
}

TEST(AssignToContainers, DevicePluginGpusGoToTheRequestersInContainerOrder) {
  PodDevices d{{dev("nvidia4", 4), dev("nvidia5", 5), dev("nvidia6", 6)}, {}};
  const auto out = assign_to_containers(
      pod_with({container("one", 1), container("none"), container("two", 2)}), d);
  EXPECT_EQ(names(out[0].devices), (std::vector<std::string>{"nvidia4"}));
  EXPECT_TRUE(out[1].devices.empty());
  EXPECT_EQ(names(out[2].devices), (std::vector<std::string>{"nvidia5", "nvidia6"}));
}

TEST(AssignToContainers, AGpuShareGoesToTheContainersWithAShare) {
  PodGroupSpec p = pod_with({container("sidecar"), container("main")});
  p.containers[1].gpu_milli = 250;
  const auto out = assign_to_containers(p, {{dev("nvidia1", 1)}, {}});
  EXPECT_TRUE(out[0].devices.empty());
  EXPECT_EQ(names(out[1].devices), (std::vector<std::string>{"nvidia1"}));
}

// --- opening devices --------------------------------------------------------------------------

TEST(ResolveAccess, ForeignDevicesAreRefusedOwnOnesAreNotReported) {
  const std::vector<NodeDevice> node = {dev("nvidia0", 0), dev("nvidia1", 1), dev("nvidia2", 2)};
  const std::vector<NodeDevice> mine = {dev("nvidia1", 1)};
  const std::vector<std::string> attempts = {"all", "nvidia0", "nvidia9"};
  const auto out = resolve_access(1, attempts, mine, node, {});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].device.name, "nvidia0");
  EXPECT_EQ(out[1].device.name, "nvidia2");
  EXPECT_EQ(out[2].device.name, "nvidia9");
  for (const auto& a : out) {
    EXPECT_FALSE(a.granted);
    EXPECT_EQ(a.container, 1u);
  }
  EXPECT_TRUE(out[0].exists);
  EXPECT_FALSE(out[2].exists);
}

TEST(ResolveAccess, ExposeAllDevicesFaultGrantsForeignOpens) {
  const std::vector<NodeDevice> node = {dev("gpu-0", 0), dev("gpu-1", 1)};
  const std::vector<std::string> attempts = {"gpu-1", "gpu-7"};
  const auto out = resolve_access(0, attempts, {}, node, ContainerRuntimeConfig{true});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].granted);
  EXPECT_FALSE(out[1].granted);  // a device the node does not have stays missing
}

// --- the kubelet's view of a running cluster ----------------------------------------------------

dra::CelSelector cel(const std::string& expr) {
  auto r = dra::CelSelector::parse(expr);
  if (auto* e = std::get_if<dra::CelParseError>(&r)) ADD_FAILURE() << expr << ": " << e->describe();
  return std::get<dra::CelSelector>(r);
}

/// Pods with one single-accelerator claim (from a template) referenced by container 0 only.
JobSpec claim_job(const std::string& id) {
  PodGroupSpec p =
      pod_with({container("ctr0", 0, {"gpu"}, {"all"}), container("ctr1", 0, {}, {"gpu-0"})});
  p.requests = {1000, kGi, 0};
  p.replicas = 2;
  PodResourceClaim c;
  c.name = "gpu";
  c.resource_claim_template_name = "single-accelerator";
  p.resource_claims.push_back(c);
  JobSpec j;
  j.id = id;
  j.duration = 100;
  j.pods.push_back(p);
  return j;
}

TEST(KubeletDevices, PackedPodsSeeOnlyTheirOwnClaimedDevicesAndForeignOpensAreRefused) {
  dra::DraState state;
  PluginRegistry registry = PluginRegistry::builtin();
  dra::bind_dynamic_resources(registry, state);
  testing::Harness h({testing::pool("dra", 1, {64000, 512 * kGi, 0})}, {}, registry);
  state = dra::DraState(h.cluster.node_count());
  state.add_device_class({"gpu.nvidia.com", {cel("device.driver == \"gpu.nvidia.com\"")}});
  dra::ResourceSlice slice;
  slice.driver = "gpu.nvidia.com";
  for (int i = 0; i < 4; ++i) slice.devices.push_back({"gpu-" + std::to_string(i), {}, {}});
  state.add_pool_slices(h.cluster, 0, slice);
  dra::DeviceRequest one;
  one.name = "single-accelerator";
  one.device_class_name = "gpu.nvidia.com";
  state.add_claim_template({"single-accelerator", {{one}}});
  h.cp.job_completed.connect([&](const JobState& j) { state.release_job(j.seq); });

  const KubeletDevices kubelet(h.cp, state, {});
  std::map<std::string, std::vector<std::string>> seen;  // "<pod>/<container>" -> devices
  std::vector<std::string> refused, holders_of_refused;
  h.cp.pod_running.connect([&](const JobState& j, std::size_t pod, ControlPlane::ImagePull) {
    const auto start = kubelet.start_pod(j, pod);
    for (const auto& c : start.visible)
      seen[j.pod_name(pod) + "/" + c.container] = names(c.devices);
    for (const auto& a : start.accesses) {
      EXPECT_FALSE(a.granted);
      refused.push_back(j.pod_name(pod) + "/" + start.visible[a.container].container + "->" +
                        a.device.name);
      if (a.device.name == "gpu-0") {
        for (const auto& holder : kubelet.holders(j.pod_nodes[pod], a.device))
          holders_of_refused.push_back(holder);
      }
    }
  });
  h.submit_at(0, claim_job("a"));
  h.submit_at(1, claim_job("b"));
  h.engine.run();

  ASSERT_EQ(seen.size(), 8u);  // 4 pods on one node, 2 containers each
  std::set<std::string> devices;
  for (const auto& [who, list] : seen) {
    if (who.ends_with("/ctr1")) {
      EXPECT_TRUE(list.empty()) << who;
    } else {
      ASSERT_EQ(list.size(), 1u) << who;
      EXPECT_TRUE(devices.insert(list[0]).second)
          << who << " sees " << list[0] << ", another pod's device";
    }
  }
  EXPECT_EQ(devices.size(), 4u);
  // Each ctr0 tries "all": the three other pods' devices (those already allocated or not) are
  // refused; each ctr1 tries gpu-0, which only one ctr0 holds.
  EXPECT_EQ(refused.size(), 4u * 3u + 4u) << ::testing::PrintToString(refused);
  EXPECT_FALSE(holders_of_refused.empty());
  for (const auto& holder : holders_of_refused) EXPECT_TRUE(holder.ends_with("/ctr0")) << holder;
  EXPECT_EQ(kubelet.node_devices(0).size(), 4u);
}

TEST(KubeletDevices, ExposeAllDevicesShowsEveryContainerTheWholeNode) {
  testing::Harness h({testing::gpu_pool("gpu", 1)});
  dra::DraState state(h.cluster.node_count());
  const KubeletDevices kubelet(h.cp, state, ContainerRuntimeConfig{true});
  JobSpec j = testing::JobBuilder("plugin", 2);
  j.pods[0].containers = {container("trainer", 2, {}, {"all"}), container("logger")};
  std::vector<std::size_t> visible;
  std::size_t granted = 0;
  h.cp.pod_running.connect([&](const JobState& job, std::size_t pod, ControlPlane::ImagePull) {
    const auto start = kubelet.start_pod(job, pod);
    for (const auto& c : start.visible) visible.push_back(c.devices.size());
    EXPECT_EQ(start.allocated[0].devices.size(), 2u);
    EXPECT_TRUE(start.allocated[1].devices.empty());
    for (const auto& a : start.accesses) granted += a.granted;
  });
  h.submit_at(0, j);
  h.engine.run();
  EXPECT_EQ(visible, (std::vector<std::size_t>{8, 8}));
  EXPECT_EQ(granted, 6u);  // the trainer opens the six GPUs it was not given
}

}  // namespace
}  // namespace kubetwin::models

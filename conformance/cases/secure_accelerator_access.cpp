// secure_accelerator_access (MUST): NVIDIA's TestSecureAcceleratorAccess, under stress. A
// ResourceClaimTemplate `single-accelerator` (exactly 1 gpu.nvidia.com device): a pod with the
// claim sees exactly its device (ACCELERATOR_FOUND), a pod without it sees none
// (ACCELERATOR_MISSING), a two-container pod whose container 0 alone references the claim:
// container 0 sees it, container 1 nothing. Then more claim pods and device-plugin (nvidia.com/gpu)
// pods than the nodes hold at once, packed together, each container trying to open every device of
// its node. Pass iff every container sees exactly the devices allocated to it, never one another
// pod holds, every foreign open is refused, and all pods complete.

#include <sstream>

#include "conformance/cases/accelerator_isolation.hpp"
#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr int kNodes = 2, kDevicesPerNode = 4;  // per pool
constexpr int kPackedClaimPods = 9,
              kPluginPods = 6;  // plugin pods ride along with the first packed ones
static_assert(kPluginPods <= kPackedClaimPods);

using accelerator::Container;

accelerator::Workload workload() {
  accelerator::Workload w;
  w.add("positive", 0, "dra", true, {Container{"ctr0", 0, {"gpu"}, {"all"}, 1}});
  w.add("negative", 0, "dra", false, {Container{"ctr0", 0, {}, {"all"}, 0}});
  w.add("multi", 0, "dra", true,
        {Container{"ctr0", 0, {"gpu"}, {}, 1}, Container{"ctr1", 0, {}, {"all"}, 0}});
  for (int k = 0; k < kPackedClaimPods; ++k) {  // in submission order, as inline jobs must be
    w.add("packed-" + std::to_string(k), 1 + k, "dra", true,
          {Container{"ctr0", 0, {"gpu"}, {"all"}, 1}, Container{"ctr1", 0, {}, {"all"}, 0}});
    if (k >= kPluginPods) continue;
    w.add("plugin-" + std::to_string(k), 1 + k, "plugin", false,
          {Container{"trainer", 1, {}, {"all"}, 1}, Container{"eval", 1, {}, {}, 1},
           Container{"sidecar", 0, {}, {"all"}, 0}});
  }
  return w;
}

}  // namespace

CaseResult secure_accelerator_access(const CaseContext& ctx) {
  const accelerator::Workload w = workload();
  const nlohmann::json scenario = {
      {"name", "secure-accelerator-access"},
      {"platform",
       {{"nodePools",
         {accelerator::dra_pool("dra", kNodes, kDevicesPerNode, "gpu",
                                {{"model", {{"string", "H100"}}}}, "80Gi"),
          accelerator::plugin_pool("plugin", kNodes, kDevicesPerNode, nlohmann::json::object())}}}},
      {"dra", accelerator::dra_objects()},
      {"workload", {{"jobs", w.jobs}}},
      {"simulation", {{"until", "6h"}}},
      {"output", {{"timeline", false}}}};
  const SimulationResult sim = ctx.simulate(scenario);
  const accelerator::Isolation iso = accelerator::check_isolation(sim, w.expected);
  const int jobs = static_cast<int>(w.jobs.size());
  const int completed = sim.summary["jobs"]["completed"].get<int>();
  auto seen = [&](const std::string& who) {
    auto it = iso.visible.find(who);
    return it == iso.visible.end() ? std::string("nothing reported") : std::to_string(it->second);
  };
  std::vector<std::string> problems = iso.problems;
  if (iso.denied_held + iso.granted_held == 0)
    problems.push_back(
        "FAIL: no container tried a device another pod held (the stress did not happen)");
  if (completed != jobs) problems.push_back("FAIL: not every pod completed");
  std::ostringstream ev;
  ev << "TestSecureAcceleratorAccess with ResourceClaimTemplate single-accelerator (exactly 1): "
        "the pod with the claim sees "
     << seen("positive-worker-0/ctr0")
     << " device(s) (ACCELERATOR_FOUND iff 1), the pod without sees "
     << seen("negative-worker-0/ctr0")
     << " (ACCELERATOR_MISSING iff 0), the two-container pod's container 0 sees "
     << seen("multi-worker-0/ctr0") << " and container 1 " << seen("multi-worker-0/ctr1")
     << "; under stress " << (kPackedClaimPods + 2) << " claim pods on " << kNodes
     << " DRA nodes x " << kDevicesPerNode << " devices and " << kPluginPods
     << " device-plugin pods (two containers of nvidia.com/gpu: 1 and a GPU-less sidecar) on "
     << kNodes << " nodes x " << kDevicesPerNode << " GPUs: " << iso.containers << " containers, "
     << iso.saw_foreign << " saw a device not allocated to their pod, " << iso.wrong_count
     << " saw other than their own count; " << iso.denied
     << " opens of devices not allocated refused (" << iso.denied_held
     << " of devices another pod held), " << iso.granted << " granted; " << completed << "/" << jobs
     << " pods completed";
  for (const auto& p : problems) ev << "; " << p;
  return {problems.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases

// virtualized_accelerator (SHOULD 1.35+): the same claims and requests on physical GPUs and on
// virtual GPUs. The physical path: a DRA pool whose ResourceSlices publish whole H100s (80Gi) and
// a device-plugin pool of H100 hosts; the virtual path: a DRA pool whose devices are vGPUs (type
// vgpu, profile H100-20C, a quarter of an H100's memory: 20Gi) and a pool of VMs whose device
// plugin hands out vGPUs as nvidia.com/gpu. The workload (ResourceClaimTemplate single-accelerator,
// pods whose container 0 alone references the claim, device-plugin pods with a GPU-less sidecar,
// more than fits) is the same on both. Pass iff allocation (devices per pod), isolation (what every
// container sees, foreign opens refused) and accounting (summary.containerDevices, devices in
// Scheduled events) are identical on both paths, isolation holds, and every pod completes on both.

#include <sstream>

#include "conformance/cases/accelerator_isolation.hpp"
#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr int kNodes = 2, kDevicesPerNode = 4;
constexpr int kClaimPods = 10, kPluginPods = 6;
static_assert(kPluginPods <= kClaimPods);

using accelerator::Container;

struct Path {
  const char* name;
  nlohmann::json pools;
  std::string dra_pool, plugin_pool;
};

accelerator::Workload workload(const Path& p) {
  accelerator::Workload w;
  for (int k = 0; k < kClaimPods; ++k) {  // in submission order, as inline jobs must be
    w.add("claim-" + std::to_string(k), k, p.dra_pool, true,
          {Container{"ctr0", 0, {"gpu"}, {"all"}, 1}, Container{"ctr1", 0, {}, {"all"}, 0}});
    if (k >= kPluginPods) continue;
    w.add("plugin-" + std::to_string(k), k, p.plugin_pool, false,
          {Container{"trainer", 2, {}, {"all"}, 2}, Container{"sidecar", 0, {}, {"all"}, 0}});
  }
  return w;
}

struct Run {
  accelerator::Isolation iso;
  nlohmann::json accounting;
  int completed = 0, jobs = 0, vgpu_devices = 0;
  std::map<std::string, int> allocated;  // pod -> devices in its Scheduled event
};

Run run(const CaseContext& ctx, const Path& p) {
  const accelerator::Workload w = workload(p);
  const nlohmann::json scenario = {{"name", std::string("virtualized-accelerator-") + p.name},
                                   {"platform", {{"nodePools", p.pools}}},
                                   {"dra", accelerator::dra_objects()},
                                   {"workload", {{"jobs", w.jobs}}},
                                   {"simulation", {{"until", "6h"}}},
                                   {"output", {{"timeline", false}}}};
  const SimulationResult sim = ctx.simulate(scenario);
  Run r;
  r.iso = accelerator::check_isolation(sim, w.expected);
  r.accounting = sim.summary.value("containerDevices", nlohmann::json());
  r.completed = sim.summary["jobs"]["completed"].get<int>();
  r.jobs = static_cast<int>(w.jobs.size());
  for (const nlohmann::json* e : sim.of_type("Scheduled")) {
    int n = static_cast<int>(e->value("gpus", nlohmann::json::array()).size());
    if (e->contains("claims")) {
      n = 0;
      for (const auto& c : (*e)["claims"]) {
        n += static_cast<int>(c["devices"].size());
        for (const auto& d : c["devices"])
          r.vgpu_devices += d.get<std::string>().starts_with("vgpu-");
      }
    }
    r.allocated[(*e)["pod"].get<std::string>()] = n;
  }
  return r;
}

}  // namespace

CaseResult virtualized_accelerator(const CaseContext& ctx) {
  const nlohmann::json h100 = {{"model", {{"string", "H100"}}}, {"type", {{"string", "gpu"}}}};
  const nlohmann::json vgpu = {{"model", {{"string", "H100"}}},
                               {"type", {{"string", "vgpu"}}},
                               {"vgpuProfile", {{"string", "H100-20C"}}}};
  const Path physical{
      "physical",
      {accelerator::dra_pool("gpus", kNodes, kDevicesPerNode, "gpu", h100, "80Gi"),
       accelerator::plugin_pool("hosts", kNodes, kDevicesPerNode, nlohmann::json::object())},
      "gpus",
      "hosts"};
  const Path virt{"vgpu",
                  {accelerator::dra_pool("vgpus", kNodes, kDevicesPerNode, "vgpu", vgpu, "20Gi"),
                   accelerator::plugin_pool("vms", kNodes, kDevicesPerNode,
                                            {{"nvidia.com/vgpu.present", "true"}})},
                  "vgpus",
                  "vms"};
  const Run a = run(ctx, physical), b = run(ctx, virt);

  std::vector<std::string> problems;
  for (const auto& p : a.iso.problems) problems.push_back(p + " [physical]");
  for (const auto& p : b.iso.problems) problems.push_back(p + " [vGPU]");
  if (a.allocated != b.allocated)
    problems.push_back("FAIL: devices allocated per pod differ between the paths");
  if (a.iso.visible != b.iso.visible)
    problems.push_back("FAIL: what the containers see differs between the paths");
  if (a.iso.denied != b.iso.denied || a.iso.granted != b.iso.granted)
    problems.push_back("FAIL: foreign opens fare differently on the paths");
  if (a.accounting != b.accounting || a.iso.devices_allocated != b.iso.devices_allocated) {
    problems.push_back("FAIL: accounting differs (summary.containerDevices " + a.accounting.dump() +
                       " vs " + b.accounting.dump() + ")");
  }
  if (b.vgpu_devices == 0) problems.push_back("FAIL: no claim got a vGPU on the vGPU path");
  if (a.completed != a.jobs || b.completed != b.jobs)
    problems.push_back("FAIL: not every pod completed on both paths");

  std::ostringstream ev;
  ev << kClaimPods << " pods with claim single-accelerator (container 0 references it) and "
     << kPluginPods << " pods of 2 x nvidia.com/gpu with a GPU-less sidecar, on " << kNodes << " x "
     << kDevicesPerNode << " physical H100s (80Gi) and on " << kNodes << " x " << kDevicesPerNode
     << " vGPUs (H100-20C, 20Gi): "
     << "devices allocated " << a.iso.devices_allocated << " vs " << b.iso.devices_allocated << " ("
     << b.vgpu_devices << " claims got a vGPU), " << a.allocated.size() << " vs "
     << b.allocated.size() << " pods placed with "
     << (a.allocated == b.allocated ? "the same" : "different") << " devices per pod; containers "
     << a.iso.containers << " vs " << b.iso.containers << ", seeing a foreign device "
     << a.iso.saw_foreign << " vs " << b.iso.saw_foreign << ", foreign opens refused "
     << a.iso.denied << " vs " << b.iso.denied << ", granted " << a.iso.granted << " vs "
     << b.iso.granted << "; summary.containerDevices "
     << (a.accounting == b.accounting ? "identical" : "different") << "; " << a.completed << "/"
     << a.jobs << " and " << b.completed << "/" << b.jobs << " pods completed";
  for (const auto& p : problems) ev << "; " << p;
  return {problems.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases

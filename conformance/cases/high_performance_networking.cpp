// high_performance_networking: NICs exposed as DRA devices (DRANET-style: RDMA, NUMA node, PCI
// address, interface name, link speed) beside DRA GPUs. Nodes have 8 GPUs and 8 NICs over 2 NUMA
// nodes; only the "rdma" pool's NICs do RDMA, and unevenly (1 on NUMA 0, 3 on NUMA 1). Pods claim
// 1-2 GPUs and 1-2 RDMA NICs in one claim with constraints[].matchAttribute on the NUMA node, more
// than the RDMA NICs hold at once. Pass iff NIC pods land only on RDMA nodes, every claim's GPUs
// and NICs share one NUMA node, two-interface pods get two distinct NICs, the NICs' properties can
// be read from the run's resourceslices.json, and all pods complete.

#include <map>
#include <set>
#include <sstream>

#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr const char* kNuma = "kubetwin.io/numaNode";
// Pods: GPUs and RDMA NICs each (the claim template "gpu<g>-nic<n>"), how many such pods.
struct PodKind {
  int gpus, nics, pods;
};
constexpr PodKind kKinds[] = {{1, 1, 4}, {2, 1, 4}, {2, 2, 3}};
constexpr int kGpuOnlyPods = 4;  // no NIC: may run anywhere

std::string template_name(const PodKind& k) { return "gpu" + std::to_string(k.gpus) + "-nic" + std::to_string(k.nics); }

// 8 GPUs and 8 NICs, 4 of each per NUMA node; on the RDMA pool nic-0 (NUMA 0) and nic-4..6 (NUMA 1)
// do RDMA, so that taking the lowest free NIC for the lowest free GPUs would often cross NUMA nodes.
nlohmann::json pool(const std::string& name, bool rdma) {
  nlohmann::json gpus = nlohmann::json::array(), nics = nlohmann::json::array();
  for (int i = 0; i < 8; ++i) {
    const int numa = i / 4;
    char pci[16];
    std::snprintf(pci, sizeof pci, "0000:%02x:00.0", 0x18 + 0x10 * i);
    gpus.push_back({{"name", "gpu-" + std::to_string(i)},
                    {"attributes", {{"model", {{"string", "H100"}}}, {kNuma, {{"int", numa}}}}},
                    {"capacity", {{"memory", {{"value", "80Gi"}}}}}});
    nics.push_back({{"name", "nic-" + std::to_string(i)},
                    {"attributes", {{"ifName", {{"string", "eth" + std::to_string(i + 1)}}},
                                    {"pciAddress", {{"string", pci}}},
                                    {"rdma", {{"bool", rdma && (i == 0 || (i >= 4 && i <= 6))}}},
                                    {"linkSpeedGbps", {{"int", 400}}},
                                    {kNuma, {{"int", numa}}}}}});
  }
  return {{"name", name}, {"count", 2}, {"capacity", {{"cpu", "192"}, {"memory", "2Ti"}, {"nvidia.com/gpu", 0}}},
          {"resourceSlices", {{{"driver", "gpu.nvidia.com"}, {"devices", gpus}}, {{"driver", "dra.net"}, {"devices", nics}}}}};
}

nlohmann::json request(const std::string& name, const std::string& cls, int count, const char* selector = nullptr) {
  nlohmann::json exactly = {{"deviceClassName", cls}, {"count", count}};
  if (selector != nullptr) exactly["selectors"] = {{{"cel", {{"expression", selector}}}}};
  return {{"name", name}, {"exactly", exactly}};
}

nlohmann::json scenario() {
  nlohmann::json templates = nlohmann::json::array(), jobs = nlohmann::json::array();
  for (const PodKind& k : kKinds) {
    templates.push_back(
        {{"metadata", {{"name", template_name(k)}}},
         {"spec", {{"spec", {{"devices", {{"requests", {request("gpus", "gpu.nvidia.com", k.gpus),
                                                        request("nics", "dra.net", k.nics, "device.attributes[\"dra.net\"].rdma == true")}},
                                          {"constraints", {{{"requests", {"gpus", "nics"}}, {"matchAttribute", kNuma}}}}}}}}}}});
  }
  templates.push_back({{"metadata", {{"name", "gpu-only"}}},
                       {"spec", {{"spec", {{"devices", {{"requests", {request("gpus", "gpu.nvidia.com", 2)}}}}}}}}});
  auto job = [&](const std::string& id, const std::string& claim_template, int t) {
    jobs.push_back({{"jobId", id}, {"submitTime", t}, {"duration", "10m"},
                    {"pods", {{{"name", "worker"}, {"requests", {{"cpu", "8"}, {"memory", "64Gi"}}},
                               {"resourceClaims", {{{"name", "net"}, {"resourceClaimTemplateName", claim_template}}}}}}}});
  };
  int t = 0;
  for (const PodKind& k : kKinds) {
    for (int p = 0; p < k.pods; ++p) job(template_name(k) + "-" + std::to_string(p), template_name(k), t++);
  }
  for (int p = 0; p < kGpuOnlyPods; ++p) job("gpu-only-" + std::to_string(p), "gpu-only", t++);
  return {{"name", "high-performance-networking"},
          {"platform", {{"nodePools", {pool("rdma", true), pool("plain", false)}}}},
          {"dra", {{"deviceClasses", {{{"metadata", {{"name", "gpu.nvidia.com"}}},
                                       {"spec", {{"selectors", {{{"cel", {{"expression", "device.driver == \"gpu.nvidia.com\""}}}}}}}}},
                                      {{"metadata", {{"name", "dra.net"}}},
                                       {"spec", {{"selectors", {{{"cel", {{"expression", "device.driver == \"dra.net\""}}}}}}}}}}},
                   {"resourceClaimTemplates", templates}}},
          {"workload", {{"jobs", jobs}}},
          {"simulation", {{"until", "6h"}}},
          {"output", {{"timeline", false}}}};
}

struct PublishedDevice {
  std::string driver;
  nlohmann::json attributes;
};

}  // namespace

CaseResult high_performance_networking(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  // What the nodes published: (node, device) -> driver and attributes.
  std::map<std::pair<std::string, std::string>, PublishedDevice> published;
  const auto slices = nlohmann::json::parse(sim.read_output("resourceslices.json"));
  for (const auto& item : slices["items"]) {
    const auto& spec = item["spec"];
    for (const auto& d : spec["devices"]) {
      published[{spec["nodeName"].get<std::string>(), d["name"].get<std::string>()}] = {
          spec["driver"].get<std::string>(), d.value("attributes", nlohmann::json::object())};
    }
  }
  int nic_pods = 0, nics = 0, off_rdma = 0, mixed_numa = 0, two_nic_pods = 0, two_nic_distinct = 0, undiscoverable = 0;
  int nic_pods_expected = 0, all_pods = kGpuOnlyPods;
  for (const PodKind& k : kKinds) nic_pods_expected += k.pods, all_pods += k.pods;
  std::set<std::string> nic_nodes;
  std::string first_problem, example;
  auto problem = [&](const std::string& text) {
    if (first_problem.empty()) first_problem = text;
  };
  for (const nlohmann::json* e : sim.of_type("Scheduled")) {
    const std::string node = (*e)["node"].get<std::string>(), job = (*e)["job"].get<std::string>();
    for (const auto& claim : e->value("claims", nlohmann::json::array())) {
      std::set<std::int64_t> numa;
      std::set<std::string> claim_nics;
      for (const auto& name : claim["devices"]) {
        const auto it = published.find({node, name.get<std::string>()});
        if (it == published.end()) {
          ++undiscoverable;
          problem(job + "'s device " + name.get<std::string>() + " is not in resourceslices.json");
          continue;
        }
        const nlohmann::json& a = it->second.attributes;
        if (a.contains(kNuma)) numa.insert(a[kNuma]["int"].get<std::int64_t>());
        if (it->second.driver != "dra.net") continue;
        ++nics;
        claim_nics.insert(name.get<std::string>());
        for (const char* key : {"rdma", "pciAddress", "ifName", "linkSpeedGbps", kNuma}) {
          if (!a.contains(key)) ++undiscoverable, problem(node + "/" + name.get<std::string>() + " publishes no " + key);
        }
        if (!a.value("rdma", nlohmann::json::object()).value("bool", false)) {
          ++off_rdma;
          problem(job + " got " + name.get<std::string>() + " without RDMA on " + node);
        }
        if (example.empty() && a.contains("pciAddress")) {
          example = node + "/" + name.get<std::string>() + " (" + a["ifName"]["string"].get<std::string>() + ", PCI " +
                    a["pciAddress"]["string"].get<std::string>() + ", NUMA " + std::to_string(a[kNuma]["int"].get<int>()) +
                    ", " + std::to_string(a["linkSpeedGbps"]["int"].get<int>()) + " Gb/s, rdma)";
        }
      }
      if (claim_nics.empty()) continue;
      ++nic_pods;
      nic_nodes.insert(node);
      if (numa.size() != 1) {
        ++mixed_numa;
        problem(job + "'s GPUs and NICs span " + std::to_string(numa.size()) + " NUMA nodes on " + node);
      }
      if (job.starts_with("gpu2-nic2")) {
        ++two_nic_pods;
        if (claim_nics.size() == 2) ++two_nic_distinct;
        else problem(job + " got " + std::to_string(claim_nics.size()) + " distinct NICs, wants 2");
      }
    }
  }
  bool nic_pods_off_rdma_pool = false;
  for (const std::string& n : nic_nodes) nic_pods_off_rdma_pool |= !n.starts_with("rdma-");
  const auto completed = sim.summary["jobs"]["completed"].get<int>();
  std::ostringstream ev;
  ev << "2 RDMA + 2 plain nodes, each 8 DRA GPUs and 8 DRA NICs over 2 NUMA nodes (RDMA NICs: 1 on NUMA 0, 3 on NUMA 1); "
     << nic_pods_expected << " pods claim 1-2 GPUs + 1-2 RDMA NICs with matchAttribute " << kNuma << ", " << kGpuOnlyPods
     << " claim GPUs only: " << nic_pods << " NIC pods placed on " << nic_nodes.size() << " node(s) ("
     << (nic_pods_off_rdma_pool ? "not only" : "only") << " RDMA nodes), " << nics << " NICs allocated, " << off_rdma
     << " without RDMA, " << mixed_numa << " claims across NUMA nodes, " << two_nic_distinct << "/" << two_nic_pods
     << " two-interface pods with 2 distinct NICs, " << undiscoverable << " undiscoverable device properties";
  if (!example.empty()) ev << " (e.g. " << example << ")";
  ev << "; " << completed << "/" << all_pods << " pods completed";
  std::vector<std::string> fails;
  if (nic_pods != nic_pods_expected) fails.push_back(std::to_string(nic_pods) + " of " + std::to_string(nic_pods_expected) + " NIC pods got NICs");
  if (nic_pods_off_rdma_pool || off_rdma > 0) fails.push_back("a NIC pod ran without an RDMA NIC");
  if (mixed_numa > 0) fails.push_back("GPU and NIC on different NUMA nodes");
  if (two_nic_distinct != two_nic_pods) fails.push_back("a two-interface pod did not get two NICs");
  if (undiscoverable > 0) fails.push_back("NIC properties not discoverable");
  if (completed != all_pods) fails.push_back("not every pod completed");
  for (const auto& f : fails) ev << "; FAIL: " << f;
  if (!first_problem.empty()) ev << " (first: " << first_problem << ")";
  return {fails.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases

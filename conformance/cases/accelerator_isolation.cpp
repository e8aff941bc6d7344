#include "conformance/cases/accelerator_isolation.hpp"

#include <algorithm>
#include <set>

namespace kubetwin::conformance::cases::accelerator {

namespace {

const nlohmann::json kGpuTaint = {
    {"key", "nvidia.com/gpu"}, {"value", "present"}, {"effect", "NoSchedule"}};

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

nlohmann::json dra_pool(const std::string& name, int count, int devices_per_node,
                        const std::string& device, const nlohmann::json& attributes,
                        const std::string& memory) {
  return {{"name", name},
          {"count", count},
          {"capacity", {{"cpu", "64"}, {"memory", "512Gi"}}},
          {"taints", {kGpuTaint}},
          {"resourceSlices",
           {{{"driver", "gpu.nvidia.com"},
             {"devices",
              {{{"name", device},
                {"count", devices_per_node},
                {"attributes", attributes},
                {"capacity", {{"memory", {{"value", memory}}}}}}}}}}}};
}

nlohmann::json plugin_pool(const std::string& name, int count, int gpus,
                           const nlohmann::json& labels) {
  return {{"name", name},
          {"count", count},
          {"capacity", {{"cpu", "64"}, {"memory", "512Gi"}, {"nvidia.com/gpu", gpus}}},
          {"gpuModel", "H100-SXM-80GB"},
          {"labels", labels},
          {"taints", {kGpuTaint}}};
}

nlohmann::json dra_objects() {
  return nlohmann::json::parse(R"({
    "deviceClasses": [{"metadata": {"name": "gpu.nvidia.com"},
      "spec": {"selectors": [{"cel": {"expression": "device.driver == \"gpu.nvidia.com\""}}]}}],
    "resourceClaimTemplates": [{"metadata": {"name": "single-accelerator"}, "spec": {"spec": {"devices": {"requests": [
      {"name": "single-accelerator", "exactly": {"deviceClassName": "gpu.nvidia.com", "count": 1}}]}}}}]
  })");
}

void Workload::add(const std::string& id, double submit, const std::string& pool, bool claim,
                   const std::vector<Container>& containers) {
  nlohmann::json list = nlohmann::json::array();
  int gpus = 0;
  for (const Container& c : containers) {
    nlohmann::json resources = nlohmann::json::object();
    if (c.gpus > 0) resources["requests"] = {{"nvidia.com/gpu", c.gpus}};
    for (const auto& ref : c.claims) resources["claims"].push_back({{"name", ref}});
    nlohmann::json cj = {{"name", c.name}};
    if (!resources.empty()) cj["resources"] = resources;
    if (!c.attempts.empty()) cj["deviceAccessAttempts"] = c.attempts;
    list.push_back(cj);
    gpus += c.gpus;
    expected[id + "/" + c.name] = c.expect_visible;
  }
  nlohmann::json pod = {
      {"name", "worker"},
      {"requests", {{"cpu", "4"}, {"memory", "32Gi"}, {"nvidia.com/gpu", gpus}}},
      {"nodeSelector", {{"kubetwin.io/node-pool", pool}}},
      {"tolerations",
       {{{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}}},
      {"containers", list}};
  if (claim)
    pod["resourceClaims"] = {
        {{"name", "gpu"}, {"resourceClaimTemplateName", "single-accelerator"}}};
  jobs.push_back({{"jobId", id}, {"submitTime", submit}, {"duration", "10m"}, {"pods", {pod}}});
}

Isolation check_isolation(const SimulationResult& sim, const std::map<std::string, int>& expected) {
  Isolation out;
  // Who holds which GPU of a node now (from Scheduled, until the job ends), and each pod's job.
  std::map<std::string, std::map<std::string, std::set<std::int64_t>>> held;  // node -> pod -> GPUs
  std::map<std::string, std::vector<std::pair<std::string, std::string>>>
      pods_of_job;                                    // job -> (node, pod)
  std::map<std::string, std::set<std::int64_t>> own;  // pod -> GPUs
  std::string first_wrong, first_foreign, first_granted;
  for (const auto& e : sim.events) {
    const std::string type = e["type"].get<std::string>();
    if (type == "Scheduled") {
      const std::string node = e["node"].get<std::string>(), pod = e["pod"].get<std::string>();
      std::set<std::int64_t> gpus;
      for (const auto& g : e.value("gpus", nlohmann::json::array()))
        gpus.insert(g.get<std::int64_t>());
      int claimed = 0;
      for (const auto& c : e.value("claims", nlohmann::json::array()))
        claimed += static_cast<int>(c["devices"].size());
      out.devices_allocated += claimed > 0 ? claimed : static_cast<int>(gpus.size());
      held[node][pod] = gpus;
      own[pod] = gpus;
      pods_of_job[e["job"].get<std::string>()].emplace_back(node, pod);
    } else if (type == "JobCompleted" || type == "JobFailed" || type == "Preempted" ||
               type == "Evicted") {
      for (const auto& [node, pod] : pods_of_job[e["job"].get<std::string>()])
        held[node].erase(pod);
    } else if (type == "ContainerDevices") {
      ++out.containers;
      const std::string node = e["node"].get<std::string>(), pod = e["pod"].get<std::string>();
      const std::string who = pod + "/" + e["container"].get<std::string>();
      const int seen = static_cast<int>(e["devices"].size());
      out.visible[who] = seen;
      const auto want =
          expected.find(e["job"].get<std::string>() + "/" + e["container"].get<std::string>());
      if (want != expected.end() && want->second != seen) {
        ++out.wrong_count;
        if (first_wrong.empty()) {
          first_wrong = "container " + who + " sees " + std::to_string(seen) + " devices on " +
                        node + ", not " + std::to_string(want->second);
        }
      }
      std::vector<std::string> foreign;
      for (const auto& g : e["gpus"]) {
        const std::int64_t gpu = g.get<std::int64_t>();
        if (own[pod].count(gpu) > 0) continue;
        std::string holder = "free";
        for (const auto& [other, gpus] : held[node]) {
          if (other != pod && gpus.count(gpu) > 0) holder = "held by " + other;
        }
        foreign.push_back("GPU " + std::to_string(gpu) + " (" + holder + ")");
      }
      if (!foreign.empty()) {
        ++out.saw_foreign;
        if (first_foreign.empty())
          first_foreign = "container " + who + " on " + node + " sees " + join(foreign);
      }
    } else if (type == "DeviceAccessDenied") {
      ++out.denied;
      if (!e["heldBy"].empty()) ++out.denied_held;
    } else if (type == "DeviceAccessGranted") {
      ++out.granted;
      if (!e["heldBy"].empty()) ++out.granted_held;
      if (first_granted.empty()) {
        std::vector<std::string> holders;
        for (const auto& h : e["heldBy"]) holders.push_back(h.get<std::string>());
        first_granted = "container " + e["pod"].get<std::string>() + "/" +
                        e["container"].get<std::string>() + " opened " +
                        e["device"].get<std::string>() + " on " + e["node"].get<std::string>() +
                        (holders.empty() ? std::string(" (free)") : " held by " + join(holders));
      }
    }
  }
  if (!first_foreign.empty()) {
    out.problems.push_back(
        "FAIL: " + std::to_string(out.saw_foreign) +
        " containers saw devices not allocated to their pod (first: " + first_foreign + ")");
  }
  if (!first_wrong.empty()) {
    out.problems.push_back("FAIL: " + std::to_string(out.wrong_count) +
                           " containers saw other than their own devices (first: " + first_wrong +
                           ")");
  }
  if (!first_granted.empty()) {
    out.problems.push_back("FAIL: " + std::to_string(out.granted) +
                           " opens of devices not allocated succeeded (first: " + first_granted +
                           ")");
  }
  if (out.containers == 0) out.problems.push_back("FAIL: no container reported its devices");
  return out;
}

}  // namespace kubetwin::conformance::cases::accelerator

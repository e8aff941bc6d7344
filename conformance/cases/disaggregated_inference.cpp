// disaggregated_inference: a prefill/decode-split serving stack (/disaggregatedServing: two
// Deployments, the prefill and the decode role, llama-3-8b at TP 2 on H100 servers of a
// fat-tree; prefill pods on distinct servers of one leaf, decode pods on distinct servers) serving
// a request stream beside competing training jobs. Run twice: decode pods with a required pod
// affinity to prefill pods on the NVLink domain (same HGX server), and with a required
// anti-affinity on the leaf (the K/V cache crosses the spine). Pass iff every request
// completes end to end, each one's prefill and decode ran in different pods of the right roles
// and its id appears on both sides of serving-requests.jsonl, the scheduler put decode pods where
// the affinity asked, and the K/V transfer cost reflects it: all co-located transfers stay on
// NVLink and are faster on average than the cross-spine ones.

#include <map>
#include <set>
#include <sstream>

#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr int kRequests = 80;
constexpr const char* kNvlinkDomain = "topology.kubetwin.io/nvlink-domain";
constexpr const char* kLeaf = "topology.kubetwin.io/leaf";

nlohmann::json role_template(const nlohmann::json& affinity) {
  nlohmann::json t = {{"name", "server"}, {"requests", {{"cpu", "16"}, {"memory", "256Gi"}, {"nvidia.com/gpu", 2}}}};
  if (!affinity.is_null()) t["affinity"] = affinity;
  return t;
}

nlohmann::json pods_of(const char* role, const char* key) {
  return {{"labelSelector", {{"matchLabels", {{"llm-d.ai/role", role}}}}}, {"topologyKey", key}};
}

nlohmann::json scenario(bool colocate) {
  // Prefill pods on distinct servers of one leaf, so that both placements of the decode pods exist.
  const nlohmann::json prefill_affinity = {
      {"podAffinity", {{"requiredDuringSchedulingIgnoredDuringExecution", {pods_of("prefill", kLeaf)}}}},
      {"podAntiAffinity", {{"requiredDuringSchedulingIgnoredDuringExecution", {pods_of("prefill", kNvlinkDomain)}}}}};
  // Decode pods on distinct servers too (one prefill/decode pair per server when co-located), and
  // on a prefill pod's server, or off every prefill pod's leaf.
  nlohmann::json decode_affinity = {
      {"podAntiAffinity", {{"requiredDuringSchedulingIgnoredDuringExecution", {pods_of("decode", kNvlinkDomain)}}}}};
  if (colocate) {
    decode_affinity["podAffinity"] = {{"requiredDuringSchedulingIgnoredDuringExecution", {pods_of("prefill", kNvlinkDomain)}}};
  } else {
    decode_affinity["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"].push_back(pods_of("prefill", kLeaf));
  }
  // Competing tenants: training jobs on 4 GPUs each, for the whole run.
  nlohmann::json jobs = nlohmann::json::array();
  for (int j = 0; j < 3; ++j) {
    jobs.push_back({{"jobId", "train-" + std::to_string(j)}, {"submitTime", 0}, {"duration", "2h"},
                    {"pods", {{{"name", "worker"}, {"requests", {{"cpu", "32"}, {"memory", "512Gi"}, {"nvidia.com/gpu", 4}}}}}}});
  }
  return {{"name", colocate ? "disaggregated-colocated" : "disaggregated-across-leaves"},
          {"platform", {{"nodePools", {{{"name", "hgx"}, {"count", 8},
                                        {"capacity", {{"cpu", "112"}, {"memory", "2Ti"}, {"nvidia.com/gpu", 8}}},
                                        {"gpuModel", "H100-SXM-80GB"}}}}}},
          {"fabric", {{"topology", "fatTree"}, {"nicBandwidth", "400Gbps"}, {"nodesPerLeaf", 4}, {"nodesPerPod", 8}}},
          {"disaggregatedServing", {{{"name", "llm"}, {"model", "llama-3-8b"},
                                     {"prefill", {{"replicas", 2}, {"template", role_template(prefill_affinity)}}},
                                     {"decode", {{"replicas", 2}, {"template", role_template(decode_affinity)}}},
                                     {"requests", {{"start", "2m"}, {"rate", 4}, {"count", kRequests},
                                                   {"inputTokens", {{"min", 2048}, {"max", 8192}}}, {"outputTokens", 64}}}}}},
          {"workload", {{"jobs", jobs}}},
          {"simulation", {{"until", "30m"}}},
          {"output", {{"timeline", false}}}};
}

struct RunFacts {
  int completed = 0, failed = 0, both_sides = 0, role_errors = 0, wrong_path = 0;
  double kv_mean = 0, ttft_mean = 0;
  std::map<std::string, int> paths;
  std::set<std::string> prefill_nodes, decode_nodes;
  std::string first_problem;
};

RunFacts observe(const SimulationResult& sim, bool colocate) {
  RunFacts f;
  auto problem = [&](const std::string& text) {
    if (f.first_problem.empty()) f.first_problem = text;
  };
  struct Sides {
    std::string prefill_pod, decode_pod;
    int prefill_lines = 0, decode_lines = 0;
  };
  std::map<std::string, Sides> by_request;
  std::istringstream lines(sim.read_output("serving-requests.jsonl"));
  double kv_sum = 0, ttft_sum = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto e = nlohmann::json::parse(line);
    Sides& s = by_request[e["request"].get<std::string>()];
    const std::string role = e["role"].get<std::string>();
    if (role == "prefill") {
      ++s.prefill_lines;
      s.prefill_pod = e["pod"].get<std::string>();
    } else if (role == "decode") {
      ++s.decode_lines;
      s.decode_pod = e["pod"].get<std::string>();
      if (e["prefillPod"] != s.prefill_pod) problem(e["request"].get<std::string>() + ": decode names another prefill pod");
      const std::string path = e["kvPath"].get<std::string>();
      ++f.paths[path];
      const bool expected = colocate ? path == "node" : path != "node" && path != "leaf" && path != "nvlinkDomain";
      if (!expected) ++f.wrong_path, problem(e["request"].get<std::string>() + "'s K/V cache took path " + path);
      kv_sum += e["kvTransferSeconds"].get<double>();
      ttft_sum += e["ttftSeconds"].get<double>();
    } else {
      ++f.failed;
      problem(e["request"].get<std::string>() + " failed: " + e["reason"].get<std::string>());
    }
  }
  for (const auto& [id, s] : by_request) {
    if (s.prefill_lines == 1 && s.decode_lines == 1) ++f.both_sides;
    if (s.decode_lines == 0) continue;
    ++f.completed;
    if (!s.prefill_pod.starts_with("llm-prefill-") || !s.decode_pod.starts_with("llm-decode-") || s.prefill_pod == s.decode_pod) {
      ++f.role_errors;
      problem(id + " ran prefill on " + s.prefill_pod + " and decode on " + s.decode_pod);
    }
  }
  if (f.completed > 0) f.kv_mean = kv_sum / f.completed, f.ttft_mean = ttft_sum / f.completed;
  for (const nlohmann::json* e : sim.of_type("Scheduled")) {
    const std::string job = (*e)["job"].get<std::string>();
    if (job == "llm-prefill") f.prefill_nodes.insert((*e)["node"].get<std::string>());
    if (job == "llm-decode") f.decode_nodes.insert((*e)["node"].get<std::string>());
  }
  return f;
}

std::string ms(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", s * 1e3);
  return buf;
}

}  // namespace

CaseResult disaggregated_inference(const CaseContext& ctx) {
  const RunFacts near = observe(ctx.simulate(scenario(true)), true);
  const RunFacts far = observe(ctx.simulate(scenario(false)), false);
  std::vector<std::string> fails;
  std::ostringstream ev;
  ev << "llama-3-8b, 2 prefill + 2 decode pods at TP 2 on 8 HGX H100 servers (fat-tree, 4 per leaf) beside 3 training jobs, "
     << kRequests << " requests of 2048-8192 prompt tokens at 4/s, run with decode pods required on a prefill pod's NVLink "
     << "domain and required off its leaf. ";
  for (const auto* r : {&near, &far}) {
    const bool colocated = r == &near;
    ev << (colocated ? "Co-located: " : "Across leaves: ") << r->completed << "/" << kRequests << " completed, " << r->failed
       << " failed, " << r->both_sides << " request ids in both a prefill and a decode pod's log, " << r->role_errors
       << " role violations, prefill on " << r->prefill_nodes.size() << " node(s), decode on " << r->decode_nodes.size()
       << " node(s) ";
    std::set<std::string> shared;
    for (const auto& n : r->decode_nodes) {
      if (r->prefill_nodes.contains(n)) shared.insert(n);
    }
    ev << "(" << shared.size() << " shared), K/V paths";
    for (const auto& [path, n] : r->paths) ev << " " << path << " " << n;
    ev << ", mean K/V transfer " << ms(r->kv_mean) << ", mean TTFT " << ms(r->ttft_mean) << ". ";
    const std::string which = colocated ? "co-located run: " : "across-leaves run: ";
    if (r->completed != kRequests || r->failed > 0) fails.push_back(which + "not every request completed");
    if (r->both_sides != kRequests) fails.push_back(which + "a request id is missing on one side");
    if (r->role_errors > 0) fails.push_back(which + "prefill and decode not in separate pods of their roles");
    if (r->wrong_path > 0) fails.push_back(which + "K/V caches took paths the placement should not give");
    if (colocated && shared.size() != r->decode_nodes.size()) fails.push_back("a decode pod is not on a prefill pod's server");
    if (!colocated && !shared.empty()) fails.push_back("a decode pod shares a server with a prefill pod despite the anti-affinity");
    if (!r->first_problem.empty()) ev << "(first problem: " << r->first_problem << ") ";
  }
  if (!(near.kv_mean > 0 && near.kv_mean < far.kv_mean)) fails.push_back("co-located K/V transfers are not cheaper");
  char ratio[64];
  std::snprintf(ratio, sizeof ratio, "%.1fx faster, TTFT %.1f%% lower", near.kv_mean > 0 ? far.kv_mean / near.kv_mean : 0.0,
                far.ttft_mean > 0 ? 100 * (1 - near.ttft_mean / far.ttft_mean) : 0.0);
  ev << "Co-location makes the mean K/V transfer " << ratio;
  for (const auto& f : fails) ev << "; FAIL: " << f;
  return {fails.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases

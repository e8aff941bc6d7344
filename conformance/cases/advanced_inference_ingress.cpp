// advanced_inference_ingress (SHOULD 1.36+): the Gateway API Inference Extension. An HTTPRoute
// sends chat traffic to an InferencePool of four model-server replicas, served by an Endpoint
// Picker that scores queue depth, K/V-cache use and prefix-cache affinity (GAIE's default
// scorers). Bursty load whose prompts share long prefixes (system prompts) is run twice on the same
// seeded arrivals: once with the picker, once with round robin (what a plain Service gives). Pass
// iff the route to the pool is Accepted and every request is served in both runs, the picker's
// mean TTFT is at least kMargin lower than round robin's, and its TTFT p90 is lower too.

#include <sstream>

#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr double kMargin = 0.25;  // the picker's mean TTFT at most 75% of round robin's
constexpr int kReplicas = 4;
// Shared prefixes (system prompts): all fit in one server's cache at rest, so round robin too hits
// once each server has seen each prefix; the picker pays each cold miss once instead of 4 times
// and keeps the caches from thrashing under load.
constexpr int kPrefixGroups = 64, kPrefixTokens = 4096;

nlohmann::json scenario(const std::string& picker) {
  // Three bursts of 20 s at 24 requests/s, with 4 requests/s between them.
  nlohmann::json traffic = nlohmann::json::array();
  auto phase = [&](double start, double duration, double rate) {
    traffic.push_back({{"start", start}, {"duration", duration}, {"requestsPerSecond", rate},
                       {"requests", {{{"path", "/v1/chat/completions"}, {"headers", {{"x-model", "llama-3-8b"}}}}}},
                       {"inputTokens", {{"min", 64}, {"max", 256}}},
                       {"outputTokens", {{"min", 32}, {"max", 128}}},
                       {"sharedPrefixes", {{"groups", kPrefixGroups}, {"tokens", kPrefixTokens}}}});
  };
  for (int b = 0; b < 3; ++b) {
    phase(120 + 40.0 * b, 20, 24);
    phase(140 + 40.0 * b, 20, 4);
  }
  return {{"name", "advanced-inference-ingress-" + picker},
          {"platform", {{"nodePools", {{{"name", "h100"}, {"count", 1},
                                         {"capacity", {{"cpu", "112"}, {"memory", "2Ti"}, {"nvidia.com/gpu", 8}}},
                                         {"gpuModel", "H100-SXM-80GB"}}}}}},
          {"deployments", {{{"name", "vllm-llama"}, {"replicas", kReplicas},
                            {"template", {{"name", "server"}, {"labels", {{"app", "vllm-llama-3-8b"}}},
                                          {"requests", {{"cpu", "8"}, {"memory", "64Gi"}, {"nvidia.com/gpu", 1}}}}},
                            {"load", {{"points", {{{"time", 0}, {"requestsPerSecond", 0}}}}}},
                            {"serving", {{"model", "llama-3-8b"}, {"enablePrefixCaching", true}}}}}},
          {"gateway", {{"gateways", {{{"name", "inference-gateway"}, {"gatewayClassName", "kubetwin"},
                                      {"listeners", {{{"name", "http"}, {"protocol", "HTTP"}, {"port", 80}}}}}}},
                       {"httpRoutes", {{{"name", "llm"}, {"parentRefs", {{{"name", "inference-gateway"}}}},
                                        {"rules", {{{"backendRefs", {{{"group", "inference.networking.k8s.io"}, {"kind", "InferencePool"},
                                                                      {"name", "llama-pool"}}}}}}}}}},
                       {"endpointPickers", {{{"name", "epp"}, {"picker", picker}}}},
                       {"inferencePools", {{{"name", "llama-pool"}, {"selector", {{"matchLabels", {{"app", "vllm-llama-3-8b"}}}}},
                                            {"targetPorts", {{{"number", 8000}}}}, {"endpointPickerRef", {{"name", "epp"}}}}}},
                       {"traffic", traffic}}},
          {"workload", {{"jobs", nlohmann::json::array()}}},
          {"simulation", {{"until", 400}}},
          {"output", {{"timeline", false}}}};
}

struct RunNumbers {
  bool accepted = false;
  int requests = 0, completed = 0, prefix_hits = 0;
  double ttft_p90 = 0, ttft_mean = 0;
};

RunNumbers run(const CaseContext& ctx, const std::string& picker) {
  const SimulationResult sim = ctx.simulate(scenario(picker));
  RunNumbers n;
  for (const nlohmann::json* e : sim.of_type("RouteStatus")) {
    if ((*e)["route"] == "llm") n.accepted = (*e)["accepted"].get<bool>() && (*e)["resolvedRefs"].get<bool>();
  }
  const nlohmann::json& g = sim.summary.at("gateway");
  n.requests = g["requests"].get<int>();
  n.completed = g["completed"].get<int>();
  if (!g["ttftSeconds"].is_null()) {
    n.ttft_p90 = g["ttftSeconds"]["p90"].get<double>();
    n.ttft_mean = g["ttftSeconds"]["mean"].get<double>();
  }
  for (const auto& b : g["backends"]) n.prefix_hits += b["prefixHits"].get<int>();
  return n;
}

}  // namespace

CaseResult advanced_inference_ingress(const CaseContext& ctx) {
  const RunNumbers epp = run(ctx, "max-score"), rr = run(ctx, "round-robin");
  std::vector<std::string> problems;
  std::ostringstream ev;
  char line[400];
  auto describe = [&](const char* name, const RunNumbers& n) {
    std::snprintf(line, sizeof line, "%s: %d/%d served, TTFT p90 %.3f s, mean %.3f s, %d prefix-cache hits", name, n.completed,
                  n.requests, n.ttft_p90, n.ttft_mean, n.prefix_hits);
    return std::string(line);
  };
  ev << "InferencePool of " << kReplicas << " llama-3-8b replicas behind an HTTPRoute ("
     << (epp.accepted ? "Accepted" : "not Accepted") << "), 3 bursts of 24 req/s, prompts sharing " << kPrefixGroups << " prefixes of " << kPrefixTokens << " tokens; "
     << describe("endpoint picker (queue 2, kv-cache 2, prefix 3)", epp) << "; " << describe("round robin", rr);
  if (rr.ttft_p90 > 0 && rr.ttft_mean > 0) {
    std::snprintf(line, sizeof line, "; picker / round robin: mean %.2f (pass needs <= %.2f), p90 %.2f (needs < 1)",
                  epp.ttft_mean / rr.ttft_mean, 1 - kMargin, epp.ttft_p90 / rr.ttft_p90);
    ev << line;
  }
  if (!epp.accepted || !rr.accepted) problems.push_back("the route to the InferencePool is not Accepted with resolved refs");
  if (epp.requests == 0 || epp.completed != epp.requests || rr.completed != rr.requests)
    problems.push_back("not every request was served");
  if (!(epp.ttft_mean <= (1 - kMargin) * rr.ttft_mean)) problems.push_back("the endpoint picker does not beat round robin's mean TTFT by the margin");
  if (!(epp.ttft_p90 < rr.ttft_p90)) problems.push_back("the endpoint picker's TTFT p90 is not below round robin's");
  for (const auto& p : problems) ev << "; FAIL: " << p;
  return {problems.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases

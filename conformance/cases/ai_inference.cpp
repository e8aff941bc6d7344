// ai_inference (MUST): a Gateway API implementation with weighted traffic splitting and
// header-based routing. One Gateway, an HTTPRoute whose first rule sends requests whose `x-model`
// header names the 70B model (Exact or RegularExpression match) to a third backend, whose second
// rule splits the rest 80/20 over two 8B Deployments, plus a canary route whose backendRef names no
// Service. Seeded Poisson traffic with an OpenAI-style header mix is served by the Deployments'
// model-server pods (continuous batching on the GPUs they landed on). Pass iff the route is
// Accepted with resolved refs (and the canary reports BackendNotFound), the observed split lies
// within 4 binomial sigma of 80/20, every header-matched request and no other reached the third
// backend, and every routed request was served.

#include <cmath>
#include <sstream>

#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr double kStart = 120, kDuration = 150, kRate = 12;
constexpr double kWeightA = 80, kWeightB = 20;
constexpr double kSigmas = 4;

nlohmann::json deployment(const std::string& name, int replicas, int gpus, const std::string& model) {
  return {{"name", name}, {"replicas", replicas},
          {"template", {{"name", "server"}, {"labels", {{"app", name}}},
                        {"requests", {{"cpu", "8"}, {"memory", "64Gi"}, {"nvidia.com/gpu", gpus}}}}},
          {"load", {{"points", {{{"time", 0}, {"requestsPerSecond", 0}}}}}},
          {"serving", {{"model", model}}}};
}

nlohmann::json scenario() {
  // The header rule repeats the split rule's path prefix: by Gateway API precedence a longer prefix
  // beats more header matches, so with no path ("/") the split rule would win every request.
  const nlohmann::json v1 = {{"type", "PathPrefix"}, {"value", "/v1"}};
  const nlohmann::json header_rule = {
      {"matches", {{{"path", v1}, {"headers", {{{"type", "Exact"}, {"name", "x-model"}, {"value", "llama-3-70b"}}}}},
                   {{"path", v1}, {"headers", {{{"type", "RegularExpression"}, {"name", "X-Model"}, {"value", "llama-3-70b-(instruct|chat)"}}}}}}},
      {"backendRefs", {{{"name", "llm-70b"}}}}};
  const nlohmann::json split_rule = {
      {"matches", {{{"path", v1}}}},
      {"backendRefs", {{{"name", "llm-a"}, {"weight", kWeightA}}, {{"name", "llm-b"}, {"weight", kWeightB}}}}};
  const nlohmann::json canary = {
      {"name", "canary"}, {"parentRefs", {{{"name", "inference-gateway"}}}},
      {"rules", {{{"matches", {{{"path", v1}, {"headers", {{{"name", "x-canary"}, {"value", "true"}}}}}}},
                  {"backendRefs", {{{"name", "llm-canary"}}}}}}}};
  auto mix = [](double weight, const std::string& model) {
    nlohmann::json m = {{"weight", weight}, {"path", "/v1/chat/completions"}};
    if (!model.empty()) m["headers"] = {{"x-model", model}};
    return m;
  };
  nlohmann::json requests = {mix(5, "llama-3-8b"), mix(2, ""), mix(1, "llama-3-70b"), mix(0.5, "llama-3-70b-instruct"),
                             mix(0.5, "llama-3-70b-base")};  // "-base" matches neither the Exact nor the regex
  requests.push_back({{"weight", 0.2}, {"path", "/v1/completions"}, {"headers", {{"x-canary", "true"}}}});
  return {{"name", "ai-inference"},
          {"platform", {{"nodePools", {{{"name", "h100"}, {"count", 2},
                                         {"capacity", {{"cpu", "112"}, {"memory", "2Ti"}, {"nvidia.com/gpu", 8}}},
                                         {"gpuModel", "H100-SXM-80GB"}}}}}},
          {"deployments", {deployment("llm-a", 2, 1, "llama-3-8b"), deployment("llm-b", 1, 1, "llama-3-8b"),
                           deployment("llm-70b", 1, 4, "llama-3-70b")}},
          {"gateway", {{"gateways", {{{"name", "inference-gateway"}, {"gatewayClassName", "kubetwin"},
                                      {"listeners", {{{"name", "http"}, {"protocol", "HTTP"}, {"port", 80}}}}}}},
                       {"httpRoutes", {{{"name", "llm"}, {"parentRefs", {{{"name", "inference-gateway"}}}},
                                        {"rules", {header_rule, split_rule}}},
                                       canary}},
                       {"traffic", {{{"start", kStart}, {"duration", kDuration}, {"requestsPerSecond", kRate},
                                     {"requests", requests},
                                     {"inputTokens", {{"min", 128}, {"max", 1024}}},
                                     {"outputTokens", {{"min", 32}, {"max", 256}}}}}}}},
          {"workload", {{"jobs", nlohmann::json::array()}}},
          {"simulation", {{"until", kStart + kDuration + 180}}},
          {"output", {{"timeline", false}}}};
}

bool header_routed(const nlohmann::json& line) {
  if (!line.contains("headers") || !line["headers"].contains("x-model")) return false;
  const std::string m = line["headers"]["x-model"].get<std::string>();
  return m == "llama-3-70b" || m == "llama-3-70b-instruct" || m == "llama-3-70b-chat";
}

}  // namespace

CaseResult ai_inference(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  std::vector<std::string> problems;
  std::ostringstream ev;
  // Route status, from the RouteStatus events.
  std::string llm_status = "no status", canary_reason = "no status";
  for (const nlohmann::json* e : sim.of_type("RouteStatus")) {
    const std::string route = (*e)["route"].get<std::string>();
    const std::string text = std::string((*e)["accepted"].get<bool>() ? "Accepted" : "not Accepted (" + (*e)["acceptedReason"].get<std::string>() + ")") +
                             ", ResolvedRefs " + ((*e)["resolvedRefs"].get<bool>() ? "True" : "False");
    if (route == "llm") llm_status = text;
    if (route == "canary") canary_reason = (*e)["resolvedRefsReason"].get<std::string>();
  }
  ev << "HTTPRoute llm: " << llm_status << "; canary: " << canary_reason << ". ";
  if (llm_status != "Accepted, ResolvedRefs True") problems.push_back("route llm is not Accepted with resolved refs");
  if (canary_reason != "BackendNotFound") problems.push_back("the canary's missing backend is not reported as BackendNotFound");

  // Every request, from gateway.jsonl.
  std::istringstream lines(sim.read_output("gateway.jsonl"));
  int total = 0, to_a = 0, to_b = 0, split = 0, header_total = 0, header_ok = 0, leaked = 0, served = 0, routed = 0;
  int canary_500 = 0, canary_total = 0;
  for (std::string text; std::getline(lines, text);) {
    const nlohmann::json r = nlohmann::json::parse(text);
    ++total;
    const std::string backend = r.value("backend", std::string());
    const bool canary = r.contains("headers") && r["headers"].contains("x-canary");
    if (canary) {
      ++canary_total;
      canary_500 += r["status"] == 500 ? 1 : 0;
      continue;
    }
    ++routed;
    served += r["outcome"] == "completed" ? 1 : 0;
    if (header_routed(r)) {
      ++header_total;
      header_ok += backend == "Service/llm-70b" ? 1 : 0;
    } else {
      leaked += backend == "Service/llm-70b" ? 1 : 0;
      ++split;
      to_a += backend == "Service/llm-a" ? 1 : 0;
      to_b += backend == "Service/llm-b" ? 1 : 0;
    }
  }
  const double p = kWeightA / (kWeightA + kWeightB);
  const double sigma = std::sqrt(split * p * (1 - p));
  const double deviation = std::abs(to_a - p * split);
  char split_text[200];
  std::snprintf(split_text, sizeof split_text, "split %d/%d = %.1f%%/%.1f%% of %d (weights 80/20; |%d - %.0f| = %.0f, bound %g sigma = %.0f)",
                to_a, to_b, split ? 100.0 * to_a / split : 0.0, split ? 100.0 * to_b / split : 0.0, split, to_a, p * split,
                deviation, kSigmas, kSigmas * sigma);
  ev << total << " requests at " << kRate << "/s over " << seconds_text(kDuration) << "; " << split_text << "; "
     << header_ok << "/" << header_total << " x-model-matched requests to llm-70b, " << leaked
     << " unmatched ones there; " << served << "/" << routed << " routed requests served; " << canary_500 << "/"
     << canary_total << " canary requests answered 500";
  if (split < 500) problems.push_back("too few requests on the weighted rule to judge the split");
  if (deviation > kSigmas * sigma) problems.push_back("the observed split is not within " + std::to_string(static_cast<int>(kSigmas)) + " sigma of the weights");
  if (to_a + to_b != split) problems.push_back("requests of the weighted rule went elsewhere");
  if (header_total == 0 || header_ok != header_total) problems.push_back("header-matched requests missed their backend");
  if (leaked > 0) problems.push_back("requests without a matching header reached the header-matched backend");
  if (served != routed) problems.push_back("not every routed request was served");
  if (canary_total > 0 && canary_500 != canary_total) problems.push_back("requests to a missing backend were not answered 500");
  for (const auto& pr : problems) ev << "; FAIL: " << pr;
  return {problems.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases

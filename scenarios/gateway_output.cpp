#include "scenarios/gateway_output.hpp"

#include <map>
#include <ostream>
#include <string>

#include "models/metrics/distribution.hpp"
#include "sim/json_writer.hpp"

namespace kubetwin::scenarios {

using models::networking::BackendKind;
using models::networking::GatewayController;
using models::networking::GatewayRequest;

namespace {

std::string backend_label(const models::networking::BackendRef& ref) {
  return std::string(ref.kind == BackendKind::InferencePool ? "InferencePool/" : "Service/") +
         ref.name;
}

nlohmann::ordered_json distribution_json(const models::Distribution& d) {
  const auto s = d.summarize();
  if (!s) return nullptr;
  return {{"mean", s->mean}, {"p50", s->p50}, {"p90", s->p90}, {"p99", s->p99}};
}

}  // namespace

void write_gateway_jsonl(std::ostream& out, const GatewayController& gateway) {
  const auto& routes = gateway.config().routes;
  std::string buf;
  for (const GatewayRequest& r : gateway.requests()) {
    sim::JsonObjectWriter w(buf);
    w.field("id", static_cast<std::int64_t>(r.id))
        .field("t", r.arrival)
        .field("phase", static_cast<std::int64_t>(r.phase));
    const auto& mix = gateway.config().traffic[r.phase].mix;
    if (!mix.empty()) {
      w.field("path", mix[r.mix].path);
      std::string headers = "{";
      for (const auto& [k, v] : mix[r.mix].headers) {
        if (headers.size() > 1) headers += ',';
        sim::append_json_string(headers, k);
        headers += ':';
        sim::append_json_string(headers, v);
      }
      w.raw_field("headers", headers + "}");
    }
    w.field("inputTokens", r.tokens.input_tokens).field("outputTokens", r.tokens.output_tokens);
    if (r.route >= 0)
      w.field("route", routes[static_cast<std::size_t>(r.route)].name).field("rule", r.rule);
    if (r.backend >= 0) w.field("backend", backend_label(gateway.backend_ref(r)));
    if (!r.endpoint.empty()) w.field("endpoint", r.endpoint);
    w.field("outcome", r.outcome).field("status", r.status);
    if (r.first_token >= 0)
      w.field("ttft", r.first_token - r.arrival).field("prefixHit", r.prefix_hit);
    if (r.finish >= 0) w.field("latency", r.finish - r.arrival);
    w.close();
    buf += '\n';
  }
  out << buf;
}

nlohmann::ordered_json gateway_summary(const GatewayController& gateway) {
  const auto& routes = gateway.config().routes;
  struct Tally {
    std::uint64_t requests = 0, completed = 0, prefix_hits = 0;
    models::Distribution ttft, latency;
  };
  std::map<std::string, Tally> backends;
  std::map<std::string, std::uint64_t> outcomes;
  std::uint64_t completed = 0;
  models::Distribution ttft, latency;
  for (const GatewayRequest& r : gateway.requests()) {
    ++outcomes[r.outcome];
    if (r.backend < 0 || r.route < 0) continue;
    Tally& t = backends[routes[static_cast<std::size_t>(r.route)].name + " " +
                        backend_label(gateway.backend_ref(r))];
    ++t.requests;
    if (r.outcome != "completed") continue;
    ++t.completed;
    ++completed;
    t.prefix_hits += r.prefix_hit ? 1 : 0;
    t.ttft.add(r.first_token - r.arrival);
    t.latency.add(r.finish - r.arrival);
    ttft.add(r.first_token - r.arrival);
    latency.add(r.finish - r.arrival);
  }
  nlohmann::ordered_json route_list = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < routes.size(); ++i) {
    nlohmann::ordered_json conditions = nlohmann::ordered_json::array();
    for (const auto& c : gateway.route_status()[i]) {
      conditions.push_back({{"type", c.type},
                            {"status", c.status ? "True" : "False"},
                            {"reason", c.reason},
                            {"message", c.message}});
    }
    route_list.push_back({{"name", routes[i].name}, {"conditions", conditions}});
  }
  nlohmann::ordered_json backend_list = nlohmann::ordered_json::array();
  for (const auto& [key, t] : backends) {
    const auto space = key.find(' ');
    backend_list.push_back({{"route", key.substr(0, space)},
                            {"backend", key.substr(space + 1)},
                            {"requests", t.requests},
                            {"completed", t.completed},
                            {"prefixHits", t.prefix_hits},
                            {"ttftSeconds", distribution_json(t.ttft)},
                            {"latencySeconds", distribution_json(t.latency)}});
  }
  nlohmann::ordered_json endpoint_list = nlohmann::ordered_json::object();
  for (const auto& [pod, n] : gateway.endpoint_requests()) endpoint_list[pod] = n;
  nlohmann::ordered_json outcome_list = nlohmann::ordered_json::object();
  for (const auto& [o, n] : outcomes) outcome_list[o] = n;
  return {{"requests", gateway.requests().size()},
          {"completed", completed},
          {"outcomes", outcome_list},
          {"ttftSeconds", distribution_json(ttft)},
          {"latencySeconds", distribution_json(latency)},
          {"routes", route_list},
          {"backends", backend_list},
          {"endpointRequests", endpoint_list}};
}

}  // namespace kubetwin::scenarios

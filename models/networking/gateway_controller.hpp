#pragma once
// The inference gateway in virtual time: requests arrive per seeded Poisson traffic phases, the
// Gateway API rules route each one (gateway_api.hpp), and a model server per Ready pod of the
// backend serves it (ModelServer: continuous batching, paged K/V cache, prefix caching, iteration
// times from InferenceStepModel on the GPU the pod landed on). Service backends spread requests
// over their pods at random (kube-proxy); InferencePool backends through their endpoint picker.
//
// Servers are advanced lazily, to the instant something needs them (an arrival that reads their
// queue, a pod that goes away, the end of the run): iterations are deterministic, so this gives
// the same times as stepping them eagerly, and costs nothing while idle.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/k8s/control_plane.hpp"
#include "models/networking/endpoint_picker.hpp"
#include "models/networking/gateway_api.hpp"
#include "models/perf/serving_simulator.hpp"
#include "sim/engine.hpp"
#include "sim/random.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models::networking {

/// One entry of a traffic phase's header mix: requests carry these headers (and path) with
/// probability weight / sum of weights.
struct HeaderMix {
  double weight = 1;
  std::string path = "/v1/completions";
  std::map<std::string, std::string> headers;  ///< names in lower case
};

/// Poisson arrivals at `rate` from `start` for `duration` seconds.
struct TrafficPhase {
  double start = 0, duration = 60, rate = 1;
  std::vector<HeaderMix> mix;                      ///< empty: path /v1/completions without headers
  TokenLengths input{512, 512}, output{128, 128};  ///< input: the tokens after the shared prefix
  /// Shared prompt prefixes: each request starts with one of `prefix_groups` prefixes of
  /// `prefix_tokens` tokens, drawn uniformly; 0 groups: none.
  int prefix_groups = 0;
  int prefix_tokens = 0;
};

/// How a Deployment's pods serve requests (/deployments/i/serving).
struct ModelServing {
  std::string model;  ///< model catalog name
  int tp = 0;         ///< tensor-parallel size; 0: the GPUs the pod requests
  ServerConfig config;
};

struct GatewayConfig {
  std::vector<Gateway> gateways;
  std::vector<HttpRoute> routes;
  std::vector<InferencePool> pools;
  std::vector<EndpointPickerSpec> pickers;
  std::vector<TrafficPhase> traffic;
  /// Deliberately broken gateway (/gateway/faults/ignoreWeights): backendRefs are chosen
  /// uniformly, whatever their weights. Off by default.
  bool ignore_weights = false;
};

/// What happened to one request. `status` is the HTTP status the client saw (0 while in flight).
struct GatewayRequest {
  std::uint64_t id = 0;
  double arrival = 0;
  std::size_t phase = 0, mix = 0;
  ServingRequest tokens;
  int route = -1, rule = -1, backend = -1;  ///< indexes; -1: none
  std::string endpoint;                     ///< the pod that served it
  std::string
      outcome;  ///< completed, inFlight, aborted, noRoute, backendError, unavailable, tooLarge
  int status = 0;
  double first_token = -1, finish = -1;
  bool prefix_hit = false;
};

class GatewayController {
 public:
  /// `serving[d]`: how Deployment `deployments[d]`'s pods serve (nullopt: they are not model
  /// servers and never become endpoints).
  GatewayController(sim::Engine& engine, ControlPlane& control_plane, const Cluster& cluster,
                    GatewayConfig config, std::vector<std::string> deployments,
                    std::vector<std::optional<ModelServing>> serving, std::uint64_t seed);
  ~GatewayController();
  GatewayController(const GatewayController&) = delete;
  GatewayController& operator=(const GatewayController&) = delete;

  /// Writes every route's status (route_status) and starts the traffic.
  void start();
  /// The run ends at `end` (infinity: when the servers are done): servers catch up; what they have
  /// not finished by then stays in flight.
  void finish(double end);

  const GatewayConfig& config() const { return config_; }
  const std::vector<GatewayRequest>& requests() const { return requests_; }
  const std::vector<std::vector<RouteCondition>>& route_status() const { return status_; }
  /// Pod name -> requests it was given, over the run.
  const std::map<std::string, std::uint64_t>& endpoint_requests() const {
    return endpoint_requests_;
  }
  /// The backendRef at (route, rule, backend) as "Kind/name".
  const BackendRef& backend_ref(const GatewayRequest& r) const;

  /// A route's status was written (once per route, at start).
  sim::Signal<const HttpRoute&, const std::vector<RouteCondition>&> route_status_written;

 private:
  struct ServerKind;  // the step model and cache sizing of one (Deployment, GPU) pair
  struct Endpoint {
    std::string pod, deployment;
    std::map<std::string, std::string> labels;
    std::unique_ptr<ModelServer> server;
    std::size_t harvested = 0;  // finished() entries already copied into requests_
  };
  void schedule_arrival(std::size_t phase, double t);
  void arrive(std::size_t phase);
  void route(GatewayRequest& r, const HttpRequest& http);
  void on_pod_started(const JobState& pod);
  void on_pod_gone(const JobState& pod);
  void harvest(Endpoint& e, double end);
  ServerKind& server_kind(std::size_t deployment, const JobState& pod);

  sim::Engine& engine_;
  const Cluster& cluster_;
  GatewayConfig config_;
  std::vector<std::string> deployments_;
  std::vector<std::optional<ModelServing>> serving_;
  sim::RandomStreams streams_;
  std::vector<std::vector<RouteCondition>> status_;
  std::vector<bool> accepted_;
  std::vector<std::unique_ptr<EndpointPicker>> pickers_;  // one per pool
  std::map<std::string, std::unique_ptr<ServerKind>> kinds_;
  std::map<std::uint64_t, Endpoint> endpoints_;  // by pod sequence: creation order
  std::vector<GatewayRequest> requests_;
  std::map<std::string, std::uint64_t> endpoint_requests_;
  bool finished_ = false;
};

}  // namespace kubetwin::models::networking

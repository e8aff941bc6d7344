#pragma once
// The Gateway API objects an inference gateway is configured with (gateway.networking.k8s.io/v1
// Gateway and HTTPRoute, and the Inference Extension's InferencePool), the route status the
// gateway controller writes, and the routing of one request: the rule that matches it by the
// Gateway API's precedence, then a backendRef by weight. Pure functions, no engine: the
// GatewayController (gateway_controller.hpp) drives them in virtual time.
//
// What kubetwin implements of the spec (docs/gateway.md): path matches (Exact, PathPrefix,
// RegularExpression), header matches (Exact, RegularExpression; names case-insensitive),
// weighted backendRefs of kind Service (a Deployment of that name: kubetwin has no Service object,
// each Deployment stands for a Service selecting its pods) or InferencePool, parentRefs with an
// optional sectionName (a listener). Hostnames, methods, query parameters and filters are not
// modelled.

#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "sim/random.hpp"

namespace kubetwin::models::networking {

struct Listener {
  std::string name;
  std::string protocol = "HTTP";
  int port = 80;
};

struct Gateway {
  std::string name;
  std::string gateway_class_name;
  std::vector<Listener> listeners;
};

enum class PathMatchType { Exact, PathPrefix, RegularExpression };
enum class HeaderMatchType { Exact, RegularExpression };

struct PathMatch {
  PathMatchType type = PathMatchType::PathPrefix;
  std::string value = "/";
  std::optional<std::regex> regex;  ///< compiled, for RegularExpression
};

struct HeaderMatch {
  HeaderMatchType type = HeaderMatchType::Exact;
  std::string name;  ///< lower case: header names compare case-insensitively
  std::string value;
  std::optional<std::regex> regex;
};

/// One entry of rules[].matches: every condition must hold. No path means PathPrefix "/".
struct RouteMatch {
  PathMatch path;
  std::vector<HeaderMatch> headers;
};

enum class BackendKind { Service, InferencePool };

struct BackendRef {
  BackendKind kind = BackendKind::Service;
  std::string name;
  int weight = 1;
};

struct RouteRule {
  std::vector<RouteMatch> matches;  ///< empty: one match of PathPrefix "/"
  std::vector<BackendRef> backend_refs;
};

struct ParentRef {
  std::string name;
  std::string section_name;  ///< a listener of the Gateway; empty: all of them
};

struct HttpRoute {
  std::string name;
  std::vector<ParentRef> parent_refs;
  std::vector<RouteRule> rules;
};

/// An InferencePool (inference.networking.k8s.io/v1): the model-server pods its selector picks,
/// served through the endpoint picker it names.
struct InferencePool {
  std::string name;
  std::map<std::string, std::string> selector;  ///< matchLabels
  int target_port = 8000;
  std::string endpoint_picker;  ///< endpointPickerRef.name
};

/// A request as the gateway sees it.
struct HttpRequest {
  std::string path = "/v1/completions";
  std::map<std::string, std::string> headers;  ///< names in lower case
};

/// One condition of a route's status.parents[].conditions.
struct RouteCondition {
  std::string type;    ///< Accepted, ResolvedRefs
  bool status = true;  ///< "True" / "False"
  std::string reason;  ///< Accepted, NoMatchingParent, ResolvedRefs, BackendNotFound, ...
  std::string message;
};

/// What the controller can resolve names against.
struct RouteTargets {
  const std::vector<Gateway>* gateways = nullptr;
  /// Names of Deployments (the Services backendRefs of kind Service resolve to).
  std::vector<std::string> services;
  const std::vector<InferencePool>* pools = nullptr;
};

/// The route's conditions as the gateway controller would write them: Accepted (False with
/// NoMatchingParent when no parentRef names a Gateway and listener) and ResolvedRefs (False with
/// BackendNotFound naming the first backendRef that resolves to nothing).
std::vector<RouteCondition> route_conditions(const HttpRoute& route, const RouteTargets& targets);
/// Whether `conditions` holds Accepted=True.
bool accepted(const std::vector<RouteCondition>& conditions);
/// Whether `ref` names an existing object of its kind.
bool resolves(const BackendRef& ref, const RouteTargets& targets);

bool matches(const RouteMatch& m, const HttpRequest& request);

/// The winning (route, rule) for a request, by the precedence of HTTPRouteRule matches.
struct RouteChoice {
  std::size_t route = 0, rule = 0;
};

/// Among the `routes` that are accepted (`accepted[i]`), the rule whose match wins for `request`:
/// an Exact path before a PathPrefix (longer prefixes first) before a RegularExpression, then more
/// header matches, then the earlier route (creation order: scenario order), then the earlier rule.
/// No match: nothing (the gateway answers 404).
std::optional<RouteChoice> select_rule(const std::vector<HttpRoute>& routes,
                                       const std::vector<bool>& accepted,
                                       const HttpRequest& request);

/// The backendRef a request goes to: drawn with probability weight / sum of weights (weight 0:
/// never), or uniformly when `ignore_weights` (the deliberately broken gateway of the
/// conformance suite). No backendRef or every weight 0: nothing (the gateway answers 500).
std::optional<std::size_t> pick_backend(const RouteRule& rule, sim::RandomStream& rng,
                                        bool ignore_weights = false);

const char* path_match_type_name(PathMatchType t);
const char* header_match_type_name(HeaderMatchType t);

}  // namespace kubetwin::models::networking

#include "models/networking/gateway_api.hpp"

#include <algorithm>
#include <tuple>

#include "sim/named_list.hpp"

namespace kubetwin::models::networking {

const char* path_match_type_name(PathMatchType t) {
  switch (t) {
    case PathMatchType::Exact:
      return "Exact";
    case PathMatchType::PathPrefix:
      return "PathPrefix";
    case PathMatchType::RegularExpression:
      return "RegularExpression";
  }
  return "?";
}

const char* header_match_type_name(HeaderMatchType t) {
  return t == HeaderMatchType::Exact ? "Exact" : "RegularExpression";
}

bool resolves(const BackendRef& ref, const RouteTargets& targets) {
  if (ref.kind == BackendKind::InferencePool) {
    return targets.pools != nullptr && sim::find_by_name(*targets.pools, ref.name) != nullptr;
  }
  return std::find(targets.services.begin(), targets.services.end(), ref.name) !=
         targets.services.end();
}

std::vector<RouteCondition> route_conditions(const HttpRoute& route, const RouteTargets& targets) {
  std::vector<RouteCondition> out;
  // Accepted: some parentRef names a Gateway (and, with sectionName, one of its listeners) whose
  // listeners speak HTTP.
  RouteCondition acc{"Accepted", false, "NoMatchingParent", ""};
  for (const ParentRef& p : route.parent_refs) {
    const Gateway* gw = targets.gateways ? sim::find_by_name(*targets.gateways, p.name) : nullptr;
    if (gw == nullptr) {
      acc.message = "no Gateway \"" + p.name + "\"";
      continue;
    }
    bool listener = false, http = false;
    for (const Listener& l : gw->listeners) {
      if (!p.section_name.empty() && l.name != p.section_name) continue;
      listener = true;
      http = http || l.protocol == "HTTP" || l.protocol == "HTTPS";
    }
    if (!listener) {
      acc.message = "Gateway \"" + p.name + "\" has no listener \"" + p.section_name + "\"";
    } else if (!http) {
      acc.reason = "NotAllowedByListeners";
      acc.message = "no HTTP listener of Gateway \"" + p.name + "\" allows HTTPRoutes";
    } else {
      acc = {"Accepted", true, "Accepted", "accepted by Gateway \"" + p.name + "\""};
      break;
    }
  }
  out.push_back(acc);
  RouteCondition refs{"ResolvedRefs", true, "ResolvedRefs", "all backendRefs resolved"};
  for (const RouteRule& rule : route.rules) {
    for (const BackendRef& ref : rule.backend_refs) {
      if (resolves(ref, targets)) continue;
      refs = {"ResolvedRefs", false, "BackendNotFound",
              std::string(ref.kind == BackendKind::InferencePool ? "InferencePool" : "Service") +
                  " \"" + ref.name + "\" not found"};
      break;
    }
    if (!refs.status) break;
  }
  out.push_back(refs);
  return out;
}

bool accepted(const std::vector<RouteCondition>& conditions) {
  return std::any_of(conditions.begin(), conditions.end(),
                     [](const RouteCondition& c) { return c.type == "Accepted" && c.status; });
}

namespace {

bool path_matches(const PathMatch& m, const std::string& path) {
  switch (m.type) {
    case PathMatchType::Exact:
      return path == m.value;
    case PathMatchType::PathPrefix: {
      // Element-wise: "/v1" matches "/v1" and "/v1/x", not "/v10". A trailing slash is ignored.
      std::string prefix = m.value;
      if (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
      if (prefix == "/") return true;
      return path.compare(0, prefix.size(), prefix) == 0 &&
             (path.size() == prefix.size() || path[prefix.size()] == '/');
    }
    case PathMatchType::RegularExpression:
      return m.regex && std::regex_match(path, *m.regex);
  }
  return false;
}

bool header_matches(const HeaderMatch& m, const HttpRequest& request) {
  const auto it = request.headers.find(m.name);
  if (it == request.headers.end()) return false;
  return m.type == HeaderMatchType::Exact ? it->second == m.value
                                          : m.regex && std::regex_match(it->second, *m.regex);
}

// Larger is more specific (Gateway API "HTTPRouteRule" precedence, method and query params aside).
std::tuple<int, std::size_t, std::size_t> specificity(const RouteMatch& m) {
  const int type = m.path.type == PathMatchType::Exact        ? 2
                   : m.path.type == PathMatchType::PathPrefix ? 1
                                                              : 0;
  const std::size_t length =
      m.path.type == PathMatchType::RegularExpression ? 0 : m.path.value.size();
  return {type, length, m.headers.size()};
}

}  // namespace

bool matches(const RouteMatch& m, const HttpRequest& request) {
  if (!path_matches(m.path, request.path)) return false;
  return std::all_of(m.headers.begin(), m.headers.end(),
                     [&](const HeaderMatch& h) { return header_matches(h, request); });
}

std::optional<RouteChoice> select_rule(const std::vector<HttpRoute>& routes,
                                       const std::vector<bool>& accepted_routes,
                                       const HttpRequest& request) {
  static const RouteMatch kMatchAll{};
  std::optional<RouteChoice> best;
  std::tuple<int, std::size_t, std::size_t> best_key{};
  for (std::size_t r = 0; r < routes.size(); ++r) {
    if (!accepted_routes[r]) continue;
    for (std::size_t k = 0; k < routes[r].rules.size(); ++k) {
      const RouteRule& rule = routes[r].rules[k];
      const std::size_t n = std::max<std::size_t>(1, rule.matches.size());
      for (std::size_t i = 0; i < n; ++i) {
        const RouteMatch& m = rule.matches.empty() ? kMatchAll : rule.matches[i];
        if (!matches(m, request)) continue;
        const auto key = specificity(m);
        // Strictly more specific wins; on a tie the earlier route and rule (already held) stay.
        if (!best || key > best_key) {
          best = RouteChoice{r, k};
          best_key = key;
        }
      }
    }
  }
  return best;
}

std::optional<std::size_t> pick_backend(const RouteRule& rule, sim::RandomStream& rng,
                                        bool ignore_weights) {
  if (rule.backend_refs.empty()) return std::nullopt;
  std::vector<double> weights;
  for (const BackendRef& ref : rule.backend_refs)
    weights.push_back(ignore_weights ? 1.0 : ref.weight);
  if (std::all_of(weights.begin(), weights.end(), [](double w) { return w <= 0; }))
    return std::nullopt;
  return rng.pick_weighted(weights);
}

}  // namespace kubetwin::models::networking

#include "models/networking/gateway_api.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kubetwin::models::networking {
namespace {

HeaderMatch header(std::string name, std::string value,
                   HeaderMatchType type = HeaderMatchType::Exact) {
  HeaderMatch h{type, std::move(name), std::move(value), std::nullopt};
  if (type == HeaderMatchType::RegularExpression) h.regex = std::regex(h.value);
  return h;
}

RouteMatch path(PathMatchType type, std::string value) {
  RouteMatch m;
  m.path.type = type;
  m.path.value = std::move(value);
  if (type == PathMatchType::RegularExpression) m.path.regex = std::regex(m.path.value);
  return m;
}

BackendRef service(std::string name, int weight = 1) {
  return {BackendKind::Service, std::move(name), weight};
}

RouteRule rule(std::vector<RouteMatch> matches, std::vector<BackendRef> refs) {
  return {std::move(matches), std::move(refs)};
}

HttpRequest request(std::string p, std::map<std::string, std::string> headers = {}) {
  return {std::move(p), std::move(headers)};
}

struct Fixture {
  std::vector<Gateway> gateways{{"gw", "kubetwin", {{"http", "HTTP", 80}, {"tcp", "TCP", 9000}}}};
  std::vector<InferencePool> pools{{"pool", {{"app", "vllm"}}, 8000, ""}};
  RouteTargets targets() const { return {&gateways, {"llm-a", "llm-b"}, &pools}; }
};

TEST(GatewayRouteStatus, AcceptedAndResolvedWhenParentAndBackendsExist) {
  Fixture f;
  HttpRoute r{
      "r", {{"gw", ""}}, {rule({}, {service("llm-a"), {BackendKind::InferencePool, "pool", 1}})}};
  const auto c = route_conditions(r, f.targets());
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].type, "Accepted");
  EXPECT_TRUE(c[0].status);
  EXPECT_EQ(c[0].reason, "Accepted");
  EXPECT_EQ(c[1].type, "ResolvedRefs");
  EXPECT_TRUE(c[1].status);
  EXPECT_TRUE(accepted(c));
}

TEST(GatewayRouteStatus, BackendNotFoundNamesTheMissingBackendButTheRouteStaysAccepted) {
  Fixture f;
  HttpRoute r{"r", {{"gw", ""}}, {rule({}, {service("llm-a"), service("nope")})}};
  const auto c = route_conditions(r, f.targets());
  EXPECT_TRUE(accepted(c));
  EXPECT_FALSE(c[1].status);
  EXPECT_EQ(c[1].reason, "BackendNotFound");
  EXPECT_NE(c[1].message.find("\"nope\""), std::string::npos);
  HttpRoute p{"p",
              {{"gw", ""}},
              {rule({}, {{BackendKind::InferencePool, "llm-a", 1}})}};  // a Service name is no pool
  EXPECT_EQ(route_conditions(p, f.targets())[1].reason, "BackendNotFound");
}

TEST(GatewayRouteStatus, NoMatchingParentForAnUnknownGatewayOrListener) {
  Fixture f;
  HttpRoute r{"r", {{"other", ""}}, {rule({}, {service("llm-a")})}};
  auto c = route_conditions(r, f.targets());
  EXPECT_FALSE(accepted(c));
  EXPECT_EQ(c[0].reason, "NoMatchingParent");
  r.parent_refs = {{"gw", "https"}};
  EXPECT_EQ(route_conditions(r, f.targets())[0].reason, "NoMatchingParent");
  r.parent_refs = {{"gw", "tcp"}};
  EXPECT_EQ(route_conditions(r, f.targets())[0].reason, "NotAllowedByListeners");
  r.parent_refs = {{"other", ""}, {"gw", "http"}};  // one good parent suffices
  EXPECT_TRUE(accepted(route_conditions(r, f.targets())));
}

TEST(GatewayMatch, HeadersCompareNamesInLowerCaseValuesExactlyAndRegexFully) {
  RouteMatch m;
  m.headers = {header("x-model", "llama-70b")};
  EXPECT_TRUE(matches(m, request("/v1/completions", {{"x-model", "llama-70b"}})));
  EXPECT_FALSE(matches(m, request("/v1/completions", {{"x-model", "Llama-70b"}})));
  EXPECT_FALSE(matches(m, request("/v1/completions")));
  m.headers = {header("x-model", "llama-.*", HeaderMatchType::RegularExpression)};
  EXPECT_TRUE(matches(m, request("/", {{"x-model", "llama-8b"}})));
  EXPECT_FALSE(
      matches(m, request("/", {{"x-model", "my-llama-8b"}})));     // a full match, not a search
  m.headers = {header("x-model", "a"), header("x-tier", "gold")};  // every header must hold
  EXPECT_FALSE(matches(m, request("/", {{"x-model", "a"}})));
  EXPECT_TRUE(matches(m, request("/", {{"x-model", "a"}, {"x-tier", "gold"}})));
}

TEST(GatewayMatch, PathPrefixMatchesWholeElements) {
  EXPECT_TRUE(matches(path(PathMatchType::PathPrefix, "/v1"), request("/v1/chat")));
  EXPECT_TRUE(matches(path(PathMatchType::PathPrefix, "/v1/"), request("/v1")));
  EXPECT_FALSE(matches(path(PathMatchType::PathPrefix, "/v1"), request("/v10")));
  EXPECT_TRUE(matches(path(PathMatchType::PathPrefix, "/"), request("/anything")));
  EXPECT_TRUE(matches(path(PathMatchType::Exact, "/v1/chat"), request("/v1/chat")));
  EXPECT_FALSE(matches(path(PathMatchType::Exact, "/v1/chat"), request("/v1/chat/x")));
  EXPECT_TRUE(matches(path(PathMatchType::RegularExpression, "/v[0-9]+/.*"), request("/v2/x")));
}

TEST(GatewayPrecedence, ExactPathBeatsLongerPrefixBeatsShorterPrefixBeatsRegex) {
  std::vector<HttpRoute> routes{
      {"a",
       {{"gw", ""}},
       {rule({path(PathMatchType::RegularExpression, "/.*")}, {service("re")}),
        rule({path(PathMatchType::PathPrefix, "/")}, {service("root")}),
        rule({path(PathMatchType::PathPrefix, "/v1")}, {service("v1")}),
        rule({path(PathMatchType::Exact, "/v1/chat")}, {service("exact")})}}};
  const std::vector<bool> ok{true};
  EXPECT_EQ(select_rule(routes, ok, request("/v1/chat"))->rule, 3u);
  EXPECT_EQ(select_rule(routes, ok, request("/v1/completions"))->rule, 2u);
  EXPECT_EQ(select_rule(routes, ok, request("/v2"))->rule, 1u);
}

TEST(GatewayPrecedence, MoreHeaderMatchesWinThenTheEarlierRouteThenTheEarlierRule) {
  RouteMatch one;
  one.headers = {header("x-model", "m")};
  RouteMatch two = one;
  two.headers.push_back(header("x-tier", "gold"));
  std::vector<HttpRoute> routes{
      {"first", {{"gw", ""}}, {rule({}, {service("default")}), rule({one}, {service("one")})}},
      {"second",
       {{"gw", ""}},
       {rule({two}, {service("two")}), rule({one}, {service("one-late")})}}};
  std::vector<bool> ok{true, true};
  auto c = select_rule(routes, ok, request("/", {{"x-model", "m"}, {"x-tier", "gold"}}));
  EXPECT_EQ(c->route, 1u);
  EXPECT_EQ(c->rule, 0u);
  c = select_rule(
      routes, ok,
      request("/", {{"x-model", "m"}}));  // ties with route "second" rule 1: the earlier route
  EXPECT_EQ(c->route, 0u);
  EXPECT_EQ(c->rule, 1u);
  c = select_rule(routes, ok, request("/"));
  EXPECT_EQ(c->route, 0u);
  EXPECT_EQ(c->rule, 0u);
  ok = {false, true};  // a route that is not accepted routes nothing
  EXPECT_EQ(select_rule(routes, ok, request("/", {{"x-model", "m"}}))->route, 1u);
  EXPECT_FALSE(select_rule(routes, ok, request("/")).has_value());  // 404
}

TEST(GatewayWeights, SplitConvergesToTheWeightsWithinFourSigma) {
  const RouteRule r = rule({}, {service("a", 80), service("b", 20), service("never", 0)});
  sim::RandomStream rng(42);
  const int n = 20000;
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < n; ++i) ++counts[*pick_backend(r, rng)];
  const double sigma = std::sqrt(n * 0.8 * 0.2);
  EXPECT_LT(std::abs(counts[0] - 0.8 * n), 4 * sigma);
  EXPECT_EQ(counts[2], 0);
  // The broken gateway ignores the weights: a third each.
  int uniform[3] = {0, 0, 0};
  for (int i = 0; i < n; ++i) ++uniform[*pick_backend(r, rng, true)];
  EXPECT_LT(std::abs(uniform[0] - n / 3.0), 4 * std::sqrt(n * (1 / 3.0) * (2 / 3.0)));
}

TEST(GatewayWeights, NoBackendOrAllZeroWeightsPicksNothing) {
  sim::RandomStream rng(1);
  EXPECT_FALSE(pick_backend(rule({}, {}), rng).has_value());
  EXPECT_FALSE(pick_backend(rule({}, {service("a", 0)}), rng).has_value());
}

}  // namespace
}  // namespace kubetwin::models::networking

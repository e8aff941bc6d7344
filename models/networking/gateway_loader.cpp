#include "models/networking/gateway_loader.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "models/perf/transformer_spec.hpp"
#include "sim/named_list.hpp"

namespace kubetwin::models::networking {
namespace {

using sim::JsonIssue;
using sim::Required;
using sim::StrictObject;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::optional<std::regex> compile(StrictObject& o, const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    o.issue("value", "not a valid regular expression \"" + pattern + "\": " + e.what());
    return std::nullopt;
  }
}

// Calls read(item, i) for each element of the array at `key`.
template <class F>
void each(StrictObject& parent, std::string_view key, Required required,
          std::vector<JsonIssue>& issues, F read) {
  const auto* list = parent.array(key, required);
  if (list == nullptr) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject item((*list)[i], parent.pointer_of(key) + "/" + std::to_string(i), issues);
    if (!item.valid()) continue;
    read(item, i);
    item.finish();
  }
}

// A name unique in `seen`.
std::string unique_name(StrictObject& o, std::set<std::string>& seen, const char* what) {
  std::string name = o.string("name", Required::Yes).value_or("");
  if (o.has("name") && name.empty())
    o.issue("name", "must not be empty");
  else if (!name.empty() && !seen.insert(name).second)
    o.issue("name", std::string("duplicate ") + what + " name \"" + name + "\"");
  return name;
}

TokenLengths read_lengths(StrictObject& parent, std::string_view key, TokenLengths fallback) {
  auto o = parent.object(key);
  if (!o || !o->valid()) return fallback;
  TokenLengths l;
  l.min = static_cast<int>(o->integer("min", Required::Yes, 1, 1000000).value_or(1));
  l.max = static_cast<int>(o->integer("max", Required::Yes, 1, 1000000).value_or(1));
  if (l.max < l.min) o->issue("max", "must be at least min");
  o->finish();
  return l;
}

RouteMatch read_match(StrictObject& m, std::vector<JsonIssue>& issues) {
  RouteMatch match;
  if (auto p = m.object("path")) {
    if (p->valid()) {
      const std::string type = p->enumeration("type", {"Exact", "PathPrefix", "RegularExpression"})
                                   .value_or("PathPrefix");
      match.path.type = type == "Exact"        ? PathMatchType::Exact
                        : type == "PathPrefix" ? PathMatchType::PathPrefix
                                               : PathMatchType::RegularExpression;
      match.path.value = p->string("value").value_or("/");
      if (match.path.type == PathMatchType::RegularExpression)
        match.path.regex = compile(*p, match.path.value);
      else if (match.path.value.empty() || match.path.value.front() != '/')
        p->issue("value", "must start with '/'");
      p->finish();
    }
  }
  each(m, "headers", Required::No, issues, [&](StrictObject& h, std::size_t) {
    HeaderMatch hm;
    hm.type = h.enumeration("type", {"Exact", "RegularExpression"}).value_or("Exact") == "Exact"
                  ? HeaderMatchType::Exact
                  : HeaderMatchType::RegularExpression;
    hm.name = lower(h.string("name", Required::Yes).value_or(""));
    hm.value = h.string("value", Required::Yes).value_or("");
    if (hm.type == HeaderMatchType::RegularExpression) hm.regex = compile(h, hm.value);
    match.headers.push_back(std::move(hm));
  });
  return match;
}

}  // namespace

GatewayConfig read_gateway(StrictObject& g, std::vector<JsonIssue>& issues) {
  GatewayConfig config;
  std::set<std::string> gateway_names, route_names, pool_names, picker_names;
  each(g, "gateways", Required::No, issues, [&](StrictObject& o, std::size_t) {
    Gateway gw;
    gw.name = unique_name(o, gateway_names, "Gateway");
    gw.gateway_class_name = o.string("gatewayClassName", Required::Yes).value_or("");
    std::set<std::string> listener_names;
    each(o, "listeners", Required::Yes, issues, [&](StrictObject& l, std::size_t) {
      Listener listener;
      listener.name = unique_name(l, listener_names, "listener");
      listener.protocol =
          l.enumeration("protocol", {"HTTP", "HTTPS", "TLS", "TCP", "UDP", "GRPC"}, Required::Yes)
              .value_or("HTTP");
      listener.port = static_cast<int>(l.integer("port", Required::Yes, 1, 65535).value_or(80));
      gw.listeners.push_back(std::move(listener));
    });
    config.gateways.push_back(std::move(gw));
  });
  each(g, "httpRoutes", Required::No, issues, [&](StrictObject& o, std::size_t) {
    HttpRoute route;
    route.name = unique_name(o, route_names, "HTTPRoute");
    each(o, "parentRefs", Required::Yes, issues, [&](StrictObject& p, std::size_t) {
      ParentRef ref;
      ref.name = p.string("name", Required::Yes).value_or("");
      ref.section_name = p.string("sectionName").value_or("");
      p.enumeration("kind", {"Gateway"});  // checked; only Gateways can be parents here
      route.parent_refs.push_back(std::move(ref));
    });
    each(o, "rules", Required::Yes, issues, [&](StrictObject& r, std::size_t) {
      RouteRule rule;
      each(r, "matches", Required::No, issues,
           [&](StrictObject& m, std::size_t) { rule.matches.push_back(read_match(m, issues)); });
      each(r, "backendRefs", Required::No, issues, [&](StrictObject& b, std::size_t) {
        BackendRef ref;
        ref.name = b.string("name", Required::Yes).value_or("");
        ref.kind =
            b.enumeration("kind", {"Service", "InferencePool"}).value_or("Service") == "Service"
                ? BackendKind::Service
                : BackendKind::InferencePool;
        if (auto group = b.string("group")) {
          const bool ok = ref.kind == BackendKind::Service
                              ? group->empty()
                              : *group == "inference.networking.k8s.io";
          if (!ok)
            b.issue("group",
                    "must be \"\" for a Service and \"inference.networking.k8s.io\" for an "
                    "InferencePool");
        }
        ref.weight = static_cast<int>(b.integer("weight", Required::No, 0, 1000000).value_or(1));
        b.integer("port", Required::No, 1,
                  65535);  // checked, not modelled: a Deployment serves on one port
        rule.backend_refs.push_back(std::move(ref));
      });
      route.rules.push_back(std::move(rule));
    });
    config.routes.push_back(std::move(route));
  });
  each(g, "endpointPickers", Required::No, issues, [&](StrictObject& o, std::size_t) {
    EndpointPickerSpec p;
    p.name = unique_name(o, picker_names, "endpoint picker");
    const std::string type =
        o.enumeration("picker", {"max-score", "random", "round-robin"}).value_or("max-score");
    p.picker = type == "max-score" ? PickerType::MaxScore
               : type == "random"  ? PickerType::Random
                                   : PickerType::RoundRobin;
    if (o.has("scorers")) {
      p.queue_weight = p.kv_cache_weight = p.prefix_weight = 0;
      each(o, "scorers", Required::No, issues, [&](StrictObject& s, std::size_t) {
        const std::string t =
            s.enumeration("type",
                          {"queue-scorer", "kv-cache-utilization-scorer", "prefix-cache-scorer"},
                          Required::Yes)
                .value_or("");
        const double w = s.number("weight", Required::No, 0, 1000).value_or(1);
        (t == "queue-scorer"                  ? p.queue_weight
         : t == "kv-cache-utilization-scorer" ? p.kv_cache_weight
                                              : p.prefix_weight) = w;
      });
    }
    if (auto idx = o.object("prefixIndex")) {
      p.prefix_block_tokens = static_cast<int>(
          idx->integer("blockSize", Required::No, 1, 1 << 20).value_or(p.prefix_block_tokens));
      p.prefix_lru_blocks_per_server =
          static_cast<int>(idx->integer("lruCapacityPerServer", Required::No, 1, 1 << 30)
                               .value_or(p.prefix_lru_blocks_per_server));
      idx->finish();
    }
    config.pickers.push_back(std::move(p));
  });
  each(g, "inferencePools", Required::No, issues, [&](StrictObject& o, std::size_t) {
    InferencePool pool;
    pool.name = unique_name(o, pool_names, "InferencePool");
    if (auto sel = o.object("selector", Required::Yes)) {
      pool.selector = sel->string_map("matchLabels");
      if (sel->valid() && pool.selector.empty())
        sel->issue("matchLabels", "must name at least one label");
      sel->finish();
    }
    each(o, "targetPorts", Required::Yes, issues, [&](StrictObject& t, std::size_t i) {
      const int port =
          static_cast<int>(t.integer("number", Required::Yes, 1, 65535).value_or(8000));
      if (i == 0) pool.target_port = port;
    });
    if (auto ref = o.object("endpointPickerRef")) {
      pool.endpoint_picker = ref->string("name", Required::Yes).value_or("");
      if (auto port = ref->object("port")) {
        port->integer("number", Required::No, 1, 65535);
        port->finish();
      }
      if (ref->valid() && !pool.endpoint_picker.empty() &&
          sim::find_by_name(config.pickers, pool.endpoint_picker) == nullptr) {
        ref->issue("name", "no endpoint picker \"" + pool.endpoint_picker +
                               "\" in /gateway/endpointPickers (known: " +
                               sim::joined_names(config.pickers) + ")");
      }
      ref->finish();
    }
    config.pools.push_back(std::move(pool));
  });
  each(g, "traffic", Required::No, issues, [&](StrictObject& o, std::size_t) {
    TrafficPhase t;
    t.start = o.quantity("start", sim::Dimension::Time).value_or(0);
    t.duration = o.quantity("duration", sim::Dimension::Time, Required::Yes, 1e-9).value_or(1);
    t.rate = o.number("requestsPerSecond", Required::Yes, 1e-9, 1e6).value_or(1);
    each(o, "requests", Required::No, issues, [&](StrictObject& m, std::size_t) {
      HeaderMix mix;
      mix.weight = m.number("weight", Required::No, 0).value_or(1);
      mix.path = m.string("path").value_or(mix.path);
      if (mix.path.empty() || mix.path.front() != '/') m.issue("path", "must start with '/'");
      for (auto& [k, v] : m.string_map("headers")) mix.headers[lower(k)] = v;
      t.mix.push_back(std::move(mix));
    });
    if (!t.mix.empty() &&
        std::all_of(t.mix.begin(), t.mix.end(), [](const HeaderMix& m) { return m.weight <= 0; })) {
      o.issue("requests", "needs an entry with a positive weight");
    }
    t.input = read_lengths(o, "inputTokens", t.input);
    t.output = read_lengths(o, "outputTokens", t.output);
    if (auto p = o.object("sharedPrefixes")) {
      t.prefix_groups =
          static_cast<int>(p->integer("groups", Required::Yes, 1, 1000000).value_or(0));
      t.prefix_tokens =
          static_cast<int>(p->integer("tokens", Required::Yes, 1, 1000000).value_or(0));
      p->finish();
    }
    config.traffic.push_back(std::move(t));
  });
  if (auto f = g.object("faults")) {
    config.ignore_weights = f->boolean("ignoreWeights").value_or(false);
    f->finish();
  }
  return config;
}

ModelServing read_model_serving(StrictObject& s, std::vector<JsonIssue>&) {
  ModelServing m;
  m.model = s.string("model", Required::Yes).value_or("");
  if (s.has("model") && ModelCatalog::builtin().find(m.model) == nullptr) {
    s.issue("model",
            "unknown model \"" + m.model + "\" (known: " + ModelCatalog::builtin().names() + ")");
  }
  m.tp = static_cast<int>(s.integer("tp", Required::No, 1, 64).value_or(0));
  m.config.max_num_seqs = static_cast<int>(
      s.integer("maxNumSeqs", Required::No, 1, 100000).value_or(m.config.max_num_seqs));
  m.config.block_size =
      static_cast<int>(s.integer("blockSize", Required::No, 1, 1024).value_or(m.config.block_size));
  m.config.max_batched_tokens =
      static_cast<int>(s.integer("maxNumBatchedTokens", Required::No, 1, 1 << 20)
                           .value_or(m.config.max_batched_tokens));
  m.config.gpu_memory_utilization = s.number("gpuMemoryUtilization", Required::No, 0.05, 1)
                                        .value_or(m.config.gpu_memory_utilization);
  m.config.prefix_caching = s.boolean("enablePrefixCaching").value_or(true);
  // Requests arrive one by one, their lengths unknown in advance: chunked prefill (vLLM V1's way)
  // lets any prompt through a fixed token budget.
  m.config.chunked_prefill = true;
  s.finish();
  return m;
}

}  // namespace kubetwin::models::networking

#include "models/workload/perf_profile.hpp"

#include <cstdio>

namespace kubetwin::models {

const char* to_string(StepCollective c) {
  switch (c) {
    case StepCollective::AllReduce: return "allReduce";
    case StepCollective::AllGather: return "allGather";
    case StepCollective::ReduceScatter: return "reduceScatter";
    case StepCollective::AllToAll: return "allToAll";
  }
  return "?";
}

std::string PerfProfile::shape_key() const {
  char buf[512];
  if (const auto* t = std::get_if<TrainingPerf>(&shape)) {
    const TransformerSpec& m = t->model;
    // An inline model is identified by its shape, a catalog model by its name.
    std::snprintf(buf, sizeof buf, "train:%s:%d:%d:%d:%d:%d:%d:%d:%d:%d:%d:%d:%d:%d:%d:%d:%d:%d:%d:%d",
                  m.name.c_str(), m.layers, m.hidden, m.heads, m.kv_heads, m.ffn, m.vocab, m.experts, m.top_k,
                  static_cast<int>(m.mlp), m.rms_norm, m.bias, m.tied_embeddings, m.position_embeddings, t->tp, t->pp,
                  t->zero, t->micro_batch, t->global_batch, t->seq);
  } else {
    const auto& s = std::get<SimplePerf>(shape);
    std::snprintf(buf, sizeof buf, "simple:%.17g:%.17g:%d:%.17g", s.compute_seconds, s.comm_bytes,
                  static_cast<int>(s.collective), s.overlap);
  }
  return buf;
}

}  // namespace kubetwin::models

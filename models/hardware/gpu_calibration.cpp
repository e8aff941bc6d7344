#include "models/hardware/gpu_calibration.hpp"

#include <nlohmann/json.hpp>

#include "sim/input_error.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::models {

extern const char* const kBuiltinH100CalibrationJson;  // generated from data/calibration/h100_sxm_80gb.json

namespace {

// measure.py writes torch dtype names; the catalog uses short keys.
std::string catalog_dtype(const std::string& measured) {
  if (measured == "torch.bfloat16") return "bf16";
  if (measured == "torch.float16") return "fp16";
  if (measured == "fp8_e4m3") return "fp8";
  return measured;  // "fp32", "tf32"
}

// Reads `key` of `obj` (at `pointer`) as T, or throws an InputError naming the pointer.
template <typename T>
T field(const nlohmann::json& obj, const std::string& pointer, const char* key, const std::string& source) {
  if (!obj.is_object() || !obj.contains(key)) throw sim::InputError(source + ": " + pointer + "/" + key + ": is required");
  try {
    return obj.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw sim::InputError(source + ": " + pointer + "/" + key + ": has the wrong type");
  }
}

}  // namespace

const GpuCalibration& GpuCalibration::builtin_h100() {
  static const GpuCalibration cal =
      parse(kBuiltinH100CalibrationJson, "models/hardware/data/calibration/h100_sxm_80gb.json");
  return cal;
}

GpuCalibration GpuCalibration::parse(std::string_view json_text, const std::string& source) {
  nlohmann::json doc = sim::parse_json_document(json_text, source);
  GpuCalibration cal;
  cal.gpu = field<std::string>(doc, "", "gpu", source);
  const auto& hbm = doc.value("hbm", nlohmann::json::object());
  cal.hbm_bytes_moved = field<double>(hbm, "/hbm", "bytes_moved", source);
  cal.hbm_seconds = field<double>(hbm, "/hbm", "seconds", source);
  const auto& gemm = doc.value("gemm", nlohmann::json::array());
  for (std::size_t i = 0; i < gemm.size(); ++i) {
    const std::string p = "/gemm/" + std::to_string(i);
    if (gemm[i].contains("error")) continue;  // a section measure.py could not run
    cal.gemm.push_back({field<double>(gemm[i], p, "m", source), field<double>(gemm[i], p, "n", source),
                        field<double>(gemm[i], p, "k", source),
                        catalog_dtype(field<std::string>(gemm[i], p, "dtype", source)),
                        field<double>(gemm[i], p, "seconds", source)});
  }
  const auto& layers = doc.value("train_layers", nlohmann::json::array());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string p = "/train_layers/" + std::to_string(i);
    cal.train_layers.push_back({field<int>(layers[i], p, "hidden", source), field<int>(layers[i], p, "heads", source),
                                field<int>(layers[i], p, "seq", source), field<int>(layers[i], p, "micro_batch", source),
                                field<double>(layers[i], p, "fwd_bwd_s_per_layer", source),
                                field<double>(layers[i], p, "fwd_s_per_layer", source)});
  }
  if (doc.contains("inference")) {
    const auto& inf = doc["inference"];
    const auto& m = inf.value("model", nlohmann::json::object());
    cal.inf_hidden = field<int>(m, "/inference/model", "hidden", source);
    cal.inf_ffn = field<int>(m, "/inference/model", "inter", source);
    cal.inf_layers = field<int>(m, "/inference/model", "layers", source);
    cal.inf_heads = field<int>(m, "/inference/model", "heads", source);
    cal.inf_kv_heads = field<int>(m, "/inference/model", "kv_heads", source);
    cal.inf_vocab = field<int>(m, "/inference/model", "vocab", source);
    const auto& prefill = inf.value("prefill", nlohmann::json::array());
    for (std::size_t i = 0; i < prefill.size(); ++i) {
      const std::string p = "/inference/prefill/" + std::to_string(i);
      cal.inference.push_back({"prefill", field<int>(prefill[i], p, "batch", source),
                               field<int>(prefill[i], p, "prompt", source), field<double>(prefill[i], p, "seconds", source)});
    }
    const auto& decode = inf.value("decode", nlohmann::json::array());
    for (std::size_t i = 0; i < decode.size(); ++i) {
      const std::string p = "/inference/decode/" + std::to_string(i);
      if (decode[i].value("gqa", "native") != "native" || decode[i].value("graph_seconds", nlohmann::json()).is_null()) continue;
      cal.inference.push_back({"decode", field<int>(decode[i], p, "batch", source),
                               field<int>(decode[i], p, "context", source),
                               field<double>(decode[i], p, "graph_seconds", source)});
    }
  }
  return cal;
}

}  // namespace kubetwin::models

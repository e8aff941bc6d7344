#include "validation/inference_h100/inference_study.hpp"

#include "models/hardware/efficiency.hpp"
#include "models/perf/collective_model.hpp"

namespace kubetwin::validation {

using namespace kubetwin::models;

std::vector<InferencePrediction> predict_h100_inference() {
  const GpuCalibration& cal = GpuCalibration::builtin_h100();
  const GpuSpec& h100 = *GpuCatalog::builtin().find("H100-SXM-80GB");
  const AlphaBetaCollectives comm = AlphaBetaCollectives::for_gpu(h100);
  InferenceOptions options;
  options.kernels = InferenceKernels::Eager;
  const InferenceStepModel model(h100, EfficiencyModel::builtin(), comm, options, builtin_inference_parameters());
  const TransformerSpec llama = calibration_decoder(cal);
  std::vector<InferencePrediction> out;
  for (const auto& r : cal.inference) {
    InferencePrediction p;
    p.phase = r.phase == "prefill" ? InferencePhase::Prefill : InferencePhase::Decode;
    p.batch = r.batch;
    p.tokens = r.tokens;
    p.measured_seconds = r.seconds;
    p.predicted = model.step(llama, p.phase == InferencePhase::Prefill ? IterationWork::prefill(r.batch, r.tokens)
                                                                       : IterationWork::decode(r.batch, r.tokens));
    out.push_back(p);
  }
  return out;
}

}  // namespace kubetwin::validation

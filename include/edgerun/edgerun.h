// edgerun/edgerun.h — load a model once, run it many times.
//
//   #include "edgerun/edgerun.h"
//   auto model = edgerun::Model::load("mobilenet_v2_1.0_224_quant.tflite");
//   if (!model.ok()) { std::cerr << model.status().message() << "\n"; return 1; }
//   auto session = edgerun::Session::create(*model);
//   if (!session.ok()) { std::cerr << session.status().message() << "\n"; return 1; }
//   std::memcpy(session->input_data(0), pixels, session->input_info(0).bytes());
//   if (auto st = session->invoke(); !st.ok()) { std::cerr << st.message() << "\n"; return 1; }
//   const uint8_t* scores = static_cast<const uint8_t*>(session->output_data(0));
//
// Ownership: a Model is immutable and shared (std::shared_ptr); it owns the
// mapped file and the prepared kernels. A Session holds the per-run state (the
// activation arena) and keeps its Model alive; use one Session per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edgerun/status.h"
#include "edgerun/tensor.h"

namespace edgerun {

const char* version();

// Image-model metadata carried inside the model file (TFLite metadata), when present.
struct ModelMetadata {
  std::string name;
  std::vector<float> mean;  // per-channel input normalization: (x - mean) / std
  std::vector<float> std;
  std::vector<std::string> labels;  // from an embedded TENSOR_AXIS_LABELS file
  std::string warning;              // set when metadata exists but could not be read
};

struct OpCount {
  std::string op;
  int count = 0;
};

// What `edgerun inspect` shows, of the graph as loaded: a DEQUANTIZE of a
// constant (the weights of fp16 and weight-only int8 models) is folded at
// load into a float32 constant, which ops and parameters then count instead.
struct ModelStats {
  std::vector<OpCount> ops;  // in first-seen order
  int64_t parameters = 0;    // elements in the constant tensors ops read
  int64_t parameter_bytes = 0;
  int64_t macs = 0;                      // multiply-accumulates of one inference
  size_t arena_bytes = 0;                // activation memory after lifetime sharing
  size_t activation_bytes_unshared = 0;  // sum of all activation tensors, for comparison
};

// One graph node, in execution order (Model::nodes()). Node i is the i-th
// operator of the model file, not counting the DEQUANTIZE operators of
// constants, which load folds (see ModelStats).
struct NodeInfo {
  std::string op;           // "CONV_2D"
  Shape output_shape;       // of the node's first output
  int64_t macs = 0;         // multiply-accumulates of one run; 0 for ops without (ADD, RESHAPE, ...)
  int32_t fused_into = -1;  // the node whose kernel also runs this one (fusion), or -1
};

// Per-node time from Session::invoke_profiled().
struct OpTiming {
  int32_t node = 0;  // index into Model::nodes()
  std::string op;
  Shape output_shape;
  int64_t macs = 0;  // of one run
  double ms = 0;     // accumulated over `runs` profiled invokes
  int64_t runs = 0;
  int32_t fused_into = -1;  // as NodeInfo: this node's time is in that node's entry
};

// Which kernels Model::load prepares.
enum class KernelChoice {
  kAuto,       // the fastest for this CPU (AVX2 + FMA on x86-64), detected at run
               // time; the environment variable EDGERUN_KERNELS=reference turns
               // this into kReference for the whole process
  kAvx2,       // kAuto without the AVX-512 kernels: what an AVX2 + FMA CPU runs
  kReference,  // the portable reference kernels only (the oracle; slow)
};

// A value for a graph input, fixed when the model is loaded.
struct InputValue {
  std::string name;
  DType dtype = DType::kFloat32;
  Shape shape;
  std::vector<uint8_t> data;  // the shape's elements, C order, little-endian
};

struct LoadOptions {
  KernelChoice kernels = KernelChoice::kAuto;
  // Run chains of ops whose fast kernels allow it as one kernel (float
  // pointwise -> depthwise -> pointwise convs, band by band, the maps between
  // them kept in cache). Results are identical either way.
  bool fuse = true;
  // ONNX only: values for graph inputs that the engine needs as constants
  // (a Reshape's shape, a Pad's pads, a Conv's weights, when the file passes
  // them as graph inputs, as ONNX's backend tests do). The importer uses each
  // value where the graph needs a constant; an input also read as data stays
  // an input, and one that is not is no longer listed as an input.
  std::vector<InputValue> input_values;
  // ONNX only: the folder of the files that tensors stored as external data
  // name (PyTorch writes them for models over 2 GB, or when asked). Empty:
  // load() uses the model file's folder; load_from_buffer() then rejects
  // external tensors. File names must stay inside this folder.
  std::string external_data_dir;
};

struct SessionOptions {
  // Threads an inference uses, the calling thread included (>= 1). The pool is
  // created with the Session; invoke() never creates threads or allocates.
  int threads = 1;
};

class Model {
 public:
  // Maps `path` (never copies weights), validates every field and prepares
  // every op. Errors name the file, the operator index and what is wrong.
  static Result<std::shared_ptr<const Model>> load(const std::string& path, const LoadOptions& options = {});
  // Same from bytes the caller keeps alive for the Model's lifetime.
  static Result<std::shared_ptr<const Model>> load_from_buffer(const uint8_t* data, size_t size,
                                                               const LoadOptions& options = {});

  ~Model();
  size_t input_count() const;
  size_t output_count() const;
  const TensorInfo& input_info(size_t i) const;
  const TensorInfo& output_info(size_t i) const;
  const ModelMetadata& metadata() const;
  const ModelStats& stats() const;
  // Every node in execution order; stats().macs is the sum of their macs.
  const std::vector<NodeInfo>& nodes() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Session {
 public:
  static Result<Session> create(std::shared_ptr<const Model> model, const SessionOptions& options = {});

  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  const Model& model() const;
  int threads() const;
  const TensorInfo& input_info(size_t i) const { return model().input_info(i); }
  const TensorInfo& output_info(size_t i) const { return model().output_info(i); }

  // Writable input buffers and readable output buffers, valid for the
  // Session's lifetime, input_info(i).bytes() long. invoke() never overwrites
  // the inputs, so the same input can be run again.
  void* input_data(size_t i);
  const void* output_data(size_t i) const;

  Status invoke();

  // invoke() that also times every node, for profiling (`edgerun bench
  // --profile`). invoke() itself is untouched and never reads a clock; this
  // costs two steady_clock reads per node. `timings` accumulates: when it does
  // not hold one entry per node it is reset to Model::nodes(), then each
  // entry's ms and runs grow with every call, so one vector can sum many runs.
  //
  //   std::vector<edgerun::OpTiming> t;
  //   for (int r = 0; r < 10; ++r) session->invoke_profiled(&t);
  //   for (const auto& op : t) printf("%s %.3f ms/run\n", op.op.c_str(), op.ms / op.runs);
  Status invoke_profiled(std::vector<OpTiming>* timings);

 private:
  struct State;
  explicit Session(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace edgerun

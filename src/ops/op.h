// The op layer: for each OpType, a `prepare` that validates a Node against its
// Values (dtypes, shapes, quantization, attributes) once, at load time, and
// returns a Kernel holding every precomputed parameter (multipliers, shifts,
// activation ranges). `Kernel::run` then only moves data: no allocation, no
// validation, no logging.
//
// Adding an op: write src/ops/<op>.cc with `prepare_<op>`, add its line to
// src/ops/op_list.cc, add its reference kernel under src/kernels/ref/, one line
// in each importer's op map, and its test under tests/ops/.
#pragma once

#include <algorithm>
#include <memory>
#include <span>
#include <string>

#include "core/thread_pool.h"
#include "edgerun/status.h"
#include "ir/graph.h"
#include "kernels/dispatch.h"

namespace edgerun::ops {

// Data pointers for one node, in the order of Node::inputs / Node::outputs.
// An absent optional input (kNoValue) has a null pointer.
// `pool` splits the kernel's work over the Session's threads (never null; a
// one-thread pool runs tasks inline). Thread t of a task may use
// scratch_bytes() bytes at thread_scratch(t), 64-byte aligned, owned by the
// Session and reused by every kernel.
struct KernelIO {
  std::span<const void* const> inputs;
  std::span<void* const> outputs;
  core::ThreadPool* pool = nullptr;
  uint8_t* scratch = nullptr;
  size_t scratch_stride = 0;
  uint8_t* thread_scratch(int thread) const { return scratch + static_cast<size_t>(thread) * scratch_stride; }
};

// Splits rows [0, rows) into one contiguous slice per thread (fewer when a
// slice would hold under `min_rows` rows) and runs fn(begin, end, thread) for
// each on io.pool. One slice per thread, not many small interleaved ones:
// with two cores streaming neighbouring rows, each core's prefetchers pull in
// lines the other is writing, which measured up to 2x slower per op on Zen 5.
// Slices are still claimed dynamically, so a thread the OS runs late leaves
// its slice to the others.
template <typename F>
void parallel_rows(const KernelIO& io, size_t rows, size_t min_rows, F&& fn) {
  const size_t threads = io.pool != nullptr ? static_cast<size_t>(io.pool->threads()) : 1;
  const size_t by_size = rows / (min_rows < 1 ? 1 : min_rows);
  const size_t tasks = std::max<size_t>(1, std::min(by_size, threads));
  if (tasks == 1) {
    fn(size_t{0}, rows, 0);
    return;
  }
  io.pool->parallel_for(tasks, [&](size_t task, int thread) {
    fn(rows * task / tasks, rows * (task + 1) / tasks, thread);
  });
}

// Below this many elements a slice of an elementwise op is not worth a
// thread hand-off.
constexpr size_t kMinElementsPerTask = 4096;

// Splits `count` elements of an elementwise op over the pool's threads;
// fn(begin, end) runs the slice [begin, end).
template <typename F>
void parallel_elements(const KernelIO& io, int64_t count, F&& fn) {
  parallel_rows(io, static_cast<size_t>(count), kMinElementsPerTask,
                [&](size_t begin, size_t end, int) { fn(static_cast<int64_t>(begin), static_cast<int64_t>(end)); });
}

// y = fn(x) over `count` floats (a kernels/f32_vunary.h kernel), split over
// the pool's threads.
inline void parallel_f32_vunary(const KernelIO& io, kernels::F32VUnaryFn fn, int64_t count) {
  const auto* x = static_cast<const float*>(io.inputs[0]);
  auto* y = static_cast<float*>(io.outputs[0]);
  parallel_elements(io, count,
                    [&](int64_t begin, int64_t end) { fn(static_cast<size_t>(end - begin), x + begin, y + begin); });
}

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void run(const KernelIO& io) const = 0;
  // Per-thread scratch memory run() needs (e.g. a packed input panel).
  virtual size_t scratch_bytes() const { return 0; }
};

// What prepare may choose from besides the node: the kernel tables of this
// load (the CPU's fast kernels, or none for --kernels reference).
struct PrepareContext {
  const kernels::KernelTables* tables = nullptr;
};

using PrepareFn = Result<std::unique_ptr<Kernel>> (*)(const ir::Graph& graph, const ir::Node& node,
                                                     const PrepareContext& ctx);

struct OpInfo {
  ir::OpType type;
  const char* name;  // TFLite-style upper-case name, e.g. "CONV_2D"
  PrepareFn prepare;
};

// The single list of ops (src/ops/op_list.cc).
const OpInfo* find_op(ir::OpType type);

// Builds a Status for a node that fails validation, in the project's one error
// style: "CONV_2D (operator 7): input 0 dtype: expected uint8, found float32".
Status node_error(const ir::Node& node, const std::string& what);
// The same message with StatusCode::kUnsupported: a valid node that edgerun
// does not implement (e.g. a quantized TANH).
Status node_unsupported(const ir::Node& node, const std::string& what);

}  // namespace edgerun::ops

// Builds a one-node graph, prepares it with the op layer and runs it, so op
// tests can state small inputs and check outputs by hand.
//
//   OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
//   t.input<float>({1, 2}, {1.f, 2.f});
//   t.input<float>({1, 2}, {3.f, 4.f});
//   t.output({1, 2}, DType::kFloat32);
//   ASSERT_TRUE(t.run().ok());
//   EXPECT_EQ(t.result<float>(0), (std::vector<float>{4.f, 6.f}));
#pragma once

#include <cstring>
#include <memory>
#include <vector>

#include "edgerun/tensor.h"
#include "ir/graph.h"
#include "ops/op.h"

namespace edgerun::testing {

template <typename T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::kFloat32;
  if constexpr (std::is_same_v<T, int8_t>) return DType::kInt8;
  if constexpr (std::is_same_v<T, uint8_t>) return DType::kUInt8;
  if constexpr (std::is_same_v<T, int16_t>) return DType::kInt16;
  if constexpr (std::is_same_v<T, int32_t>) return DType::kInt32;
  if constexpr (std::is_same_v<T, int64_t>) return DType::kInt64;
  if constexpr (std::is_same_v<T, uint16_t>) return DType::kUInt16;
  if constexpr (std::is_same_v<T, uint32_t>) return DType::kUInt32;
  if constexpr (std::is_same_v<T, uint64_t>) return DType::kUInt64;
  if constexpr (std::is_same_v<T, bool>) return DType::kBool;
}

class OpTester {
 public:
  OpTester(ir::OpType op, ir::Attrs attrs = {}) {
    node_.op = op;
    node_.attrs = std::move(attrs);
  }

  // Adds an input; `constant` inputs are weights (Value::data set), others are
  // fed at run time like activations.
  template <typename T>
  int input(Shape shape, const std::vector<T>& data, QuantParams quant = {}, bool constant = false) {
    std::vector<uint8_t> bytes(data.size() * sizeof(T));
    if (!data.empty()) std::memcpy(bytes.data(), data.data(), bytes.size());
    return add_input(TensorInfo{"in" + std::to_string(node_.inputs.size()), dtype_of<T>(), std::move(shape),
                                std::move(quant)},
                     std::move(bytes), constant);
  }
  template <typename T>
  int constant(Shape shape, const std::vector<T>& data, QuantParams quant = {}) {
    return input<T>(std::move(shape), data, std::move(quant), true);
  }
  // An input of a dtype with no C++ type (float16, float8): its raw element bytes.
  int input_bytes(Shape shape, DType dtype, std::vector<uint8_t> bytes, QuantParams quant = {}) {
    return add_input(TensorInfo{"in" + std::to_string(node_.inputs.size()), dtype, std::move(shape), std::move(quant)},
                     std::move(bytes), false);
  }
  void absent_input() { node_.inputs.push_back(ir::kNoValue); }

  int output(Shape shape, DType dtype, QuantParams quant = {}) {
    ir::Value v;
    v.info = TensorInfo{"out" + std::to_string(node_.outputs.size()), dtype, std::move(shape), std::move(quant)};
    graph_.values.push_back(std::move(v));
    node_.outputs.push_back(static_cast<int32_t>(graph_.values.size() - 1));
    return static_cast<int>(node_.outputs.size() - 1);
  }

  Result<std::unique_ptr<ops::Kernel>> prepare() const {
    const ops::OpInfo* info = ops::find_op(node_.op);
    if (!info) return Internal("op not in op list");
    ops::PrepareContext ctx;
    ctx.tables = reference_kernels_ ? &kernels::reference_kernel_tables() : &kernels::detected_kernel_tables();
    return info->prepare(graph_, node_, ctx);
  }

  // Prepares and runs the node; outputs are then readable with result<T>(i).
  Status run() {
    auto kernel = prepare();
    if (!kernel.ok()) return kernel.status();
    std::vector<const void*> in_ptrs;
    for (int32_t id : node_.inputs) {
      in_ptrs.push_back(id == ir::kNoValue ? nullptr : static_cast<const void*>(buffers_[id].data()));
    }
    outputs_.clear();
    std::vector<void*> out_ptrs;
    for (int32_t id : node_.outputs) {
      outputs_.emplace_back(graph_.values[id].info.bytes() + 64, 0xCD);  // poison + slack
      out_ptrs.push_back(outputs_.back().data());
    }
    core::ThreadPool pool(threads_);
    const size_t stride = ((*kernel)->scratch_bytes() + 63) / 64 * 64;
    std::vector<uint8_t> scratch(stride * static_cast<size_t>(threads_) + 64);
    uint8_t* aligned = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
    (*kernel)->run(ops::KernelIO{in_ptrs, out_ptrs, &pool, aligned, stride});
    return Status::Ok();
  }

  // Threads of the pool run() hands the kernel (default 1).
  void set_threads(int threads) { threads_ = threads; }
  // Prepare with the reference kernels only (default: the CPU's fast kernels).
  void set_reference_kernels(bool reference) { reference_kernels_ = reference; }

  template <typename T>
  std::vector<T> result(int i) const {
    const auto& info = graph_.values[node_.outputs[i]].info;
    std::vector<T> out(static_cast<size_t>(info.elements()));
    if (!out.empty()) std::memcpy(out.data(), outputs_[i].data(), out.size() * sizeof(T));  // null data() if empty
    return out;
  }

  ir::Graph& graph() { return graph_; }
  ir::Node& node() { return node_; }

 private:
  int threads_ = 1;
  bool reference_kernels_ = false;

  int add_input(TensorInfo info, std::vector<uint8_t> bytes, bool constant) {
    ir::Value v;
    v.info = std::move(info);
    const int32_t id = static_cast<int32_t>(graph_.values.size());
    buffers_.resize(id + 1);
    buffers_[id] = std::move(bytes);
    if (constant) {
      v.data = buffers_[id].data();
      v.data_bytes = buffers_[id].size();
    }
    graph_.values.push_back(std::move(v));
    node_.inputs.push_back(id);
    return static_cast<int>(node_.inputs.size() - 1);
  }

  ir::Graph graph_;
  ir::Node node_{};
  std::vector<std::vector<uint8_t>> buffers_;  // indexed by value id; stable once built
  std::vector<std::vector<uint8_t>> outputs_;
};

}  // namespace edgerun::testing

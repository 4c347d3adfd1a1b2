#include <algorithm>
#include <cstdlib>
#include <variant>

#include "core/mapped_file.h"
#include "edgerun/edgerun.h"
#include "io/import.h"
#include "ops/op.h"
#include "runtime/fold_dequantize.h"
#include "runtime/fusion.h"
#include "runtime/model_impl.h"

namespace edgerun {

const char* version() { return EDGERUN_VERSION; }

namespace {

constexpr size_t kArenaAlignment = 64;

int64_t node_macs(const ir::Graph& g, const ir::Node& n) {
  auto shape_of = [&](int32_t id) -> const Shape& { return g.values[id].info.shape; };
  switch (n.op) {
    case ir::OpType::kConv2D: {
      if (n.inputs.size() < 2 || n.outputs.empty()) return 0;
      const Shape& w = shape_of(n.inputs[1]);  // [out, kh, kw, in]
      if (w.size() != 4) return 0;
      return shape_elements(shape_of(n.outputs[0])) * w[1] * w[2] * w[3];
    }
    case ir::OpType::kDepthwiseConv2D: {
      if (n.inputs.size() < 2 || n.outputs.empty()) return 0;
      const Shape& w = shape_of(n.inputs[1]);  // [1, kh, kw, out]
      if (w.size() != 4) return 0;
      return shape_elements(shape_of(n.outputs[0])) * w[1] * w[2];
    }
    case ir::OpType::kFullyConnected: {
      if (n.inputs.size() < 2 || n.outputs.empty()) return 0;
      const Shape& w = shape_of(n.inputs[1]);  // [out, in]
      if (w.size() != 2) return 0;
      return shape_elements(shape_of(n.outputs[0])) * w[1];
    }
    case ir::OpType::kConvTranspose: {
      if (n.inputs.size() < 2 || n.outputs.empty()) return 0;
      const Shape& x = shape_of(n.inputs[0]);
      const Shape& w = shape_of(n.inputs[1]);  // [out, kh, kw, in / groups]
      if (x.size() != 4 || w.size() != 4 || x[3] == 0) return 0;
      // Every input pixel feeds kh * kw * out outputs with in / groups products each.
      return shape_elements(x) / x[3] * w[0] * w[1] * w[2] * w[3];
    }
    default:
      return 0;
  }
}

// Lifetimes of every activation value: [producer, last consumer]. Graph inputs
// and outputs live for the whole inference, so callers can read back the input
// they wrote (and invoke again with it) after invoke().
// Values no kernel reads or writes (inside a fused chain) get no space.
std::vector<runtime::BufferRequest> lifetimes(const ir::Graph& g, const std::vector<runtime::KernelBinding>& bindings,
                                              std::vector<int32_t>* request_of_value) {
  const auto last = static_cast<int32_t>(bindings.size());
  std::vector<int32_t> first(g.values.size(), -1), final_use(g.values.size(), -1);
  for (int32_t id : g.inputs) first[id] = 0, final_use[id] = 0;
  for (int32_t i = 0; i < last; ++i) {
    for (int32_t id : bindings[i].outputs) first[id] = i, final_use[id] = std::max(final_use[id], i);
    for (int32_t id : bindings[i].inputs) {
      if (id != ir::kNoValue) final_use[id] = std::max(final_use[id], i);
    }
  }
  for (int32_t id : g.inputs) final_use[id] = last;
  for (int32_t id : g.outputs) final_use[id] = last;
  std::vector<runtime::BufferRequest> requests;
  request_of_value->assign(g.values.size(), -1);
  for (size_t id = 0; id < g.values.size(); ++id) {
    if (g.values[id].is_constant() || first[id] < 0) continue;
    (*request_of_value)[id] = static_cast<int32_t>(requests.size());
    requests.push_back({g.values[id].info.bytes(), first[id], final_use[id]});
  }
  return requests;
}

// Folds the DEQUANTIZE nodes of constants, prepares every op of
// impl->imported and plans the memory.
Result<std::unique_ptr<Model::Impl>> build(std::unique_ptr<Model::Impl> impl, const LoadOptions& options) {
  EDGERUN_RETURN_IF_ERROR(runtime::fold_constant_dequantize(&impl->imported).status());
  const ir::Graph& g = impl->imported.graph;
  ops::PrepareContext ctx;
  switch (options.kernels) {
    case KernelChoice::kReference:
      ctx.tables = &kernels::reference_kernel_tables();
      break;
    case KernelChoice::kAvx2:
      ctx.tables = &kernels::avx2_kernel_tables();
      break;
    default:
      ctx.tables = &kernels::detected_kernel_tables();
      break;
  }

  for (const ir::Node& node : g.nodes) {
    const ops::OpInfo* info = ops::find_op(node.op);
    if (info == nullptr) return Internal(std::string("op ") + ir::op_name(node.op) + " is missing from the op list");
    EDGERUN_ASSIGN_OR_RETURN(auto kernel, info->prepare(g, node, ctx));
    impl->kernels.push_back(std::move(kernel));
  }

  impl->bindings = options.fuse ? runtime::fuse_kernels(g, impl->kernels) : runtime::node_bindings(g);
  auto requests = lifetimes(g, impl->bindings, &impl->request_of_value);
  impl->plan = runtime::plan_memory(requests, kArenaAlignment);

  for (int32_t id : g.inputs) impl->inputs.push_back(g.values[id].info);
  for (int32_t id : g.outputs) impl->outputs.push_back(g.values[id].info);

  ModelStats& s = impl->stats;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const ir::Node& node = g.nodes[i];
    const std::string name = ir::op_name(node.op);
    auto it = std::find_if(s.ops.begin(), s.ops.end(), [&](const OpCount& c) { return c.op == name; });
    if (it == s.ops.end()) {
      s.ops.push_back({name, 1});
    } else {
      ++it->count;
    }
    NodeInfo& info = impl->nodes.emplace_back();
    info.op = name;
    if (!node.outputs.empty()) info.output_shape = g.values[node.outputs[0]].info.shape;
    info.macs = node_macs(g, node);
    info.fused_into = impl->bindings[i].fused_into;
    s.macs += info.macs;
  }
  // Constants no node reads (the inputs of folded DEQUANTIZE nodes) are not counted.
  std::vector<uint8_t> read(g.values.size(), 0);
  for (const ir::Node& node : g.nodes) {
    for (int32_t id : node.inputs) {
      if (id != ir::kNoValue) read[static_cast<size_t>(id)] = 1;
    }
  }
  for (size_t id = 0; id < g.values.size(); ++id) {
    const ir::Value& v = g.values[id];
    if (v.is_constant() && read[id]) {
      s.parameters += v.info.elements();
      s.parameter_bytes += static_cast<int64_t>(v.data_bytes);
    }
  }
  for (const auto& r : requests) s.activation_bytes_unshared += r.size;
  s.arena_bytes = impl->plan.arena_bytes;
  impl->metadata = impl->imported.metadata;
  impl->metadata.warning = impl->imported.metadata_error;
  return impl;
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

Result<std::shared_ptr<const Model>> Model::load(const std::string& path, const LoadOptions& options) {
  EDGERUN_ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(path));
  auto impl = std::make_unique<Impl>();
  impl->file = std::move(file);
  const uint8_t* data = impl->file.data();
  const size_t size = impl->file.size();
  LoadOptions opts = options;
  if (opts.external_data_dir.empty()) {
    const size_t slash = path.find_last_of('/');
    opts.external_data_dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  }
  auto imported = io::import_model(data, size, opts);
  if (!imported.ok()) return imported.status().with_context(path);
  impl->imported = std::move(imported).value();
  auto built = build(std::move(impl), opts);
  if (!built.ok()) return built.status().with_context(path);
  return std::shared_ptr<const Model>(new Model(std::move(built).value()));
}

Result<std::shared_ptr<const Model>> Model::load_from_buffer(const uint8_t* data, size_t size,
                                                             const LoadOptions& options) {
  if (data == nullptr || size == 0) return InvalidArgument("model buffer is empty");
  auto impl = std::make_unique<Impl>();
  EDGERUN_ASSIGN_OR_RETURN(impl->imported, io::import_model(data, size, options));
  EDGERUN_ASSIGN_OR_RETURN(impl, build(std::move(impl), options));
  return std::shared_ptr<const Model>(new Model(std::move(impl)));
}

Result<std::shared_ptr<const Model>> Model::Impl::from_imported(io::ImportedModel imported,
                                                                const LoadOptions& options) {
  // The file readers check this order; a graph built in memory is checked here.
  const ir::Graph& g = imported.graph;
  std::vector<bool> ready(g.values.size(), false);
  for (int32_t id : g.inputs) ready.at(static_cast<size_t>(id)) = true;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (int32_t id : g.nodes[i].inputs) {
      if (id == ir::kNoValue) continue;
      if (id < 0 || static_cast<size_t>(id) >= g.values.size()) {
        return InvalidArgument("node " + std::to_string(i) + " reads value " + std::to_string(id) + " of " +
                               std::to_string(g.values.size()));
      }
      if (!ready[static_cast<size_t>(id)] && !g.values[static_cast<size_t>(id)].is_constant()) {
        return InvalidArgument("node " + std::to_string(i) + " (" + ir::op_name(g.nodes[i].op) + ") reads '" +
                               g.values[static_cast<size_t>(id)].info.name + "' before any node produces it");
      }
    }
    for (int32_t id : g.nodes[i].outputs) ready.at(static_cast<size_t>(id)) = true;
  }
  auto impl = std::make_unique<Impl>();
  impl->imported = std::move(imported);
  EDGERUN_ASSIGN_OR_RETURN(impl, build(std::move(impl), options));
  return std::shared_ptr<const Model>(new Model(std::move(impl)));
}

size_t Model::input_count() const { return impl_->inputs.size(); }
size_t Model::output_count() const { return impl_->outputs.size(); }
const TensorInfo& Model::input_info(size_t i) const { return impl_->inputs.at(i); }
const TensorInfo& Model::output_info(size_t i) const { return impl_->outputs.at(i); }
const ModelMetadata& Model::metadata() const { return impl_->metadata; }
const ModelStats& Model::stats() const { return impl_->stats; }
const std::vector<NodeInfo>& Model::nodes() const { return impl_->nodes; }

}  // namespace edgerun

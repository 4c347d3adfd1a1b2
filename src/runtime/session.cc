#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "core/thread_pool.h"
#include "edgerun/edgerun.h"
#include "runtime/model_impl.h"

namespace edgerun {

struct Session::State {
  std::shared_ptr<const Model> model;
  std::unique_ptr<uint8_t, decltype(&std::free)> arena{nullptr, &std::free};
  // Per node, pointers into the arena or the model's constants, resolved once
  // so invoke() neither allocates nor looks anything up.
  std::vector<std::vector<const void*>> node_inputs;
  std::vector<std::vector<void*>> node_outputs;
  std::vector<void*> inputs;
  std::vector<const void*> outputs;
  std::unique_ptr<core::ThreadPool> pool;
  // Per-thread kernel scratch: the largest Kernel::scratch_bytes(), once per thread.
  std::unique_ptr<uint8_t, decltype(&std::free)> scratch{nullptr, &std::free};
  size_t scratch_stride = 0;

  ops::KernelIO io(size_t node) const {
    return ops::KernelIO{node_inputs[node], node_outputs[node], pool.get(), scratch.get(), scratch_stride};
  }
};

Session::Session(std::unique_ptr<State> state) : state_(std::move(state)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<Session> Session::create(std::shared_ptr<const Model> model, const SessionOptions& options) {
  if (!model) return InvalidArgument("Session::create: model is null");
  constexpr int kMaxThreads = 256;
  if (options.threads < 1 || options.threads > kMaxThreads) {
    return InvalidArgument("Session::create: threads: expected 1 to " + std::to_string(kMaxThreads) + ", found " +
                           std::to_string(options.threads));
  }
  auto state = std::make_unique<State>();
  const Model::Impl& m = model->impl();
  size_t scratch = 0;
  for (const auto& k : m.kernels) scratch = std::max(scratch, k->scratch_bytes());
  if (scratch > 0) {
    state->scratch_stride = (scratch + 63) / 64 * 64;
    const size_t total = state->scratch_stride * static_cast<size_t>(options.threads);
    state->scratch.reset(static_cast<uint8_t*>(std::aligned_alloc(64, total)));
    if (!state->scratch) return Internal("cannot allocate " + std::to_string(total) + " bytes of kernel scratch");
  }
  state->pool = std::make_unique<core::ThreadPool>(options.threads);
  const ir::Graph& g = m.imported.graph;
  const size_t arena_bytes = std::max<size_t>(m.plan.arena_bytes, 64);
  state->arena.reset(static_cast<uint8_t*>(std::aligned_alloc(64, arena_bytes)));
  if (!state->arena) return Internal("cannot allocate an arena of " + std::to_string(arena_bytes) + " bytes");
  std::memset(state->arena.get(), 0, arena_bytes);

  auto address = [&](int32_t id) -> uint8_t* {
    if (id == ir::kNoValue) return nullptr;
    const ir::Value& v = g.values[id];
    if (v.is_constant()) return const_cast<uint8_t*>(v.data);
    const int32_t r = m.request_of_value[id];
    return r < 0 ? nullptr : state->arena.get() + m.plan.offsets[r];
  };
  for (const runtime::KernelBinding& b : m.bindings) {
    auto& ins = state->node_inputs.emplace_back();
    for (int32_t id : b.inputs) ins.push_back(address(id));
    auto& outs = state->node_outputs.emplace_back();
    for (int32_t id : b.outputs) outs.push_back(address(id));
  }
  for (int32_t id : g.inputs) state->inputs.push_back(address(id));
  for (int32_t id : g.outputs) state->outputs.push_back(address(id));
  state->model = std::move(model);
  return Session(std::move(state));
}

const Model& Session::model() const { return *state_->model; }
int Session::threads() const { return state_->pool->threads(); }
void* Session::input_data(size_t i) { return state_->inputs.at(i); }
const void* Session::output_data(size_t i) const { return state_->outputs.at(i); }

Status Session::invoke() {
  const auto& kernels = state_->model->impl().kernels;
  for (size_t i = 0; i < kernels.size(); ++i) {
    kernels[i]->run(state_->io(i));
  }
  return Status::Ok();
}

Status Session::invoke_profiled(std::vector<OpTiming>* timings) {
  if (timings == nullptr) return InvalidArgument("Session::invoke_profiled: timings is null");
  const auto& kernels = state_->model->impl().kernels;
  const auto& nodes = state_->model->nodes();
  if (timings->size() != kernels.size()) {
    timings->assign(kernels.size(), OpTiming{});
    for (size_t i = 0; i < kernels.size(); ++i) {
      OpTiming& t = (*timings)[i];
      t.node = static_cast<int32_t>(i);
      t.op = nodes[i].op;
      t.output_shape = nodes[i].output_shape;
      t.macs = nodes[i].macs;
      t.fused_into = nodes[i].fused_into;
    }
  }
  using Clock = std::chrono::steady_clock;
  for (size_t i = 0; i < kernels.size(); ++i) {
    const auto t0 = Clock::now();
    kernels[i]->run(state_->io(i));
    const auto t1 = Clock::now();
    OpTiming& t = (*timings)[i];
    t.ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
    ++t.runs;
  }
  return Status::Ok();
}

}  // namespace edgerun

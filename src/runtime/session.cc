#include <chrono>
#include <cstdlib>
#include <cstring>

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
};

Session::Session(std::unique_ptr<State> state) : state_(std::move(state)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<Session> Session::create(std::shared_ptr<const Model> model) {
  if (!model) return InvalidArgument("Session::create: model is null");
  auto state = std::make_unique<State>();
  const Model::Impl& m = model->impl();
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
  for (const ir::Node& node : g.nodes) {
    auto& ins = state->node_inputs.emplace_back();
    for (int32_t id : node.inputs) ins.push_back(address(id));
    auto& outs = state->node_outputs.emplace_back();
    for (int32_t id : node.outputs) outs.push_back(address(id));
  }
  for (int32_t id : g.inputs) state->inputs.push_back(address(id));
  for (int32_t id : g.outputs) state->outputs.push_back(address(id));
  state->model = std::move(model);
  return Session(std::move(state));
}

const Model& Session::model() const { return *state_->model; }
void* Session::input_data(size_t i) { return state_->inputs.at(i); }
const void* Session::output_data(size_t i) const { return state_->outputs.at(i); }

Status Session::invoke() {
  const auto& kernels = state_->model->impl().kernels;
  for (size_t i = 0; i < kernels.size(); ++i) {
    kernels[i]->run(ops::KernelIO{state_->node_inputs[i], state_->node_outputs[i]});
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
    }
  }
  using Clock = std::chrono::steady_clock;
  for (size_t i = 0; i < kernels.size(); ++i) {
    const auto t0 = Clock::now();
    kernels[i]->run(ops::KernelIO{state_->node_inputs[i], state_->node_outputs[i]});
    const auto t1 = Clock::now();
    OpTiming& t = (*timings)[i];
    t.ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
    ++t.runs;
  }
  return Status::Ok();
}

}  // namespace edgerun

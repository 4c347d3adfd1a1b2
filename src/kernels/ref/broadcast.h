// Index helpers shared by the elementwise-binary (ADD, MUL) and reduction
// (MEAN) reference kernels. Built once at prepare time from static shapes;
// at run time they only walk indices (no allocation).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace edgerun::kernels::ref {

constexpr int kMaxIndexRank = 6;

// Maps a flat output index of a NumPy-style broadcast binary op to the flat
// indices of its two inputs. Shapes are right-aligned; a dim of 1 broadcasts
// (stride 0).
struct BroadcastIndex {
  int32_t rank = 0;
  int64_t out_dims[kMaxIndexRank] = {};
  int64_t a_strides[kMaxIndexRank] = {};
  int64_t b_strides[kMaxIndexRank] = {};
  bool elementwise = true;  // a, b and output have the same shape: index i everywhere
};

// Computes the broadcast output shape of `a` and `b` and the index map.
// Returns false if the shapes are incompatible or the rank exceeds kMaxIndexRank.
bool make_broadcast_index(const std::vector<int32_t>& a, const std::vector<int32_t>& b,
                          std::vector<int32_t>* out_shape, BroadcastIndex* index);

// Calls f(out_index, a_index, b_index) for every output index in [begin, end).
template <typename F>
inline void for_each_broadcast(const BroadcastIndex& bc, int64_t begin, int64_t end, F&& f) {
  if (begin >= end) return;
  if (bc.elementwise) {
    for (int64_t i = begin; i < end; ++i) f(i, i, i);
    return;
  }
  const int rank = bc.rank;
  if (rank == 0) {
    for (int64_t i = begin; i < end; ++i) f(i, 0, 0);
    return;
  }
  int64_t idx[kMaxIndexRank] = {};
  int64_t rem = begin;
  int64_t a_off = 0, b_off = 0;
  for (int d = rank - 1; d >= 0; --d) {
    idx[d] = rem % bc.out_dims[d];
    rem /= bc.out_dims[d];
    a_off += idx[d] * bc.a_strides[d];
    b_off += idx[d] * bc.b_strides[d];
  }
  // Runs along the innermost dim go in a plain loop (a per-channel operand
  // repeats every out_dims[rank - 1] elements); the odometer then carries
  // once per run, outer dims first to last.
  const int inner = rank - 1;
  const int64_t as = bc.a_strides[inner], bs = bc.b_strides[inner];
  for (int64_t i = begin; i < end;) {
    const int64_t run = std::min(end - i, bc.out_dims[inner] - idx[inner]);
    for (int64_t k = 0; k < run; ++k) f(i + k, a_off + k * as, b_off + k * bs);
    i += run;
    a_off += run * as;
    b_off += run * bs;
    idx[inner] += run;
    for (int d = inner; d > 0 && idx[d] == bc.out_dims[d]; --d) {
      a_off += bc.a_strides[d - 1] - bc.a_strides[d] * bc.out_dims[d];
      b_off += bc.b_strides[d - 1] - bc.b_strides[d] * bc.out_dims[d];
      idx[d] = 0;
      ++idx[d - 1];
    }
  }
}

// Maps a flat output index of a reduction to the input elements it reduces.
// kept: the dims that survive (in input order, with their input strides);
// reduced: the reduced dims (in input order), visited row-major so the input
// offsets of one output increase monotonically, as in TFLite's reference loop.
struct ReduceIndex {
  int32_t kept_rank = 0;
  int64_t kept_dims[kMaxIndexRank] = {};
  int64_t kept_strides[kMaxIndexRank] = {};
  int32_t reduced_rank = 0;
  int64_t reduced_dims[kMaxIndexRank] = {};
  int64_t reduced_strides[kMaxIndexRank] = {};
  int64_t reduced_count = 1;  // elements reduced into each output
};

// `reduce[d]` marks the reduced dims of `shape` (rank <= kMaxIndexRank).
bool make_reduce_index(const std::vector<int32_t>& shape, const std::vector<bool>& reduce, ReduceIndex* index);

// Input offset of the first element reduced into output `o`.
inline int64_t reduce_base_offset(const ReduceIndex& ri, int64_t o) {
  int64_t off = 0;
  for (int d = ri.kept_rank - 1; d >= 0; --d) {
    off += (o % ri.kept_dims[d]) * ri.kept_strides[d];
    o /= ri.kept_dims[d];
  }
  return off;
}

// Calls f(input_offset) for each element reduced into the output whose first
// element is at `base`, in increasing input-offset order.
template <typename F>
inline void for_each_reduced(const ReduceIndex& ri, int64_t base, F&& f) {
  if (ri.reduced_count == 0) return;
  const int rank = ri.reduced_rank;
  if (rank == 0) {
    f(base);
    return;
  }
  int64_t idx[kMaxIndexRank] = {};
  int64_t off = base;
  for (int64_t n = 0; n < ri.reduced_count; ++n) {
    f(off);
    for (int d = rank - 1; d >= 0; --d) {
      ++idx[d];
      off += ri.reduced_strides[d];
      if (idx[d] < ri.reduced_dims[d] || d == 0) break;
      off -= ri.reduced_strides[d] * ri.reduced_dims[d];
      idx[d] = 0;
    }
  }
}

}  // namespace edgerun::kernels::ref

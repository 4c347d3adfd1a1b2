#include "kernels/ref/int_arith.h"

#include <type_traits>

namespace edgerun::kernels::ref {
namespace {

// Unsigned arithmetic wraps by definition (signed overflow is undefined);
// 32 bits at least, so that 8- and 16-bit operands are not promoted to a
// signed int that a product could overflow. The conversion back to T is
// modular (C++20).
template <typename T>
using Wide = std::conditional_t<sizeof(T) <= 4, uint32_t, uint64_t>;

struct Add {
  template <typename T>
  static T apply(T a, T b) {
    return static_cast<T>(static_cast<Wide<T>>(a) + static_cast<Wide<T>>(b));
  }
};
struct Sub {
  template <typename T>
  static T apply(T a, T b) {
    return static_cast<T>(static_cast<Wide<T>>(a) - static_cast<Wide<T>>(b));
  }
};
struct Mul {
  template <typename T>
  static T apply(T a, T b) {
    return static_cast<T>(static_cast<Wide<T>>(a) * static_cast<Wide<T>>(b));
  }
};
struct Div {
  template <typename T>
  static T apply(T a, T b) {
    if (b == 0) return 0;
    if constexpr (std::is_signed_v<T>) {
      if (b == -1) return static_cast<T>(Wide<T>{0} - static_cast<Wide<T>>(a));  // min / -1 overflows
    }
    return static_cast<T>(a / b);  // C++ division truncates toward zero
  }
};

template <typename Op, typename T>
void binary(const T* a, const T* b, T* y, const BroadcastIndex& bc, int64_t begin, int64_t end) {
  for_each_broadcast(bc, begin, end, [&](int64_t i, int64_t ia, int64_t ib) { y[i] = Op::apply(a[ia], b[ib]); });
}

}  // namespace

void s8_add__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end) {
  binary<Add>(a, b, y, bc, begin, end);
}

void u8_add__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end) {
  binary<Add>(a, b, y, bc, begin, end);
}

void s16_add__ref(const int16_t* a, const int16_t* b, int16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Add>(a, b, y, bc, begin, end);
}

void u16_add__ref(const uint16_t* a, const uint16_t* b, uint16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Add>(a, b, y, bc, begin, end);
}

void s32_add__ref(const int32_t* a, const int32_t* b, int32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Add>(a, b, y, bc, begin, end);
}

void u32_add__ref(const uint32_t* a, const uint32_t* b, uint32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Add>(a, b, y, bc, begin, end);
}

void s64_add__ref(const int64_t* a, const int64_t* b, int64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Add>(a, b, y, bc, begin, end);
}

void u64_add__ref(const uint64_t* a, const uint64_t* b, uint64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Add>(a, b, y, bc, begin, end);
}

void s8_sub__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end) {
  binary<Sub>(a, b, y, bc, begin, end);
}

void u8_sub__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end) {
  binary<Sub>(a, b, y, bc, begin, end);
}

void s16_sub__ref(const int16_t* a, const int16_t* b, int16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Sub>(a, b, y, bc, begin, end);
}

void u16_sub__ref(const uint16_t* a, const uint16_t* b, uint16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Sub>(a, b, y, bc, begin, end);
}

void s32_sub__ref(const int32_t* a, const int32_t* b, int32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Sub>(a, b, y, bc, begin, end);
}

void u32_sub__ref(const uint32_t* a, const uint32_t* b, uint32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Sub>(a, b, y, bc, begin, end);
}

void s64_sub__ref(const int64_t* a, const int64_t* b, int64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Sub>(a, b, y, bc, begin, end);
}

void u64_sub__ref(const uint64_t* a, const uint64_t* b, uint64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Sub>(a, b, y, bc, begin, end);
}

void s8_mul__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end) {
  binary<Mul>(a, b, y, bc, begin, end);
}

void u8_mul__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end) {
  binary<Mul>(a, b, y, bc, begin, end);
}

void s16_mul__ref(const int16_t* a, const int16_t* b, int16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Mul>(a, b, y, bc, begin, end);
}

void u16_mul__ref(const uint16_t* a, const uint16_t* b, uint16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Mul>(a, b, y, bc, begin, end);
}

void s32_mul__ref(const int32_t* a, const int32_t* b, int32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Mul>(a, b, y, bc, begin, end);
}

void u32_mul__ref(const uint32_t* a, const uint32_t* b, uint32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Mul>(a, b, y, bc, begin, end);
}

void s64_mul__ref(const int64_t* a, const int64_t* b, int64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Mul>(a, b, y, bc, begin, end);
}

void u64_mul__ref(const uint64_t* a, const uint64_t* b, uint64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Mul>(a, b, y, bc, begin, end);
}

void s8_div__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end) {
  binary<Div>(a, b, y, bc, begin, end);
}

void u8_div__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end) {
  binary<Div>(a, b, y, bc, begin, end);
}

void s16_div__ref(const int16_t* a, const int16_t* b, int16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Div>(a, b, y, bc, begin, end);
}

void u16_div__ref(const uint16_t* a, const uint16_t* b, uint16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Div>(a, b, y, bc, begin, end);
}

void s32_div__ref(const int32_t* a, const int32_t* b, int32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Div>(a, b, y, bc, begin, end);
}

void u32_div__ref(const uint32_t* a, const uint32_t* b, uint32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Div>(a, b, y, bc, begin, end);
}

void s64_div__ref(const int64_t* a, const int64_t* b, int64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Div>(a, b, y, bc, begin, end);
}

void u64_div__ref(const uint64_t* a, const uint64_t* b, uint64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end) {
  binary<Div>(a, b, y, bc, begin, end);
}

}  // namespace edgerun::kernels::ref

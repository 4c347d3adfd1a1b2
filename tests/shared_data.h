// Locating the read-only shared data (real models, photos, eval set) in tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace edgerun::testdata {

// $EDGERUN_SHARED_DIR, else <source dir>/../shared.
inline std::string shared_dir() {
  const char* env = std::getenv("EDGERUN_SHARED_DIR");
  if (env != nullptr && *env != '\0') return env;
  return std::string(EDGERUN_SOURCE_DIR) + "/../shared";
}

inline std::string shared_path(const std::string& sub) { return shared_dir() + "/" + sub; }

inline std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace edgerun::testdata

// Declares `var` = shared/<sub>, or skips the test saying plainly where it looked.
#define EDGERUN_REQUIRE_SHARED(var, sub)                                                                  \
  const std::string var = ::edgerun::testdata::shared_path(sub);                                           \
  if (!std::filesystem::exists(var)) {                                                                    \
    GTEST_SKIP() << "shared test data not found at " << var                                               \
                 << " (set EDGERUN_SHARED_DIR to the shared folder; default is <source dir>/../shared)";  \
  }

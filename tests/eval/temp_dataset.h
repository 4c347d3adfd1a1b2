// A dataset folder for eval tests, made at test time: photos copied from the
// shared data and a labels.tsv written by the test; removed afterwards.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace edgerun::testing {

class TempDataset {
 public:
  // Creates <gtest temp dir>/edgerun_eval_<current test name>_<pid>, empty.
  TempDataset() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("edgerun_eval_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
            std::to_string(static_cast<long>(::getpid())));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~TempDataset() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempDataset(const TempDataset&) = delete;
  TempDataset& operator=(const TempDataset&) = delete;

  std::string dir() const { return dir_.string(); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void copy(const std::string& from, const std::string& name) const {
    std::filesystem::copy_file(from, dir_ / name, std::filesystem::copy_options::overwrite_existing);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream f(dir_ / name, std::ios::binary);
    f << text;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace edgerun::testing

// Runs the edgerun CLI binary as a user would, for the CLI tests.
#pragma once

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace edgerun::testcli {

struct CommandResult {
  int exit_code;
  std::string output;  // stdout, plus stderr unless dropped
};

// Any shell command: its exit code and stdout.
inline CommandResult run_command(const std::string& cmd) {
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  const int status = pclose(pipe.release());
  return {WEXITSTATUS(status), out};
}

// `edgerun <args>`; stderr is merged into the output, or dropped when
// `with_stderr` is false (for tests that parse stdout as JSON).
inline CommandResult run_cli(const std::string& args, bool with_stderr = true) {
  return run_command(std::string(EDGERUN_CLI_PATH) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

// Single-quotes a path for the shell.
inline std::string quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace edgerun::testcli

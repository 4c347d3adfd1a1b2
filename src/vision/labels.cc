#include "vision/labels.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace edgerun::vision {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// "<digits><space or tab><non-empty rest>" on an already-trimmed line.
bool parse_indexed(const std::string& line, long long* index, std::string* label) {
  size_t i = 0;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  if (i == 0 || i > 9 || i >= line.size() || (line[i] != ' ' && line[i] != '\t')) return false;
  *index = std::stoll(line.substr(0, i));
  *label = trim(line.substr(i));
  return !label->empty();
}

}  // namespace

Result<std::vector<std::string>> parse_labels(const std::string& text, const std::string& name) {
  std::vector<std::string> lines;
  {
    size_t start = 0;
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) start = 3;
    while (start <= text.size()) {
      size_t nl = text.find('\n', start);
      if (nl == std::string::npos) nl = text.size();
      lines.push_back(trim(text.substr(start, nl - start)));
      start = nl + 1;
    }
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return InvalidArgument(name + ": label file has no labels: expected one label per line");

  bool indexed = true;
  for (const std::string& l : lines) {
    long long idx;
    std::string lab;
    if (!l.empty() && !parse_indexed(l, &idx, &lab)) {
      indexed = false;
      break;
    }
  }
  if (!indexed) return lines;

  std::vector<std::string> out;
  std::vector<size_t> first_line;  // 1-based line of each index, 0 = unset
  for (size_t n = 0; n < lines.size(); ++n) {
    if (lines[n].empty()) continue;
    long long idx = 0;
    std::string lab;
    parse_indexed(lines[n], &idx, &lab);
    if (idx > kMaxLabelIndex) {
      return InvalidArgument(name + ":" + std::to_string(n + 1) + ": label index " + std::to_string(idx) +
                             ": expected at most " + std::to_string(kMaxLabelIndex));
    }
    const size_t i = static_cast<size_t>(idx);
    if (i >= out.size()) {
      out.resize(i + 1);
      first_line.resize(i + 1, 0);
    }
    if (first_line[i] != 0) {
      return InvalidArgument(name + ":" + std::to_string(n + 1) + ": duplicate label index " + std::to_string(idx) +
                             ": expected each index once, first seen on line " + std::to_string(first_line[i]));
    }
    first_line[i] = n + 1;
    out[i] = lab;
  }
  return out;
}

Result<std::vector<std::string>> load_labels(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR) return NotFound(path + ": label file not found");
    return IOError(path + ": cannot stat label file: " + std::strerror(e));
  }
  if (S_ISDIR(st.st_mode)) return IOError(path + ": expected a label file, found a directory");
  if (st.st_size > (int64_t{256} << 20)) {
    return InvalidArgument(path + ": label file is " + std::to_string(st.st_size) +
                           " bytes: expected at most 256 MiB");
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return IOError(path + ": cannot open label file: " + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return IOError(path + ": read error in label file");
  return parse_labels(ss.str(), path);
}

std::string label_for(const std::vector<std::string>& labels, int class_index, int num_classes) {
  const std::string fallback = "class " + std::to_string(class_index);
  if (class_index < 0) return fallback;
  size_t i = static_cast<size_t>(class_index);
  if (num_classes > 0 && labels.size() == static_cast<size_t>(num_classes) + 1) i += 1;
  if (i >= labels.size() || labels[i].empty()) return fallback;
  return labels[i];
}

}  // namespace edgerun::vision

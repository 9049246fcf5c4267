// Status and Result: how engine functions report errors without exceptions.
//
//   Result<Graph> g = importTflite(bytes);
//   if (!g.ok()) { std::cerr << g.error() << "\n"; return 1; }
//   useGraph(g.value());
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace tinyforge {

// A one-line error message, or success. Messages name the node and the value:
// "conv2d 'stem': input rank 3, expected 4".
class Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.m_ok = false;
    s.m_message = std::move(message);
    return s;
  }
  bool isOk() const { return m_ok; }
  explicit operator bool() const { return m_ok; }
  const std::string& message() const { return m_message; }

 private:
  bool m_ok = true;
  std::string m_message;
};

template <typename T>
class Result {
 public:
  Result(T value) : m_data(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : m_data(std::move(status)) {}     // NOLINT: must be an error status
  static Result failure(std::string message) { return Result(Status::error(std::move(message))); }

  bool ok() const { return std::holds_alternative<T>(m_data); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(m_data); }
  T& value() & { return std::get<T>(m_data); }
  T&& value() && { return std::get<T>(std::move(m_data)); }
  const std::string& error() const { return std::get<Status>(m_data).message(); }
  Status status() const { return ok() ? Status::ok() : std::get<Status>(m_data); }

 private:
  std::variant<T, Status> m_data;
};

}  // namespace tinyforge

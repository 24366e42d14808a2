#include "api/metrics.h"

#include <cstdio>

namespace childsafe::api {

std::string PromLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Metrics::Record(const std::string& route, const std::string& method, int status, double seconds) {
  std::lock_guard lock(mu_);
  requests_[{route, method, status}]++;
  Latency& l = latency_[{route, method}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) l.buckets[i]++;
  }
  l.count++;
  l.sum += seconds;
}

void Metrics::Render(std::string& out) const {
  std::lock_guard lock(mu_);
  out += "# HELP childsafe_http_requests_total HTTP requests by route, method and status.\n";
  out += "# TYPE childsafe_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += "childsafe_http_requests_total{route=\"" + PromLabel(std::get<0>(key)) + "\",method=\"" +
           std::get<1>(key) + "\",status=\"" + std::to_string(std::get<2>(key)) + "\"} " +
           std::to_string(n) + "\n";
  }
  out += "# HELP childsafe_http_request_duration_seconds HTTP request latency by route and method.\n";
  out += "# TYPE childsafe_http_request_duration_seconds histogram\n";
  char buf[64];
  for (const auto& [key, l] : latency_) {
    std::string labels = "route=\"" + PromLabel(key.first) + "\",method=\"" + key.second + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%g", kBuckets[i]);
      out += "childsafe_http_request_duration_seconds_bucket{" + labels + ",le=\"" + buf + "\"} " +
             std::to_string(l.buckets[i]) + "\n";
    }
    out += "childsafe_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(l.count) + "\n";
    std::snprintf(buf, sizeof buf, "%.6f", l.sum);
    out += "childsafe_http_request_duration_seconds_sum{" + labels + "} " + buf + "\n";
    out += "childsafe_http_request_duration_seconds_count{" + labels + "} " + std::to_string(l.count) + "\n";
  }
}

}  // namespace childsafe::api

#include "report/html_report.hpp"

#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/transform_width.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace sgverify {

namespace {

std::string base64(const std::string& bytes) {
  using namespace boost::archive::iterators;
  using Encoder = base64_from_binary<transform_width<std::string::const_iterator, 6, 8>>;
  std::string encoded(Encoder(bytes.begin()), Encoder(bytes.end()));
  encoded.append((3 - bytes.size() % 3) % 3, '=');  // the iterators leave the padding out
  return encoded;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

std::string inline_svg_image(const std::filesystem::path& svg, const std::string& alt) {
  std::ifstream in(svg, std::ios::binary);
  if (!in) return "<p><em>plot " + html_escape(svg.filename().string()) + " is missing</em></p>";
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return fmt::format("<img alt=\"{}\" style=\"max-width:100%\" src=\"data:image/svg+xml;base64,{}\">", html_escape(alt), base64(bytes.str()));
}

std::string claims_table_html(const std::vector<ClaimResult>& claims) {
  std::string html = "<table><tr><th>claim</th><th>statement</th><th>verdict</th><th>level</th><th>instances</th>"
                     "<th>worst value</th><th>detail</th><th>counterexample</th></tr>\n";
  for (const ClaimResult& claim : claims) {
    const std::string verdict = to_string(claim.verdict);
    html += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{:.3g}</td><td>{}</td><td>{}</td></tr>\n",
                        html_escape(claim.id), html_escape(claim.statement), verdict, verdict, to_string(claim.evidence),
                        claim.instances, claim.worst_value, html_escape(claim.detail),
                        claim.replay.empty() ? std::string("none") : "<code>" + html_escape(claim.replay) + "</code>");
  }
  return html + "</table>\n";
}

std::string html_page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.4}"
         "table{border-collapse:collapse;font-size:0.85em}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top}"
         "th{background:#f0f0f0}.confirmed{color:#1a7f37;font-weight:bold}.refuted{color:#cf222e;font-weight:bold}"
         ".inconclusive{color:#9a6700;font-weight:bold}code{font-size:0.9em;word-break:break-all}</style></head>\n<body>\n<h1>" +
         html_escape(title) + "</h1>\n" + body + "</body></html>\n";
}

}  // namespace sgverify

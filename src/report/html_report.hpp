// A self-contained HTML page: inline styles, and plots embedded as SVG data URIs, so that it
// opens offline in any browser with nothing beside it.
#pragma once

#include "claims/verdict.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace sgverify {

std::string html_escape(const std::string& text);

// An <img> whose source is the SVG file itself, base64-encoded; a note when the file is missing.
std::string inline_svg_image(const std::filesystem::path& svg, const std::string& alt);

// A table of claims: id, statement, verdict, level, instances, worst value, detail, replay.
std::string claims_table_html(const std::vector<ClaimResult>& claims);

// The whole page, with the title as heading and the body HTML after it.
std::string html_page(const std::string& title, const std::string& body);

}  // namespace sgverify

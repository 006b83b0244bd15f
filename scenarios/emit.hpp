#pragma once
// A scenario tree written back as YAML: what `hasim explore` writes its reproductions with. The
// text reads back (load_tree) as the same tree: every scalar keeps its text, quoted scalars stay
// quoted, and a plain scalar is written plain only where YAML reads it back unchanged.
#include <string>

#include "scenarios/tree.hpp"
#include "sim/time.hpp"

namespace scenarios {

/// `t` (a mapping) as a block-style YAML document, after `header` (each line written as a
/// `# ` comment).
std::string emit_yaml(const Tree& t, const std::string& header = "");

/// A scalar tree node with this text (plain unless `quoted`).
Tree scalar_tree(const std::string& text, bool quoted = false);

/// A duration as the loader reads it back exactly: whole seconds (`30s`), else whole
/// milliseconds (`250ms`), else nanoseconds.
std::string exact_duration_text(sim::Time t);

}  // namespace scenarios

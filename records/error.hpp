#pragma once
// The one exception a results-file reader throws for a file it cannot trust.
//
// what() is one line a user can act on:
//   "<path>: <field>: <problem>"      (field: a JSON path such as configs[3].runs[0].seed)
//   "<path>: <problem>"               (the file as a whole: unreadable, not JSON, too deep)
// The CLI maps FormatError to exit status 3 (data error).  Write failures are
// not FormatErrors: they are std::runtime_error (exit 1, a run failure).
#include <stdexcept>
#include <string>

namespace lrb::records {

struct FormatError : std::runtime_error {
  FormatError(std::string path, std::string field, std::string problem);

  std::string path;     // the file (or directory) the problem is in
  std::string field;    // where in it; empty: the file as a whole
  std::string problem;  // what was expected and what was found
};

}  // namespace lrb::records

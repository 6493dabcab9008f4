#!/usr/bin/env bash
# The one-way structure, checked on the sources: datasets -> core -> suites ->
# records (results files) -> reports.
#   - nothing under suites/ or reports/ reads or sets the environment;
#   - nothing under reports/ or records/ includes a suites/ header, and
#     nothing under records/ includes a reports/ header;
#   - no thread_local outside tools/ (the CLI);
#   - no tracked file points at a path outside the repository.
# Usage: check_structure.sh SOURCE_DIR
set -uo pipefail
cd "${1:?usage: check_structure.sh SOURCE_DIR}" || exit 2
fail=0
check() {  # check "what is wrong" <grep output>
  if [ -n "$2" ]; then printf '%s:\n%s\n' "$1" "$2" >&2; fail=1; fi
}
check "environment read or set in suites/ or reports/" "$(grep -rn 'getenv\|setenv' suites reports --include='*.cpp' --include='*.hpp')"
check "reports/ or records/ include a suites/ header" "$(grep -rn '#include "suites/' reports records)"
check "records/ includes a reports/ header" "$(grep -rn '#include "reports/' records)"
check "core/ or datasets/ include suites/, records/ or reports/" \
  "$(grep -rn '#include "\(suites\|records\|reports\)/' core datasets)"
check "thread_local outside the CLI" "$(grep -rn 'thread_local' --include='*.cpp' --include='*.hpp' core datasets suites records reports)"
# The fact sheets the tutorials came with are not in the repository: facts are
# stated where they are used, never pointed at.
# (The pattern is assembled from pieces so that this file does not match it.)
dotdot='\.\.'; sibling="$dotdot/shared"; machine="/wo""rk/"
check "a path outside the repository" \
  "$(git ls-files -z 2>/dev/null | xargs -0 grep -In "$sibling\\|$machine\\|[C]ONVENTIONS\\.md\\|[E]XPERIMENTS\\.md" 2>/dev/null)"
[ "$fail" = 0 ] && echo "structure: one way, no hidden channels"
exit "$fail"

#!/usr/bin/env bash
# npm run test:sanitize — the addon built with AddressSanitizer + UndefinedBehaviorSanitizer
# (CMake option LIMESHAP_SANITIZE) into build/sanitize (build/Release is left alone), then the tests
# that drive the addon hardest run against it. Any finding stops the process with an error report, so
# the run passes only with zero findings.
#   - LD_PRELOAD: node itself is not instrumented, so the ASan runtime must be loaded first.
#   - detect_leaks=0: node leaks by design at exit (isolates, caches); leaks are not what this checks.
#   - LIMESHAP_ADDON: lib/native.ts loads the sanitizer build instead of build/Release; child
#     processes of the tests inherit it and the sanitizer settings.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx cmake-js compile --out build/sanitize --CDLIMESHAP_SANITIZE=ON
npx tsc -p tsconfig.json
ASAN_RUNTIME="$(${CXX:-g++} -print-file-name=libasan.so)"
[ -e "$ASAN_RUNTIME" ] || { echo "sanitize: no libasan.so for ${CXX:-g++} (install gcc's libasan)" >&2; exit 1; }
export LIMESHAP_ADDON="$PWD/build/sanitize/Release/limeshap.node"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# The native tests, the validation tests and the fuzz test (LIMESHAP_FUZZ_CASES applies).
LD_PRELOAD="$ASAN_RUNTIME" node node_modules/mocha/bin/mocha.js --no-config --timeout 600000 --reporter dot \
  dist/test/native/native-hostile.test.js dist/test/native/native-fuzz.test.js dist/test/validate.test.js \
  dist/test/native/composite.test.js dist/test/native/composite-planes.test.js dist/test/segment/quickshift.test.js dist/test/segment/quickshift-pairs.test.js \
  dist/test/segment/quickshift-fast.test.js dist/test/segment/segment.test.js \
  dist/test/lime/lime-reference.test.js dist/test/shap/shap-algorithms.test.js

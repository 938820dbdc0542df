#!/bin/sh
# check-shipped.sh — test hooks are built into test binaries only
#
# Usage: check-shipped.sh TEST-BUILD -- SHIPPED...
# The tests' build of `chain` (TEST-BUILD) must hold the LIBCHAIN_TEST_KILL_AT
# hook, which shows this check can see it; no file that `meson install`
# ships may hold it.
hook=LIBCHAIN_TEST_KILL_AT
test_build=$1
shift
[ "$1" = "--" ] && shift
status=0
if [ "$(grep -c "$hook" "$test_build")" -eq 0 ]; then
  echo "$test_build: no $hook: the test build lost its hook, or this check is blind"
  status=1
fi
for shipped in "$@"; do
  count=$(grep -c "$hook" "$shipped")
  if [ "$count" -ne 0 ]; then
    echo "$shipped: holds $hook ($count matches): test hooks must not ship"
    status=1
  else
    echo "$shipped: no $hook"
  fi
done
exit $status

#!/bin/sh
# Renders each man page given with groff (all warnings on) and man-db;
# any warning fails. Exit 77 (skipped) when groff is missing.
command -v groff >/dev/null 2>&1 || { echo "groff is not installed"; exit 77; }
status=0
for page in "$@"; do
  warnings=$(groff -wall -z -man -K utf8 "$page" 2>&1)
  if command -v man >/dev/null 2>&1; then
    warnings="$warnings$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)"
  fi
  if [ -n "$warnings" ]; then
    printf '%s:\n%s\n' "$page" "$warnings"
    status=1
  fi
  # A page names itself: NAME must start with its file name.
  name=$(basename "$page" .1)
  if ! grep -q "^$(printf '%s' "$name" | sed 's/-/\\\\-/g') \\\\- " "$page"; then
    printf '%s: the NAME section does not name %s\n' "$page" "$name"
    status=1
  fi
done
exit $status

# Sources the completion file given and completes a few command lines;
# run by bash. Prints what differs and exits 1.
# shellcheck shell=bash
# shellcheck disable=SC1090
source "$1" || exit 1
status=0
expect () {
  local want=$1; shift
  COMP_WORDS=("$@")
  COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
  COMPREPLY=()
  _chain
  if [[ "${COMPREPLY[*]}" != "$want" ]]; then
    printf 'completing "%s": got "%s", want "%s"\n' "$*" "${COMPREPLY[*]}" "$want"
    status=1
  fi
}
expect "log" chain lo
expect "log" chain -C /tmp --json lo
expect "--reverse" chain log --rev
expect "device-batch" chain log --type dev
expect "create import" chain bundle ""
expect "tip" chain show t
expect "--root --report" chain audit --r
expect "add" chain officer a
expect "key-compromise" chain revoke --reason key
expect "annotate" chain ann
expect "--file" chain annotate --fi
expect "list" chain key l
expect "hook" chain ho
expect "report" chain rep
expect "--force" chain report --fo
expect "quota" chain quo
expect "--max-devices" chain delegate --max
expect "reconcile" chain rec
expect "--region" chain reconcile --reg
expect "--trusted-root" chain hook --tr
expect "--key-store" chain request --key
expect "tpm2" chain officer add x --key-store tp
exit $status

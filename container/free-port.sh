# shellcheck shell=bash
# Sourced by container/check.sh and container/check-multiarch.sh, which
# define die.
#
# free_port sets port to a TCP and UDP port nothing listens on, and not
# already taken by this test.
# shellcheck disable=SC2034 # port is read by the callers
used=" " port=''
free_port() {
  local p _
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 40000))
    case $used in *" $p "*) continue ;; esac
    if ! ss -Hltun | awk '{print $5}' | grep -q ":$p\$"; then
      used="$used$p " port=$p
      return 0
    fi
  done
  die "no free port found"
}

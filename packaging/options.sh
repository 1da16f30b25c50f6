# The package builders' shared options (sourced, with the script's
# arguments; HELP names the lines of the script's own header, SELF, to
# print):
#   --debug     package the debug build (quick, large; for tests)
#   --no-build  package what target/ already holds
#   --out DIR   where the packages go (default target/packages)
# Sets PROFILE (release or debug), BUILD (1 or 0) and OUT.
PROFILE=release
OUT=target/packages
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) PROFILE=debug ;;
    --no-build) BUILD=0 ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n "$HELP" "$SELF"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

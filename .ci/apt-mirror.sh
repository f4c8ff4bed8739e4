# apt_mirror SUITE FILE...: prints the URI of the first apt source in FILEs
# (deb822 *.sources stanzas or one-line "deb" entries) that serves SUITE itself,
# e.g. "bookworm": the machine's own Debian mirror, whichever host it is, and
# never the security archive (which serves "bookworm-security", not "bookworm").
# Prints nothing, and returns 1, when no source serves SUITE.
apt_mirror() {
  local suite=$1 file uri
  shift
  for file in "$@"; do
    [[ -f $file ]] || continue
    if [[ $file == *.sources ]]; then
      uri=$(awk -v suite="$suite" '
        function flush(  n, i, s) {
          if (!done && enabled != "no" && (" " types " ") ~ / deb / && uris != "") {
            n = split(suites, s, /[ \t]+/)
            for (i = 1; i <= n; i++) if (s[i] == suite) { sub(/^[ \t]+/, "", uris); split(uris, first, /[ \t]+/); print first[1]; done = 1; break }
          }
          types = uris = suites = enabled = key = ""
        }
        /^#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ { if (key == "uris") uris = uris " " $1; else if (key == "suites") suites = suites " " $1; next }
        {
          key = tolower(substr($0, 1, index($0, ":") - 1)); value = substr($0, index($0, ":") + 1)
          gsub(/^[ \t]+|[ \t]+$/, "", value)
          if (key == "types") types = value; else if (key == "uris") uris = value; else if (key == "suites") suites = value; else if (key == "enabled") enabled = tolower(value)
        }
        END { flush() }' "$file")
    else
      uri=$(awk -v suite="$suite" '
        /^[ \t]*deb[ \t]/ { sub(/\[[^]]*\]/, ""); if ($3 == suite) { print $2; exit } }' "$file")
    fi
    [[ -n $uri ]] && { echo "$uri"; return 0; }
  done
  return 1
}

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Lists the pipelines whose reader can stop before its input ends:
#
#   tests/lib/early-exit-pipes.sh FILE...   prints FILE:LINE: READER per hit,
#                                           exits 1 when there is one
#
# Under `set -o pipefail` (every script of the kit, and every sourced
# library through its caller) `writer | head -n 1` fails whenever head
# exits before the writer's last write: the writer dies of SIGPIPE (141)
# and pipefail makes the pipeline fail. Whether that happens depends on
# pipe buffer timing and on how much the writer prints (a longer clone
# path gave longer `find` lines, and the farm suite failed 4 times of 4).
# So the kit never puts such a reader after a pipe:
#   head, grep -q/-m/-l/--quiet/--max-count, awk with `exit`, sed with `q`.
# What to write instead: `sed -n 1p` or `awk 'NR <= N'` (they read all),
# an awk flag instead of `exit`, a variable and a here-string for grep -q
# (`out=$(cmd); grep -q x <<<"$out"`), dd for byte ranges. GNU grep also
# stops at the first match when its output is /dev/null, so
# `| grep x >/dev/null` is the same fault: the check flags it too.
# A line that ends with `# reads-all: WHY` is exempt (none is needed today).
set -euo pipefail

[ $# -gt 0 ] || {
	echo "usage: tests/lib/early-exit-pipes.sh FILE..." >&2
	exit 2
}

awk '
# reader(s): the text after a pipe; prints a reason when it may stop early.
function reader(s,    cmd, args, prog) {
	sub(/^[ \t]*/, "", s)
	sub(/^(env +([A-Z_]+=[^ ]* +)*|LC_ALL=C +|command +)/, "", s)
	if (!match(s, /^[A-Za-z0-9_.-]+/))
		return ""
	cmd = substr(s, 1, RLENGTH)
	args = substr(s, RLENGTH + 1)
	# the stage ends at the next single pipe (not inside quotes: rough)
	if (cmd == "head")
		return "head"
	if (cmd == "grep" || cmd == "egrep" || cmd == "fgrep") {
		if (args ~ /^([ \t]+-[A-Za-z]*)*[ \t]+-[A-Za-z]*[qml]/ || args ~ /--(quiet|silent|max-count|files-with-matches)/)
			return "grep that stops at a match"
		if (args ~ />[ \t]*\/dev\/null/)
			return "grep into /dev/null (stops at the first match)"
		return ""
	}
	if (cmd == "awk" || cmd == "gawk" || cmd == "mawk") {
		prog = args
		if (prog ~ /(^|[^A-Za-z_])exit([^A-Za-z_]|$)/)
			return "awk with exit"
		return ""
	}
	if (cmd == "sed") {
		if (args ~ /(^|[;{}\x27 \t0-9$\/])[qQ]([ \t0-9;}\x27]|$)/)
			return "sed with q"
		return ""
	}
	return ""
}

FNR == 1 { pend = 0; inawk = 0; hdoc = "" }

# a here-document body is data, not commands
hdoc != "" {
	l = $0
	if (hdash) sub(/^\t+/, "", l)
	if (l == hdoc) hdoc = ""
	next
}

{
	line = $0
	if (match(line, /(^|[^<])<<-?[ \t]*[\x27"]?[A-Za-z_]+/)) {
		h = substr(line, RSTART, RLENGTH)
		sub(/^[^<]?<</, "", h)
		hdash = substr(h, 1, 1) == "-"
		gsub(/[-\x27" \t]/, "", h)
		hdoc = h
	}
	if (line ~ /# reads-all: /) { pend = 0; next }
	# a comment line, or the part after a comment start at a word boundary
	if (line ~ /^[ \t]*#/) next
	# an awk program that started after a pipe on an earlier line
	if (inawk) {
		awkbuf = awkbuf "\n" line
		if (line ~ /\x27/) {
			inawk = 0
			if (awkbuf ~ /(^|[^A-Za-z_])exit([^A-Za-z_]|$)/)
			{
				printf "%s:%d: awk with exit\n", FILENAME, awkline
				hits++
			}
		}
		next
	}
	text = line
	if (pend) text = "|" text
	pend = 0
	rest = text
	while (match(rest, /(^|[^|])\|[ \t]*/)) {
		after = substr(rest, RSTART + RLENGTH)
		rest = after
		# `||` and `|&`: skip the second character, it starts no reader
		if (substr(after, 1, 1) == "|" || substr(after, 1, 1) == "&") {
			rest = substr(after, 2)
			continue
		}
		why = reader(after)
		# awk whose program goes on past this line: read to its closing quote
		if (why == "" && after ~ /^[ \t]*(LC_ALL=C +)?g?awk/) {
			q = after
			n = gsub(/\x27/, "\x27", q)
			if (n % 2 == 1) {
				inawk = 1; awkbuf = after; awkline = FNR
			}
		}
		if (why != "") {
			printf "%s:%d: %s\n", FILENAME, FNR, why
			hits++
		}
	}
	# a pipe at the end of the line: the reader is on the next line
	if (text ~ /[^|]\|[ \t]*$/)
		pend = 1
}

END { exit hits > 0 }
' "$@"

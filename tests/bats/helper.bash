# helper.bash: shared set-up and helpers for the black-box tests of the es tools.
#
# Run:  ES_BIN_DIR=path/to/bin bats tests/bats/
# ES_BIN_DIR is the directory holding es-append, es-read, ... (the built tools,
# or the reference model's shared/model/bin).

bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

if [[ -n ${ES_BIN_DIR:-} && -d $ES_BIN_DIR ]]; then
	ES_BIN_DIR=$(cd "$ES_BIN_DIR" && pwd)
	PATH="$ES_BIN_DIR:$PATH"
fi

# Every test: the tools from $ES_BIN_DIR, a fresh directory and store, no
# application or key inherited from the caller's environment.
setup() {
	if [[ -z ${ES_BIN_DIR:-} ]]; then
		fail "ES_BIN_DIR is not set: run as ES_BIN_DIR=DIR bats tests/bats/ (DIR holds es-append, es-read, ...)"
	fi
	local tool
	for tool in es-append es-read; do
		[[ -x $ES_BIN_DIR/$tool ]] ||
			fail "ES_BIN_DIR=$ES_BIN_DIR: no executable $tool there"
	done
	cd "$BATS_TEST_TMPDIR" || fail "cannot cd to $BATS_TEST_TMPDIR"
	umask 022
	export ES_STORE="$BATS_TEST_TMPDIR/events.lmdb"
	unset ES_APP ES_CIPHER_KEY
}

# ---------------------------------------------------------------------------
# Building items (the canonical output form: compact, fields in order
# sequence_id, position, topic, state)
# ---------------------------------------------------------------------------

# ev SEQ [POS [TOPIC [STATE]]]: print one item line.  POS "-" (or absent)
# leaves the position out; TOPIC defaults to bank#Event, STATE (JSON text) to {}.
ev() {
	local seq=$1 pos=${2:--} topic=${3:-bank#Event} state='{}'
	(($# >= 4)) && state=$4
	if [[ $pos == - ]]; then
		printf '{"sequence_id":"%s","topic":"%s","state":%s}\n' "$seq" "$topic" "$state"
	else
		printf '{"sequence_id":"%s","position":%s,"topic":"%s","state":%s}\n' \
			"$seq" "$pos" "$topic" "$state"
	fi
}

# evs SEQ FROM TO: items FROM..TO of SEQ, each with state {"n":POSITION}.
evs() {
	awk -v s="$1" -v a="$2" -v b="$3" 'BEGIN {
		for (i = a; i <= b; i++)
			printf "{\"sequence_id\":\"%s\",\"position\":%d,\"topic\":\"bank#Event\",\"state\":{\"n\":%d}}\n", s, i, i
	}'
}

# evn SEQ POS PIPELINE NID [TOPIC [STATE]]: an item as es-read
# --with-notification prints it.
evn() {
	local line state='{}'
	(($# >= 6)) && state=$6
	line=$(ev "$1" "$2" "${5:-bank#Event}" "$state")
	printf '%s,"pipeline_id":%s,"notification_id":%s}\n' "${line%\}}" "$3" "$4"
}

# ack SEQ POS NID: one line of es-append --ack.
ack() {
	printf '{"sequence_id":"%s","position":%s,"notification_id":%s}\n' "$1" "$2" "$3"
}

# envelope TRACKED_APP PIPELINE NID [ITEM_LINE...]: an envelope line holding
# the items given (each a line printed by ev) and a tracking record.
envelope() {
	local app=$1 pipe=$2 nid=$3 items
	shift 3
	items=$(IFS=,; printf '%s' "$*")
	printf '{"items":[%s],"tracking":{"application_name":"%s","pipeline_id":%s,"notification_id":%s}}\n' \
		"$items" "$app" "$pipe" "$nid"
}

# ---------------------------------------------------------------------------
# Setting up and reading back stores
# ---------------------------------------------------------------------------

# given_items [ES-APPEND OPTION...] < ITEMS: append, failing the test if
# es-append does not succeed.
given_items() {
	es-append "$@" || fail "setup: es-append $* exited $?"
}

# all_items [ES-READ OPTION...]: every item of every sequence of the
# application ($ES_APP or the default), sequences in sorted order.
all_items() {
	es-read --sequences | xargs -r -d '\n' es-read "$@"
}

# assert_nothing_stored: the store holds no item at all (it may exist).
assert_nothing_stored() {
	local out
	out=$(es-read --sequences) || fail "es-read --sequences failed"
	[[ -z $out ]] || fail "expected an empty store, it has sequences: $out"
}

# positions SEQ [ES-READ OPTION...]: the positions read, space-separated.
positions() {
	local seq=$1
	shift
	es-read "$@" -- "$seq" |
		sed -E 's/^\{"sequence_id":"([^"\\]|\\.)*","position":(-?[0-9.]+),.*/\2/' |
		paste -sd' ' -
}

# nids: the notification ids of the es-read --with-notification lines on stdin.
nids() {
	sed -E 's/.*,"notification_id":([0-9]+)\}$/\1/'
}

# ---------------------------------------------------------------------------
# Assertions on the last `run --separate-stderr`
# ---------------------------------------------------------------------------

# assert_message PROG [TEXT...]: stderr is exactly one line "PROG: ...",
# containing every TEXT.
assert_message() {
	local prog=$1 text
	shift
	((${#stderr_lines[@]} == 1)) ||
		fail "expected one line on stderr, got ${#stderr_lines[@]}: $stderr"
	[[ $stderr == "$prog: "* ]] || fail "stderr does not start with '$prog: ': $stderr"
	for text in "$@"; do
		[[ $stderr == *"$text"* ]] || fail "stderr does not mention '$text': $stderr"
	done
}

# assert_stderr_has TEXT...: stderr (any number of lines) contains every TEXT.
assert_stderr_has() {
	local text
	for text in "$@"; do
		[[ $stderr == *"$text"* ]] || fail "stderr does not mention '$text': $stderr"
	done
}

# assert_data_error LINE [FIELD]: the last es-append run exited 65 with one
# message naming input line LINE (and FIELD), printing nothing on stdout, and
# nothing is stored.
assert_data_error() {
	assert_equal "$status" 65
	assert_output ""
	assert_message es-append "line $1" "${@:2}"
	assert_nothing_stored
}

# assert_usage_error PROG [ARG...]: PROG ARGS exits 64 with the "Try" hint,
# prints nothing on stdout and touches no store (none is created).
assert_usage_error() {
	local prog=$1 existed=
	[[ -e $ES_STORE ]] && existed=1
	run -64 --separate-stderr "$@"
	assert_output ""
	[[ $stderr == "$prog: "* ]] || fail "stderr does not start with '$prog: ': $stderr"
	assert_stderr_has "Try '$prog --help'"
	if [[ -z $existed ]]; then
		[[ ! -e $ES_STORE && ! -e $ES_STORE-lock ]] ||
			fail "a usage error created the store $ES_STORE"
	fi
}

# to_full CMD...: run CMD with stdout on /dev/full.
to_full() {
	"$@" >/dev/full
}

# ---------------------------------------------------------------------------
# The notification log (es-notify)
# ---------------------------------------------------------------------------

# note SEQ POS APP PIPELINE NID [TOPIC [STATE]]: one line as es-notify prints
# it: the item, then "application_name", "pipeline_id", "notification_id".
note() {
	local line state='{}'
	(($# >= 7)) && state=$7
	line=$(ev "$1" "$2" "${6:-bank#Event}" "$state")
	printf '%s,"application_name":"%s","pipeline_id":%s,"notification_id":%s}\n' \
		"${line%\}}" "$3" "$4" "$5"
}

# notes SEQ FROM TO APP PIPELINE FIRST_NID: the es-notify lines of the items
# that `evs SEQ FROM TO` wrote, given the ids FIRST_NID, FIRST_NID + 1, ...
notes() {
	awk -v s="$1" -v a="$2" -v b="$3" -v app="$4" -v p="$5" -v n="$6" 'BEGIN {
		for (i = a; i <= b; i++)
			printf "{\"sequence_id\":\"%s\",\"position\":%d,\"topic\":\"bank#Event\",\"state\":{\"n\":%d},\"application_name\":\"%s\",\"pipeline_id\":%d,\"notification_id\":%d}\n", s, i, i, app, p, n + i - a
	}'
}

# section_doc SECTION_ID PREVIOUS_ID NEXT_ID < LINES: the JSON document that
# es-notify --section prints, its items the es-notify lines read; an id of
# "null" is null.
section_doc() {
	local items='' line sep='' id
	for id in "$2" "$3" "$1"; do
		[[ $id == null || $id =~ ^-?[0-9]+,-?[0-9]+$ ]] || fail "section_doc: bad id '$id'"
	done
	while IFS= read -r line; do
		items+=$sep$line
		sep=,
	done
	printf '{"items":[%s],"next_id":%s,"previous_id":%s,"section_id":"%s"}\n' \
		"$items" "$(json_id "$3")" "$(json_id "$2")" "$1"
}

# json_id ID: "ID" as a JSON string, or null.
json_id() {
	if [[ $1 == null ]]; then
		printf 'null'
	else
		printf '"%s"' "$1"
	fi
}

# ---------------------------------------------------------------------------
# Background processes (es-notify --follow, running pipelines)
# ---------------------------------------------------------------------------

BG_GROUPS=()

# bg_start NAME CMD...: run CMD in the background, in a process group of its
# own, stdout to NAME.out (which may be a FIFO made beforehand), stderr to
# NAME.err, stdin from /dev/null.  NAME.pid gets CMD's process id, and NAME.rc
# its exit status once it ends.  bg_cleanup kills what is left.
bg_start() {
	local name=$1
	shift
	rm -f "$name.pid" "$name.rc" "$name.err"
	# shellcheck disable=SC2016
	setsid bash -c '
		name=$1
		shift
		"$@" >"$name.out" 2>"$name.err" </dev/null &
		echo $! >"$name.pid"
		wait $!
		echo $? >"$name.rc.tmp" && mv "$name.rc.tmp" "$name.rc"
	' bg "$name" "$@" </dev/null >/dev/null 2>"$name.log" 3>&- &
	BG_GROUPS+=($!)
	wait_until 10 test -s "$name.pid" || fail "bg_start: $name did not start: $(cat "$name.log")"
}

# bg_cleanup: kill every process group that bg_start started (for teardown).
bg_cleanup() {
	local g
	for g in "${BG_GROUPS[@]}"; do
		kill -KILL -- "-$g" 2>/dev/null || true
	done
	for g in "${BG_GROUPS[@]}"; do
		wait "$g" 2>/dev/null || true
	done
	BG_GROUPS=()
}

# bg_running NAME: the process started as NAME has not ended.
bg_running() {
	[[ ! -e $1.rc ]]
}

# bg_status NAME [SECONDS]: wait (default 10 s) for NAME to end and print its
# exit status; fail if it is still running then.
bg_status() {
	wait_until "${2:-10}" test -e "$1.rc" ||
		fail "$1 is still running after ${2:-10} s; stdout: $(tail -n 3 "$1.out" 2>/dev/null)"
	cat "$1.rc"
}

# wait_until SECONDS CMD...: run CMD every 50 ms until it succeeds; return 1 if
# it has not after SECONDS.
wait_until() {
	local deadline=$((SECONDS + $1 + 1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.05
	done
}

# has_lines FILE N: FILE holds at least N complete lines.
has_lines() {
	[[ -f $1 ]] && (($(wc -l <"$1") >= $2))
}

# wait_lines FILE N [SECONDS]: wait (default 10 s) until FILE holds at least N
# complete lines; fail if it does not by then.
wait_lines() {
	wait_until "${3:-10}" has_lines "$1" "$2" ||
		fail "$1 has $(wc -l <"$1" 2>/dev/null || echo no) lines after ${3:-10} s, expected $2: $(tail -n 3 "$1" 2>/dev/null)"
}

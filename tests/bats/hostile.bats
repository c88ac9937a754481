#!/usr/bin/env bats
# hostile.bats: each class of bad input of the table in es.7 ("Bad input"):
# its exit status, a one-line message naming the line and the field, and
# nothing written.  Every row is checked both alone and as line 2 of 3.

load helper

# class|printf format of the line|exit|text the message must hold
ROWS=$(cat <<'TABLE'
not JSON|hello|65|line N: not JSON
truncated line|{"sequence_id":"a","topic":"t"|65|line N: not JSON
not an object|42|65|expected an item object
a batch of non-items|[1]|65|item 1: an item must be a JSON object
missing field|{"topic":"t","state":1}|65|sequence_id: missing field
unknown field|{"sequence_id":"a","topic":"t","state":1,"x":1}|65|x: unknown field
repeated field|{"sequence_id":"a","sequence_id":"b","topic":"t","state":1}|65|sequence_id: duplicate field
wrong type|{"sequence_id":1,"topic":"t","state":1}|65|sequence_id: must be a string
empty id|{"sequence_id":"","topic":"t","state":1}|65|sequence_id: must not be empty
empty topic|{"sequence_id":"a","topic":"","state":1}|65|topic: must not be empty
fractional position|{"sequence_id":"a","position":1.0,"topic":"t","state":1}|65|position: must be an integer
negative position|{"sequence_id":"a","position":-1,"topic":"t","state":1}|65|position: position out of range
position past 2^63-1|{"sequence_id":"a","position":9223372036854775808,"topic":"t","state":1}|65|position: position out of range
invalid UTF-8|{"sequence_id":"a\377","topic":"t","state":1}|65|invalid UTF-8 at byte
NUL byte|{"sequence_id":"a\000","topic":"t","state":1}|65|not JSON
NUL escape in an id|{"sequence_id":"a\\u0000","topic":"t","state":1}|65|sequence_id: must not contain NUL
unpaired surrogate|{"sequence_id":"a","topic":"t","state":"\\ud800"}|65|state: invalid Unicode
bad tracking|{"items":[],"tracking":{"application_name":"u","pipeline_id":-1,"notification_id":1}}|65|tracking.pipeline_id
conflict in a batch|[{"sequence_id":"a","position":0,"topic":"t","state":1},{"sequence_id":"a","position":0,"topic":"t","state":2}]|3|conflict: sequence a position 0
TABLE
)

good() {
	printf '{"sequence_id":"ok","topic":"t","state":%d}\n' "$1"
}

@test "hostile: every class of bad input is refused with its exit status and a message naming the line" {
	local class fmt code text n=0
	while IFS='|' read -r class fmt code text; do
		n=$((n + 1))
		# alone, as line 1
		printf "$fmt\n" >in
		run --separate-stderr es-append in
		[[ $status == "$code" ]] || fail "$class: exit $status, not $code"
		[[ -z $output ]] || fail "$class: output on stdout: $output"
		((${#stderr_lines[@]} == 1)) || fail "$class: not one line: $stderr"
		[[ $stderr == "es-append: "*"${text/line N/in: line 1}"* ]] ||
			fail "$class: message '$stderr' lacks '${text/line N/in: line 1}'"
		# as line 2 of 3: nothing of the input is written
		{ good 1; printf "$fmt\n"; good 3; } >in3
		run --separate-stderr es-append in3
		[[ $status == "$code" ]] || fail "$class (line 2): exit $status"
		[[ $code == 3 || $stderr == *"line 2"* ]] ||
			fail "$class (line 2): message does not name line 2: $stderr"
		assert_nothing_stored
	done <<<"$ROWS"
	((n >= 19)) || fail "only $n rows read"
}

@test "hostile: random bytes are refused and write nothing" {
	head -c 100000 /dev/urandom >noise
	run -65 --separate-stderr es-append noise
	assert_message es-append "noise: line 1"
	assert_nothing_stored
}

@test "hostile: JSON nested 5000 levels deep is refused (3900 is the limit)" {
	{ printf '{"sequence_id":"a","topic":"t","state":'
	  printf '%.0s[' $(seq 1 5000); printf '%.0s]' $(seq 1 5000); printf '}\n'; } >deep
	run -65 --separate-stderr es-append deep
	assert_message es-append "line 1" "nested too deeply"
	assert_nothing_stored
}

@test "hostile: a line of 100 MiB is stored and read back whole" {
	{ printf '{"sequence_id":"big","topic":"t","state":"'
	  head -c 75000000 /dev/zero | base64 -w0
	  printf '"}\n'; } >big
	run -0 es-append big
	es-read big | jq -r .state | cmp - <(head -c 75000000 /dev/zero | base64 -w0; echo)
}

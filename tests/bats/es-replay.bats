#!/usr/bin/env bats
# es-replay.bats: black-box tests of es-replay (SPEC §2, §3, §3.5, §4, §5;
# contract.md §5.3; RFC 7386).

load helper

KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=	# bytes 00..1f
OTHER=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=	# bytes 01..20

# snap SEQ POS [TOPIC [STATE]]: one snapshot line, the shape es-replay prints;
# TOPIC defaults to acct#Account (the entity's class), STATE (JSON text) to {}.
snap() {
	local state='{}'
	(($# >= 4)) && state=$4
	ev "$1" "$2" "${3:-acct#Account}" "$state"
}

# given_snapshots < LINES: es-snapshot --take, failing the test if it does
# not succeed.
given_snapshots() {
	es-snapshot --take || fail "setup: es-snapshot --take exited $?"
}

# balance reducer for --exec: the state is a number, the balance; an event's
# state is {"amount":N}; the snapshot line, if any, comes first.
BALANCE="jq -s 'map(.state | if type == \"number\" then . else .amount end) | add'"

# deposits SEQ FROM TO: items FROM..TO of SEQ, each a deposit of 10 * position.
deposits() {
	awk -v s="$1" -v a="$2" -v b="$3" 'BEGIN {
		for (i = a; i <= b; i++)
			printf "{\"sequence_id\":\"%s\",\"position\":%d,\"topic\":\"bank#Deposited\",\"state\":{\"amount\":%d}}\n", s, i, 10 * i
	}'
}

# patches SEQ N: events 0..N-1 of SEQ whose states are a mix of merge
# patches: keys set, keys deleted (null), nested objects set and deleted, and
# now and then an array, which replaces the whole state.
patches() {
	awk -v s="$1" -v n="$2" 'BEGIN {
		for (i = 0; i < n; i++) {
			if (i % 13 == 12) {
				st = sprintf("[%d]", i)
			} else {
				st = sprintf("{\"k%d\":%d", i % 5, i)
				if (i % 3 == 2)
					st = st sprintf(",\"k%d\":null", (i + 2) % 5)
				if (i % 7 == 3)
					st = st sprintf(",\"nest\":{\"m%d\":%d,\"m%d\":null}", i % 3, i, (i + 1) % 3)
				if (i % 11 == 9)
					st = st ",\"nest\":null"
				st = st "}"
			}
			printf "{\"sequence_id\":\"%s\",\"position\":%d,\"topic\":\"x#E%d\",\"state\":%s}\n", s, i, i % 4, st
		}
	}'
}

# five events e/0..e/4 with states {"e0":0} .. {"e4":4}, and a snapshot at 2
# whose state, {"fake":true}, no replay of the events gives: where it shows,
# the snapshot was used.
given_e04_fake2() {
	local i
	given_items < <(for i in 0 1 2 3 4; do ev e $i bank#Event "{\"e$i\":$i}"; done)
	given_snapshots <<<"$(snap e 2 snap#S '{"fake":true}')"
}

# ---------------------------------------------------------------------------
# The merge reducer
# ---------------------------------------------------------------------------

@test "es-replay: folds the events' states as merge patches into one snapshot line" {
	given_items <<<"$(ev acct-1 0 bank#Opened '{"owner":"ann","balance":0,"limits":{"daily":100,"monthly":1000}}'
		ev acct-1 1 bank#Deposited '{"balance":10}'
		ev acct-1 2 bank#Limited '{"limits":{"daily":null,"weekly":300}}'
		ev acct-1 3 bank#Renamed '{"owner":"bo","nick":"b"}'
		ev acct-1 4 bank#Unnamed '{"nick":null,"balance":25}')"
	run -0 --separate-stderr es-replay acct-1
	assert_output "$(ev acct-1 4 bank#Opened '{"owner":"bo","balance":25,"limits":{"monthly":1000,"weekly":300}}')"
	assert_equal "$stderr" ""
}

@test "es-replay: the merge follows RFC 7386 (its Appendix A, each original a snapshot)" {
	local -a orig=('{"a":"b"}' '{"a":"b"}' '{"a":"b"}' '{"a":"b","b":"c"}' '{"a":["b"]}'
		'{"a":"c"}' '{"a":{"b":"c"}}' '{"a":[{"b":"c"}]}' '["a","b"]' '{"a":"b"}'
		'{"a":"foo"}' '{"a":"foo"}' '{"e":null}' '[1,2]' '{}')
	local -a patch=('{"a":"c"}' '{"b":"c"}' '{"a":null}' '{"a":null}' '{"a":"c"}'
		'{"a":["b"]}' '{"a":{"b":"d","c":null}}' '{"a":[1]}' '["c","d"]' '["c"]'
		'null' '"bar"' '{"a":1}' '{"a":"b","c":null}' '{"a":{"bb":{"ccc":null}}}')
	local -a result=('{"a":"c"}' '{"a":"b","b":"c"}' '{}' '{"b":"c"}' '{"a":"c"}'
		'{"a":["b"]}' '{"a":{"b":"d"}}' '{"a":[1]}' '["c","d"]' '["c"]'
		'null' '"bar"' '{"e":null,"a":1}' '{"a":"b"}' '{"a":{"bb":{}}}')
	local k ids=() events='' snaps='' expect=''
	for k in "${!orig[@]}"; do
		ids+=("rfc$k")
		# event 0 is covered by the snapshot: its state must not show
		events+=$(ev "rfc$k" 0 x#Created '{"ignored":true}'; ev "rfc$k" 1 x#Patched "${patch[k]}")$'\n'
		snaps+=$(snap "rfc$k" 0 x#Orig "${orig[k]}")$'\n'
		expect+=$(ev "rfc$k" 1 x#Orig "${result[k]}")$'\n'
	done
	given_items <<<"$events"
	given_snapshots <<<"$snaps"
	run -0 --separate-stderr es-replay "${ids[@]}"
	assert_output "${expect%$'\n'}"
}

@test "es-replay: the first event's state is a merge patch applied to nothing" {
	given_items <<<"$(ev a 0 x#A '{"a":1,"b":null,"c":{"d":null}}'
		ev b 0 x#B 5; ev b 1 x#B '{"x":null,"y":1}'
		ev c 0 x#C '"text"'
		ev d 0 x#D '[1,null]'
		ev n 0 x#N null)"
	run -0 --separate-stderr es-replay a b c d n
	assert_output "$(ev a 0 x#A '{"a":1,"c":{}}'; ev b 1 x#B '{"y":1}'; ev c 0 x#C '"text"'; ev d 0 x#D '[1,null]'; ev n 0 x#N null)"
}

@test "es-replay: numbers in the states keep their values exactly" {
	given_items <<<"$(ev a 0 x#A '{"big":9007199254740993,"huge":123456789012345678901234567890,"keep":-17}'
		ev a 1 x#A '{"big2":9223372036854775807,"neg":-9007199254740993}')"
	run -0 --separate-stderr es-replay a
	assert_output "$(ev a 1 x#A '{"big":9007199254740993,"huge":123456789012345678901234567890,"keep":-17,"big2":9223372036854775807,"neg":-9007199254740993}')"
}

@test "es-replay: the topic is the first event's, or the snapshot's if one was used" {
	given_items <<<"$(ev a 0 bank#Opened '{"n":0}'; ev a 1 bank#Deposited '{"n":1}'; ev a 2 bank#Closed '{"n":2}')"
	run -0 es-replay a
	assert_output "$(ev a 2 bank#Opened '{"n":2}')"
	given_snapshots <<<"$(snap a 1 acct#Account '{"n":1}')"
	run -0 es-replay a
	assert_output "$(ev a 2 acct#Account '{"n":2}')"
	run -0 es-replay --lte 0 a
	assert_output "$(ev a 0 bank#Opened '{"n":0}')"
	run -0 es-replay --no-snapshot a
	assert_output "$(ev a 2 bank#Opened '{"n":2}')"
}

# ---------------------------------------------------------------------------
# Snapshots and bounds
# ---------------------------------------------------------------------------

@test "es-replay: from snapshots, the result is that of a full replay, at every bound" {
	local k out full
	given_items < <(patches p 30)
	# snapshots taken by es-replay itself
	for k in 4 11 19; do
		es-replay --lte $k p | es-snapshot --take || fail "cannot take a snapshot at $k"
	done
	run -0 es-snapshot --get p
	assert_output --regexp '^\{"sequence_id":"p","position":19,"topic":"x#E0",'
	run -0 --separate-stderr es-replay --no-snapshot p
	full=$output
	[[ $full == '{"sequence_id":"p","position":29,"topic":"x#E0","state":{'* ]] || fail "unexpected full replay: $full"
	run -0 --separate-stderr es-replay p
	assert_output "$full"
	for k in 0 3 4 5 10 11 12 13 18 19 20 26 29 30 1000; do
		run -0 --separate-stderr es-replay --no-snapshot --lte $k p
		out=$output
		run -0 --separate-stderr es-replay --lte $k p
		assert_equal "lte $k: $output" "lte $k: $out"
		run -0 --separate-stderr es-replay --no-snapshot --lt $((k + 1)) p
		assert_equal "lt $((k + 1)): $output" "lt $((k + 1)): $out"
	done
	# a snapshot with the entity's own topic: the same but for the topic
	es-replay --lte 25 p | jq -c '.topic = "x#Entity"' | es-snapshot --take
	run -0 --separate-stderr es-replay p
	[[ $output == '{"sequence_id":"p","position":29,"topic":"x#Entity","state":'* ]] || fail "snapshot topic not used: $output"
	assert_equal "$(jq -c 'del(.topic)' <<<"$output")" "$(jq -c 'del(.topic)' <<<"$full")"
}

@test "es-replay: --lte N is the state after version N, with the latest snapshot at or before N" {
	given_e04_fake2
	run -0 --separate-stderr es-replay --lte 1 e
	assert_output "$(ev e 1 bank#Event '{"e0":0,"e1":1}')"
	run -0 --separate-stderr es-replay --lte 2 e
	assert_output "$(snap e 2 snap#S '{"fake":true}')"
	run -0 --separate-stderr es-replay --lte 3 e
	assert_output "$(snap e 3 snap#S '{"fake":true,"e3":3}')"
	run -0 --separate-stderr es-replay e
	assert_output "$(snap e 4 snap#S '{"fake":true,"e3":3,"e4":4}')"
	run -0 --separate-stderr es-replay --lte 100 e
	assert_output "$(snap e 4 snap#S '{"fake":true,"e3":3,"e4":4}')"
}

@test "es-replay: --lt N is the state before version N" {
	given_e04_fake2
	run -0 --separate-stderr es-replay --lt 1 e
	assert_output "$(ev e 0 bank#Event '{"e0":0}')"
	run -0 --separate-stderr es-replay --lt 2 e
	assert_output "$(ev e 1 bank#Event '{"e0":0,"e1":1}')"
	run -0 --separate-stderr es-replay --lt 3 e
	assert_output "$(snap e 2 snap#S '{"fake":true}')"
	run -0 --separate-stderr es-replay --lt 5 --lte 3 e
	assert_output "$(snap e 3 snap#S '{"fake":true,"e3":3}')"
}

@test "es-replay: --no-snapshot ignores snapshots" {
	given_e04_fake2
	run -0 --separate-stderr es-replay --no-snapshot e
	assert_output "$(ev e 4 bank#Event '{"e0":0,"e1":1,"e2":2,"e3":3,"e4":4}')"
	run -0 --separate-stderr es-replay --no-snapshot --lte 2 e
	assert_output "$(ev e 2 bank#Event '{"e0":0,"e1":1,"e2":2}')"
}

@test "es-replay: bounds between positions take the last event before them" {
	given_items <<<"$(ev g 0 x#A '{"a":0}'; ev g 10 x#B '{"b":10}'; ev g 20 x#C '{"c":20}')"
	run -0 es-replay --lte 15 g
	assert_output "$(ev g 10 x#A '{"a":0,"b":10}')"
	run -0 es-replay --lt 20 g
	assert_output "$(ev g 10 x#A '{"a":0,"b":10}')"
	run -0 es-replay --lte 9 g
	assert_output "$(ev g 0 x#A '{"a":0}')"
}

@test "es-replay: nothing at or before the bound is exit 1 with a message" {
	given_e04_fake2
	run -1 --separate-stderr es-replay --lte -1 e
	assert_output ""
	assert_message es-replay "not found" e
	run -1 --separate-stderr es-replay --lt 0 e
	assert_output ""
	assert_message es-replay "not found" e
}

@test "es-replay: es-replay X | es-snapshot --take stores the state, that --get shows and replay uses" {
	given_items <<<"$(ev acct-1 0 bank#Opened '{"owner":"ann","balance":0}'; ev acct-1 1 bank#Deposited '{"balance":10}')"
	run -0 --separate-stderr es-snapshot --take < <(es-replay acct-1)
	run -0 --separate-stderr es-snapshot --get acct-1
	assert_output "$(ev acct-1 1 bank#Opened '{"owner":"ann","balance":10}')"
	# the same again conflicts: a snapshot is stored at that position
	run -3 --separate-stderr es-snapshot --take < <(es-replay acct-1)
	given_items <<<"$(ev acct-1 2 bank#Withdrawn '{"balance":4}')"
	es-replay acct-1 | es-snapshot --take
	run -0 es-snapshot --get acct-1
	assert_output "$(ev acct-1 2 bank#Opened '{"owner":"ann","balance":4}')"
	run -0 es-snapshot --get --lt 2 acct-1
	assert_output "$(ev acct-1 1 bank#Opened '{"owner":"ann","balance":10}')"
}

@test "es-replay: es-replay --all | es-snapshot --take snapshots every sequence" {
	given_items < <(evs a 0 2; evs b 0 0)
	es-replay --all | es-snapshot --take
	run -0 es-snapshot --get a b
	assert_output "$(ev a 2 bank#Event '{"n":2}'; ev b 0 bank#Event '{"n":0}')"
}

# ---------------------------------------------------------------------------
# --exec
# ---------------------------------------------------------------------------

@test "es-replay: --exec folds with a jq reducer, from the snapshot if there is one" {
	given_items < <(deposits acct-1 0 5)
	run -0 --separate-stderr es-replay --exec "$BALANCE" acct-1
	assert_output '{"sequence_id":"acct-1","position":5,"topic":"bank#Deposited","state":150}'
	# a snapshot with a balance that the events do not give: 1000 + 40 + 50
	given_snapshots <<<'{"sequence_id":"acct-1","position":3,"topic":"bank#Account","state":1000}'
	run -0 --separate-stderr es-replay --exec "$BALANCE" acct-1
	assert_output '{"sequence_id":"acct-1","position":5,"topic":"bank#Account","state":1090}'
	run -0 --separate-stderr es-replay --exec "$BALANCE" --no-snapshot acct-1
	assert_output '{"sequence_id":"acct-1","position":5,"topic":"bank#Deposited","state":150}'
	run -0 --separate-stderr es-replay --exec "$BALANCE" --lte 4 acct-1
	assert_output '{"sequence_id":"acct-1","position":4,"topic":"bank#Account","state":1040}'
	run -0 --separate-stderr es-replay --exec "$BALANCE" --lt 3 acct-1
	assert_output '{"sequence_id":"acct-1","position":2,"topic":"bank#Deposited","state":30}'
}

@test "es-replay: the --exec reducer reads the snapshot line and the event lines on stdin" {
	local deps='[{"pipeline_id":0,"notification_id":1}]'
	given_items <<<"$(ev a 0 x#A '{"a":0}'; ev a 1 x#B '{"b":1}')
{\"sequence_id\":\"a\",\"position\":2,\"topic\":\"x#C\",\"state\":{\"c\":[2]},\"causal_dependencies\":$deps}
$(ev a 3 x#D '"d"')"
	given_snapshots <<<"$(snap a 1 acct#Account '{"snap":1}')"
	local seen=$BATS_TEST_TMPDIR/seen.jsonl
	local cmd="cat >'$seen'; echo '{\"seen\": true}'"
	run -0 --separate-stderr es-replay --exec "$cmd" a
	assert_output "$(snap a 3 acct#Account '{"seen":true}')"
	assert_equal "$(cat "$seen")" "$(snap a 1 acct#Account '{"snap":1}'; es-read --gt 1 a)"
	run -0 --separate-stderr es-replay --exec "$cmd" --no-snapshot a
	assert_output "$(ev a 3 x#A '{"seen":true}')"
	assert_equal "$(cat "$seen")" "$(es-read a)"
	run -0 --separate-stderr es-replay --exec "$cmd" --lte 2 a
	assert_output "$(snap a 2 acct#Account '{"seen":true}')"
	assert_equal "$(cat "$seen")" "$(snap a 1 acct#Account '{"snap":1}'; es-read --gt 1 --lte 2 a)"
	run -0 --separate-stderr es-replay --exec "$cmd" --lt 1 a
	assert_output "$(ev a 0 x#A '{"seen":true}')"
	assert_equal "$(cat "$seen")" "$(ev a 0 x#A '{"a":0}')"
}

@test "es-replay: --exec does not run the reducer when no event follows the snapshot" {
	given_items < <(deposits acct-1 0 3)
	given_snapshots <<<'{"sequence_id":"acct-1","position":3,"topic":"bank#Account","state":60}'
	run -0 --separate-stderr es-replay --exec false acct-1
	assert_output '{"sequence_id":"acct-1","position":3,"topic":"bank#Account","state":60}'
	run -0 --separate-stderr es-replay --exec false --lte 3 acct-1
	assert_output '{"sequence_id":"acct-1","position":3,"topic":"bank#Account","state":60}'
	run -65 --separate-stderr es-replay --exec false --lt 3 acct-1
	assert_output ""
}

@test "es-replay: with --format stored-event the reducer gets the lines in that form" {
	given_items <<<"$(ev a 0 x#A '{"a":0}'; ev a 1 x#B '{"b":1}')"
	given_snapshots <<<"$(snap a 0 acct#Account '{"snap":0}')"
	local seen=$BATS_TEST_TMPDIR/seen.jsonl
	run -0 --separate-stderr es-replay --format stored-event --exec "cat >'$seen'; echo 7" a
	assert_output '{"originator_id":"a","originator_version":1,"topic":"acct#Account","state":7}'
	assert_equal "$(cat "$seen")" '{"originator_id":"a","originator_version":0,"topic":"acct#Account","state":{"snap":0}}
{"originator_id":"a","originator_version":1,"topic":"x#B","state":{"b":1}}'
}

@test "es-replay: the state --exec prints may span lines and is printed compact" {
	given_items < <(evs a 0 2)
	run -0 --separate-stderr es-replay --exec "jq -s '{count: length, last: .[-1].state}'" a
	assert_output "$(ev a 2 bank#Event '{"count":3,"last":{"n":2}}')"
	run -0 --separate-stderr es-replay --exec "printf ' [ 1 ,\n  \"x\" ]\n\n'" a
	assert_output "$(ev a 2 bank#Event '[1,"x"]')"
}

@test "es-replay: --exec runs the reducer for each sequence" {
	given_items < <(deposits b 0 2; deposits a 0 3)
	run -0 --separate-stderr es-replay --exec "$BALANCE" a b
	assert_output "$(printf '%s\n' '{"sequence_id":"a","position":3,"topic":"bank#Deposited","state":60}' \
		'{"sequence_id":"b","position":2,"topic":"bank#Deposited","state":30}')"
	run -0 --separate-stderr es-replay --exec "$BALANCE" --all
	assert_output "$(printf '%s\n' '{"sequence_id":"a","position":3,"topic":"bank#Deposited","state":60}' \
		'{"sequence_id":"b","position":2,"topic":"bank#Deposited","state":30}')"
}

@test "es-replay: a reducer that does not read its input still works" {
	given_items < <(evs big 0 2999)
	run -0 --separate-stderr es-replay --exec 'exec 0<&-; echo 42' big
	assert_output "$(ev big 2999 bank#Event 42)"
}

@test "es-replay: a reducer that fails, prints no JSON or cannot start is exit 65 naming it" {
	given_items < <(deposits acct-7 0 3)
	local cmd
	for cmd in false 'echo 5; exit 3' 'echo 5; kill -9 $$' 'echo nope' true 'echo 1; echo 2' 'echo "{\"a\":"' es-no-such-command-x; do
		run -65 --separate-stderr es-replay --exec "$cmd" acct-7
		assert_output ""
		assert_stderr_has reducer acct-7
		[[ ${stderr_lines[-1]} == "es-replay: "* ]] || fail "no es-replay: message for '$cmd': $stderr"
	done
	run -65 --separate-stderr es-replay --exec false --all
	assert_output ""
	assert_message es-replay reducer acct-7
}

@test "es-replay: a reducer failing for one sequence prints nothing for it" {
	given_items < <(deposits a 0 1; deposits b 0 1)
	run -65 --separate-stderr es-replay --exec "jq -s 'if .[0].sequence_id == \"b\" then error(\"boom\") else length end'" a b
	refute_output --partial '"sequence_id":"b"'
	assert_stderr_has reducer b
	run -0 es-replay --exec "jq -s 'if .[0].sequence_id == \"b\" then error(\"boom\") else length end'" a
	assert_output '{"sequence_id":"a","position":1,"topic":"bank#Deposited","state":2}'
}

# ---------------------------------------------------------------------------
# --raw
# ---------------------------------------------------------------------------

@test "es-replay: --raw prints the snapshot and the later events, unfolded" {
	given_e04_fake2
	run -0 --separate-stderr es-replay --raw e
	assert_output "$(snap e 2 snap#S '{"fake":true}'; ev e 3 bank#Event '{"e3":3}'; ev e 4 bank#Event '{"e4":4}')"
	run -0 --separate-stderr es-replay --raw --lte 3 e
	assert_output "$(snap e 2 snap#S '{"fake":true}'; ev e 3 bank#Event '{"e3":3}')"
	run -0 --separate-stderr es-replay --raw --lt 2 e
	assert_output "$(ev e 0 bank#Event '{"e0":0}'; ev e 1 bank#Event '{"e1":1}')"
	run -0 --separate-stderr es-replay --raw --no-snapshot e
	assert_output "$(es-read e)"
	run -1 --separate-stderr es-replay --raw --lte -1 e
	assert_output ""
	assert_message es-replay "not found" e
}

@test "es-replay: --raw prints the events as es-read does" {
	local deps='[{"pipeline_id":0,"notification_id":1}]'
	given_items <<<"$(ev a 0 x#A '{"a":0}')
{\"sequence_id\":\"a\",\"position\":1,\"topic\":\"x#B\",\"state\":null,\"causal_dependencies\":$deps}"
	run -0 --separate-stderr es-replay --raw a
	assert_output "$(es-read a)"
}

# ---------------------------------------------------------------------------
# --all and several ids
# ---------------------------------------------------------------------------

@test "es-replay: --all prints every sequence's current state in sorted order" {
	given_items <<<"$(ev b 5 x#B '{"b":5}'; ev b 6 x#B '{"b":6}'
		ev B 0 x#BB '{"x":0}'
		ev a-2 3 x#A2 '{"p":3}'; ev a-2 4 x#A2 '{"q":4}'
		ev a 0 x#A '{"a":0}'; ev a 1 x#A '{"a":1,"z":1}'; ev a 2 x#A '{"z":null}'; ev a 3 x#A '{"y":3}')"
	given_snapshots <<<"$(snap a 1 snap#S '{"fake":true}')"
	run -0 --separate-stderr es-replay --all
	assert_output "$(ev B 0 x#BB '{"x":0}'; snap a 3 snap#S '{"fake":true,"y":3}'; ev a-2 4 x#A2 '{"p":3,"q":4}'; ev b 6 x#B '{"b":6}')"
	assert_equal "$stderr" ""
	run -0 --separate-stderr es-replay --all --no-snapshot
	assert_output "$(ev B 0 x#BB '{"x":0}'; ev a 3 x#A '{"a":1,"y":3}'; ev a-2 4 x#A2 '{"p":3,"q":4}'; ev b 6 x#B '{"b":6}')"
}

@test "es-replay: --all with a bound skips the sequences with nothing at or before it" {
	given_items <<<"$(ev b 5 x#B '{"b":5}'; ev B 0 x#BB '{"x":0}'; ev a-2 3 x#A2 '{"p":3}'
		ev a 0 x#A '{"a":0}'; ev a 1 x#A '{"a":1}'; ev a 2 x#A '{"z":2}'; ev a 3 x#A '{"y":3}')"
	run -0 --separate-stderr es-replay --all --lte 2
	assert_output "$(ev B 0 x#BB '{"x":0}'; ev a 2 x#A '{"a":1,"z":2}')"
	assert_equal "$stderr" ""
	run -0 --separate-stderr es-replay --all --lt 3 --raw
	assert_output "$(ev B 0 x#BB '{"x":0}'; ev a 0 x#A '{"a":0}'; ev a 1 x#A '{"a":1}'; ev a 2 x#A '{"z":2}')"
	run -0 --separate-stderr es-replay --all --lt 0
	assert_output ""
	assert_equal "$stderr" ""
}

@test "es-replay: --all on a store without events prints nothing and exits 0" {
	given_items </dev/null
	run -0 --separate-stderr es-replay --all
	assert_output ""
	assert_equal "$stderr" ""
}

@test "es-replay: several ids are replayed in the order given" {
	given_items < <(evs a 0 1; evs b 0 2)
	run -0 --separate-stderr es-replay b a
	assert_output "$(ev b 2 bank#Event '{"n":2}'; ev a 1 bank#Event '{"n":1}')"
}

@test "es-replay: an unknown id is exit 1 with a message, the others are printed" {
	given_items < <(evs a 0 1; evs b 0 2)
	run -1 --separate-stderr es-replay nosuch
	assert_output ""
	assert_message es-replay "not found" nosuch
	run -1 --separate-stderr es-replay a nosuch b
	assert_output "$(ev a 1 bank#Event '{"n":1}'; ev b 2 bank#Event '{"n":2}')"
	assert_message es-replay "not found" nosuch
	run -1 --separate-stderr es-replay --raw nosuch
	assert_output ""
	assert_message es-replay "not found" nosuch
}

@test "es-replay: a store that does not exist is exit 66 and is not created" {
	run -66 --separate-stderr es-replay a
	assert_output ""
	assert_message es-replay
	run -66 --separate-stderr es-replay --all
	[[ ! -e $ES_STORE ]] || fail "es-replay created the store"
}

@test "es-replay: UUID sequence ids are normalised" {
	local canon=5f0c1e2a-3b4c-4d5e-8f90-a1b2c3d4e5f6
	given_items < <(evs $canon 0 1)
	run -0 es-replay 5F0C1E2A3B4C4D5E8F90A1B2C3D4E5F6
	assert_output "$(ev $canon 1 bank#Event '{"n":1}')"
}

@test "es-replay: -a/--app and ES_APP choose the application" {
	given_items < <(evs a 0 1)
	given_items --app other <<<"$(ev a 0 x#Other '{"o":1}')"
	run -0 es-replay --app other a
	assert_output "$(ev a 0 x#Other '{"o":1}')"
	ES_APP=other run -0 es-replay a
	assert_output "$(ev a 0 x#Other '{"o":1}')"
	run -0 es-replay a
	assert_output "$(ev a 1 bank#Event '{"n":1}')"
}

@test "es-replay: --format stored-event names the fields originator_id and originator_version" {
	given_e04_fake2
	run -0 --separate-stderr es-replay --format stored-event e
	assert_output '{"originator_id":"e","originator_version":4,"topic":"snap#S","state":{"fake":true,"e3":3,"e4":4}}'
	run -0 --separate-stderr es-replay --format stored-event --raw --lte 3 e
	assert_output '{"originator_id":"e","originator_version":2,"topic":"snap#S","state":{"fake":true}}
{"originator_id":"e","originator_version":3,"topic":"bank#Event","state":{"e3":3}}'
}

# ---------------------------------------------------------------------------
# Encryption
# ---------------------------------------------------------------------------

@test "es-replay: with ES_CIPHER_KEY events and snapshots are decrypted during replay" {
	export ES_CIPHER_KEY=$KEY
	given_items <<<"$(ev p-1 0 person#Named '{"name":"Zebulon"}'; ev p-1 1 person#Aged '{"age":40}'; ev p-1 2 person#Aged '{"age":41}')"
	es-replay --lte 1 p-1 | es-snapshot --take
	run -1 grep -l -e Zebulon -e '"age"' "$ES_STORE"*
	run -0 grep -l 'person#Named' "$ES_STORE"*
	run -0 --separate-stderr es-replay p-1
	assert_output "$(ev p-1 2 person#Named '{"name":"Zebulon","age":41}')"
	run -0 --separate-stderr es-replay --no-snapshot --lte 1 p-1
	assert_output "$(ev p-1 1 person#Named '{"name":"Zebulon","age":40}')"
	run -0 --separate-stderr es-replay --raw p-1
	assert_output "$(ev p-1 1 person#Named '{"name":"Zebulon","age":40}'; ev p-1 2 person#Aged '{"age":41}')"
	run -0 --separate-stderr es-replay --exec "jq -s -c 'map(.state)'" p-1
	assert_output "$(ev p-1 2 person#Named '[{"name":"Zebulon","age":40},{"age":41}]')"
}

@test "es-replay: a wrong key, or none, is exit 65 and prints nothing" {
	ES_CIPHER_KEY=$KEY given_items <<<"$(ev p-1 0 person#Named '{"name":"Zebulon"}'; ev p-1 1 person#Aged '{"age":40}')"
	ES_CIPHER_KEY=$OTHER run -65 --separate-stderr es-replay p-1
	assert_output ""
	assert_message es-replay "cannot decrypt" p-1
	ES_CIPHER_KEY=$OTHER run -65 --separate-stderr es-replay --raw p-1
	assert_output ""
	assert_message es-replay "cannot decrypt" p-1
	run -65 --separate-stderr es-replay p-1
	assert_output ""
	assert_message es-replay p-1
	# a snapshot encrypted with the key: the wrong key fails on it
	ES_CIPHER_KEY=$KEY es-replay p-1 | ES_CIPHER_KEY=$KEY es-snapshot --take
	ES_CIPHER_KEY=$OTHER run -65 --separate-stderr es-replay p-1
	assert_output ""
	assert_message es-replay "cannot decrypt" p-1
	ES_CIPHER_KEY=$OTHER run -65 --separate-stderr es-replay --all
	assert_output ""
	ES_CIPHER_KEY=$KEY run -0 es-replay p-1
	assert_output "$(ev p-1 1 person#Named '{"name":"Zebulon","age":40}')"
}

@test "es-replay: --key-file works like ES_CIPHER_KEY" {
	printf '%s\n' "$KEY" >key
	ES_CIPHER_KEY=$KEY given_items <<<"$(ev p-1 0 person#Named '{"name":"Zebulon"}')"
	run -0 es-replay --key-file key p-1
	assert_output "$(ev p-1 0 person#Named '{"name":"Zebulon"}')"
	assert_usage_error es-replay --key-file /nonexistent p-1
	ES_CIPHER_KEY=not-base64! assert_usage_error es-replay p-1
}

# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

@test "es-replay: --raw with a reducer is a usage error" {
	assert_usage_error es-replay --raw --exec cat a
	assert_usage_error es-replay --raw --reducer merge a
}

@test "es-replay: --all with ids, or no id without --all, is a usage error" {
	given_items < <(evs a 0 1)
	assert_usage_error es-replay --all a
	assert_usage_error es-replay
	assert_usage_error es-replay --lte 3
}

@test "es-replay: an unknown --reducer, --reducer with --exec, or an empty --exec is a usage error" {
	assert_usage_error es-replay --reducer sum a
	assert_usage_error es-replay --reducer merge --exec cat a
	assert_usage_error es-replay --exec '' a
}

@test "es-replay: --reducer merge is the default" {
	given_e04_fake2
	run -0 --separate-stderr es-replay --reducer merge e
	assert_output "$(snap e 4 snap#S '{"fake":true,"e3":3,"e4":4}')"
}

@test "es-replay: a bad bound, id, format or option is a usage error" {
	assert_usage_error es-replay --lte x a
	assert_usage_error es-replay --lt 1.5 a
	assert_usage_error es-replay ''
	assert_usage_error es-replay "$(printf 'x%.0s' {1..256})"
	assert_usage_error es-replay --format yaml a
	assert_usage_error es-replay --frobnicate a
	assert_usage_error es-replay -Z a
}

@test "es-replay: -h and --help print the usage on stdout and exit 0" {
	run -0 --separate-stderr es-replay -h
	[[ ${lines[0]} == "Usage: es-replay"* ]] || fail "usage does not start with 'Usage: es-replay': ${lines[0]}"
	assert_output --partial --no-snapshot
	run -0 --separate-stderr es-replay --help
	[[ ${lines[0]} == "Usage: es-replay"* ]] || fail "usage does not start with 'Usage: es-replay': ${lines[0]}"
	assert_equal "$stderr" ""
}

@test "es-replay: -V and --version print the version on stdout and exit 0" {
	run -0 --separate-stderr es-replay -V
	assert_output --regexp '^es-replay \(es\) [0-9]'
	run -0 --separate-stderr es-replay --version
	assert_output --regexp '^es-replay \(es\) [0-9]'
}

@test "es-replay: a write error on stdout is exit 74" {
	given_items < <(evs a 0 1)
	run -74 --separate-stderr to_full es-replay a
	[[ $stderr == es-replay:* ]] || fail "no es-replay: message on stderr: $stderr"
}

# ---------------------------------------------------------------------------
# The examples of es-replay(1)
# ---------------------------------------------------------------------------

@test "es-replay: man page example: the state of acct-1 now and as it was at position 2" {
	given_items <<<"$(ev acct-1 0 bank#Opened '{"owner":"ann","balance":0}'
		ev acct-1 1 bank#Deposited '{"balance":10}'
		ev acct-1 2 bank#Deposited '{"balance":25}'
		ev acct-1 3 bank#Withdrawn '{"balance":5}')"
	run -0 es-replay acct-1
	assert_output '{"sequence_id":"acct-1","position":3,"topic":"bank#Opened","state":{"owner":"ann","balance":5}}'
	run -0 sh -c 'es-replay --lte 2 acct-1 | jq .state.balance'
	assert_output 25
}

@test "es-replay: man page example: a jq reducer that adds up the amounts" {
	given_items < <(deposits acct-1 0 3)
	run -0 es-replay --exec "jq -s 'map(.state | if type == \"number\" then . else .amount end) | add'" acct-1
	assert_output '{"sequence_id":"acct-1","position":3,"topic":"bank#Deposited","state":60}'
}

@test "es-replay: man page example: states from the snapshots and from the events alone differ only in topics" {
	given_items < <(patches p 30; patches q 7)
	es-replay --lte 11 p | jq -c '.topic = "x#Entity"' | es-snapshot --take
	es-replay --lte 20 p | es-snapshot --take
	es-replay --lte 3 q | jq -c '.topic = "x#Entity"' | es-snapshot --take
	es-replay --all >states.jsonl
	es-replay --all --no-snapshot >check.jsonl
	run -0 jq -r .topic states.jsonl
	assert_output "x#Entity
x#Entity"
	run -0 jq -r .topic check.jsonl
	assert_output "x#E0
x#E0"
	assert_equal "$(jq -c 'del(.topic)' states.jsonl)" "$(jq -c 'del(.topic)' check.jsonl)"
}

@test "es-replay: --topic names the topic of the result (SPEC §3.5)" {
	given_items <<<"$(ev acct 0 bank#Opened '{"a":1}'; ev acct 1 bank#Paid '{"b":2}')"
	run -0 --separate-stderr es-replay --topic bank#Account acct
	assert_output '{"sequence_id":"acct","position":1,"topic":"bank#Account","state":{"a":1,"b":2}}'
	es-replay --topic bank#Account acct | es-snapshot --take
	run -0 es-snapshot --get acct
	assert_output '{"sequence_id":"acct","position":1,"topic":"bank#Account","state":{"a":1,"b":2}}'
	run -64 --separate-stderr es-replay --raw --topic x acct
	run -64 --separate-stderr es-replay --topic '' acct
}

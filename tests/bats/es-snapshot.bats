#!/usr/bin/env bats
# es-snapshot.bats: black-box tests of es-snapshot (SPEC §1, §2, §3, §3.4, §4,
# §5; contract.md §5.1-§5.2).

load helper

KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=	# bytes 00..1f
OTHER=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=	# bytes 01..20

# snap SEQ POS [TOPIC [STATE]]: one snapshot line, as --get prints it; TOPIC
# defaults to acct#Account (the entity's class), STATE (JSON text) to {}.
snap() {
	local state='{}'
	(($# >= 4)) && state=$4
	ev "$1" "$2" "${3:-acct#Account}" "$state"
}

# given_snapshots [ES-SNAPSHOT OPTION...] < LINES: es-snapshot --take, failing
# the test if it does not succeed.
given_snapshots() {
	es-snapshot --take "$@" || fail "setup: es-snapshot --take $* exited $?"
}

# snapshots SEQ [OPTION...]: every snapshot of SEQ, oldest first, found by
# walking down with --get --lt (the only way to list them).
snapshots() {
	local seq=$1 line rc pos bound=() all=()
	shift
	while :; do
		rc=0
		line=$(es-snapshot "$@" --get "${bound[@]}" "$seq" 2>/dev/null) || rc=$?
		((rc == 1)) && break
		((rc == 0)) || { fail "es-snapshot --get ${bound[*]} $seq exited $rc"; return 1; }
		all=("$line" "${all[@]}")
		pos=$(snap_pos <<<"$line")
		[[ $pos =~ ^[0-9]+$ ]] || { fail "no position in: $line"; return 1; }
		((${#all[@]} <= 100)) || { fail "more than 100 snapshots of $seq"; return 1; }
		[[ ${bound[1]:-} != "$pos" ]] || { fail "--get --lt $pos $seq printed position $pos"; return 1; }
		bound=(--lt "$pos")
	done
	((${#all[@]} == 0)) || printf '%s\n' "${all[@]}"
}

# snap_pos < LINE: the position of a snapshot line, exactly.
snap_pos() {
	sed -E 's/^\{"sequence_id":"([^"\\]|\\.)*","position":([0-9]+),.*/\2/'
}

# snapshot_positions SEQ: the positions of every snapshot of SEQ, ascending,
# space-separated.
snapshot_positions() {
	local lines
	lines=$(snapshots "$1") || return 1
	[[ -z $lines ]] || snap_pos <<<"$lines" | paste -sd' ' -
}

# assert_no_snapshot SEQ...: es-snapshot --get finds no snapshot of any SEQ.
assert_no_snapshot() {
	local seq rc out
	for seq in "$@"; do
		rc=0
		out=$(es-snapshot --get "$seq" 2>/dev/null) || rc=$?
		((rc == 1)) || { fail "expected no snapshot of $seq (exit 1), got exit $rc: $out"; return 1; }
	done
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

# ---------------------------------------------------------------------------
# --take
# ---------------------------------------------------------------------------

@test "es-snapshot: --take stores snapshots that --get prints back exactly" {
	run -0 --separate-stderr es-snapshot --take <<<"$(snap acct-1 4 acct#Account '{"owner":"ann","balance":30,"tags":["a",null]}'; snap acct-2 0)"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 --separate-stderr es-snapshot --get acct-1
	assert_output "$(snap acct-1 4 acct#Account '{"owner":"ann","balance":30,"tags":["a",null]}')"
	assert_equal "$stderr" ""
	run -0 --separate-stderr es-snapshot --get acct-2
	assert_output "$(snap acct-2 0)"
}

@test "es-snapshot: --take keeps states of every JSON type, null for a discarded entity" {
	local states=('null' '5' '"text"' '[1,{"b":[]}]' 'true' '{"a":{"b":{}}}')
	local k input=''
	for k in "${!states[@]}"; do
		input+=$(snap "s$k" 7 x#E "${states[k]}")$'\n'
	done
	run -0 --separate-stderr es-snapshot --take <<<"$input"
	for k in "${!states[@]}"; do
		run -0 --separate-stderr es-snapshot --get "s$k"
		assert_output "$(snap "s$k" 7 x#E "${states[k]}")"
	done
}

@test "es-snapshot: --take creates the store mode 0600, even when the input is bad" {
	run -65 --separate-stderr es-snapshot --take <<<'not json'
	[[ -f $ES_STORE ]] || fail "es-snapshot --take did not create the store"
	assert_equal "$(stat -c %a "$ES_STORE")" 600
	[[ -f $ES_STORE-lock ]] || fail "no lock file $ES_STORE-lock"
	rm -f "$ES_STORE" "$ES_STORE-lock"
	run -0 --separate-stderr es-snapshot --take </dev/null
	assert_output ""
	[[ -f $ES_STORE ]] || fail "an empty --take did not create the store"
	assert_no_snapshot a
}

@test "es-snapshot: several snapshots of a sequence are kept" {
	given_snapshots <<<"$(snap a 2 x#A '{"v":2}'; snap a 5 x#A '{"v":5}')"
	given_snapshots <<<"$(snap a 9 x#A '{"v":9}'; snap a 1 x#A '{"v":1}')"
	run -0 snapshots a
	assert_output "$(snap a 1 x#A '{"v":1}'; snap a 2 x#A '{"v":2}'; snap a 5 x#A '{"v":5}'; snap a 9 x#A '{"v":9}')"
}

@test "es-snapshot: --take reads the files named, or - for stdin" {
	snap a 1 >one.jsonl
	snap b 2 >two.jsonl
	run -0 --separate-stderr es-snapshot --take one.jsonl - two.jsonl <<<"$(snap c 3)"
	run -0 es-snapshot --get a b c
	assert_output "$(snap a 1; snap b 2; snap c 3)"
}

@test "es-snapshot: --take of a missing file is exit 66 and stores nothing" {
	snap a 1 >one.jsonl
	run -66 --separate-stderr es-snapshot --take one.jsonl missing.jsonl
	assert_output ""
	assert_message es-snapshot missing.jsonl
	[[ ! -e $ES_STORE ]] || assert_no_snapshot a
}

@test "es-snapshot: --take accepts originator_id and originator_version" {
	run -0 --separate-stderr es-snapshot --take <<<'{"originator_id":"a","originator_version":3,"topic":"x#A","state":{"k":1}}'
	run -0 es-snapshot --get a
	assert_output "$(snap a 3 x#A '{"k":1}')"
}

@test "es-snapshot: positions 2^53+1 and 2^63-1 round-trip exactly" {
	given_snapshots <<<"$(snap a 9007199254740993; snap a 9223372036854775807)"
	run -0 es-snapshot --get a
	assert_output "$(snap a 9223372036854775807)"
	run -0 es-snapshot --get --lt 9223372036854775807 a
	assert_output "$(snap a 9007199254740993)"
	run -0 es-snapshot --get --lte 9007199254740993 a
	assert_output "$(snap a 9007199254740993)"
}

@test "es-snapshot: UUID sequence ids are normalised on --take and on --get" {
	local canon=5f0c1e2a-3b4c-4d5e-8f90-a1b2c3d4e5f6
	given_snapshots <<<"$(snap 5F0C1E2A-3B4C-4D5E-8F90-A1B2C3D4E5F6 3)"
	run -0 es-snapshot --get 5f0c1e2a3b4c4d5e8f90a1b2c3d4e5f6
	assert_output "$(snap $canon 3)"
	run -0 es-snapshot --get $canon
	assert_output "$(snap $canon 3)"
}

# ---------------------------------------------------------------------------
# --take: bad input and conflicts
# ---------------------------------------------------------------------------

# take_bad LINE FIELD...: --take of a good line 1 and a bad line 2 fails 65
# naming line 2 and the FIELDs, and stores nothing.
take_bad() {
	local bad=$1
	shift
	run -65 --separate-stderr es-snapshot --take <<<"$(snap good 1; printf '%s\n' "$bad")"
	assert_output ""
	assert_message es-snapshot "line 2" "$@"
	assert_no_snapshot good
}

@test "es-snapshot: a snapshot without a position is bad data" {
	take_bad '{"sequence_id":"a","topic":"t","state":{}}' position
}

@test "es-snapshot: causal_dependencies in a snapshot are bad data" {
	take_bad '{"sequence_id":"a","position":1,"topic":"t","state":{},"causal_dependencies":[]}' causal_dependencies
}

@test "es-snapshot: an envelope is bad data" {
	take_bad '{"items":[],"tracking":{"application_name":"up","pipeline_id":0,"notification_id":1}}'
	[[ $stderr == *items* || $stderr == *tracking* ]] || fail "the message names neither items nor tracking: $stderr"
}

@test "es-snapshot: a missing or ill-typed field, or another field, is bad data" {
	take_bad '{"position":1,"topic":"t","state":{}}' sequence_id
	take_bad '{"sequence_id":"a","position":1,"state":{}}' topic
	take_bad '{"sequence_id":"a","position":1,"topic":"t"}' state
	take_bad '{"sequence_id":"a","position":"1","topic":"t","state":{}}' position
	take_bad '{"sequence_id":"a","position":-1,"topic":"t","state":{}}' position
	take_bad '{"sequence_id":"a","position":1.5,"topic":"t","state":{}}' position
	take_bad '{"sequence_id":"a","position":1,"topic":"","state":{}}' topic
	take_bad '{"sequence_id":"a","position":1,"topic":7,"state":{}}' topic
	take_bad '{"sequence_id":"a","position":1,"topic":"t","state":{},"colour":"red"}' colour
}

@test "es-snapshot: a line that is not JSON or not an object is bad data" {
	take_bad 'sequence_id=a'
	take_bad '42'
	take_bad '{"sequence_id":"a","position":1,"topic":"t","sta'
}

@test "es-snapshot: all of the input is one transaction: a bad last line stores nothing" {
	run -65 --separate-stderr es-snapshot --take <<<"$(snap a 1; snap b 2; snap c 3; echo '{"sequence_id":"d"}')"
	assert_output ""
	assert_message es-snapshot "line 4"
	assert_no_snapshot a b c d
}

@test "es-snapshot: a snapshot already stored at the same position is a conflict, nothing of the input stored" {
	given_snapshots <<<"$(snap acct-9 41 acct#Account '{"v":"first"}')"
	run -3 --separate-stderr es-snapshot --take <<<"$(snap other 0; snap acct-9 40; snap acct-9 41 acct#Account '{"v":"second"}'; snap more 1)"
	assert_output ""
	assert_message es-snapshot conflict acct-9 41
	run -0 snapshots acct-9
	assert_output "$(snap acct-9 41 acct#Account '{"v":"first"}')"
	assert_no_snapshot other more
}

@test "es-snapshot: two snapshots at the same position in one input conflict, nothing stored" {
	run -3 --separate-stderr es-snapshot --take <<<"$(snap b 0; snap a 3 x#One; snap a 3 x#Two)"
	assert_output ""
	assert_message es-snapshot conflict a 3
	assert_no_snapshot a b
}

@test "es-snapshot: a conflict, as any failed --take, can be retried with the rest" {
	given_snapshots <<<"$(snap a 3)"
	run -3 --separate-stderr es-snapshot --take <<<"$(snap a 3; snap a 4)"
	run -0 --separate-stderr es-snapshot --take <<<"$(snap a 4)"
	run -0 es-snapshot --get a
	assert_output "$(snap a 4)"
}

# ---------------------------------------------------------------------------
# --get
# ---------------------------------------------------------------------------

@test "es-snapshot: --get prints the latest snapshot, --lt and --lte the latest before a bound" {
	given_snapshots <<<"$(snap a 5 x#A '{"v":5}'; snap a 2 x#A '{"v":2}'; snap a 9 x#A '{"v":9}')"
	run -0 --separate-stderr es-snapshot --get a
	assert_output "$(snap a 9 x#A '{"v":9}')"
	run -0 --separate-stderr es-snapshot --get --lte 9 a
	assert_output "$(snap a 9 x#A '{"v":9}')"
	run -0 --separate-stderr es-snapshot --get --lt 9 a
	assert_output "$(snap a 5 x#A '{"v":5}')"
	run -0 --separate-stderr es-snapshot --get --lte 8 a
	assert_output "$(snap a 5 x#A '{"v":5}')"
	run -0 --separate-stderr es-snapshot --get --lte 100 a
	assert_output "$(snap a 9 x#A '{"v":9}')"
	run -0 --separate-stderr es-snapshot --get --lte 2 a
	assert_output "$(snap a 2 x#A '{"v":2}')"
	run -0 --separate-stderr es-snapshot --get --lt 3 a
	assert_output "$(snap a 2 x#A '{"v":2}')"
	run -0 --separate-stderr es-snapshot --get --lt 9 --lte 100 a
	assert_output "$(snap a 5 x#A '{"v":5}')"
	run -0 --separate-stderr es-snapshot --get --lt=6 a
	assert_output "$(snap a 5 x#A '{"v":5}')"
}

@test "es-snapshot: --get finding nothing at or before the bound is exit 1 with a message" {
	given_snapshots <<<"$(snap a 2; snap a 5)"
	run -1 --separate-stderr es-snapshot --get --lt 2 a
	assert_output ""
	assert_message es-snapshot "not found" a
	run -1 --separate-stderr es-snapshot --get --lte 1 a
	assert_output ""
	assert_message es-snapshot "not found" a
	run -1 --separate-stderr es-snapshot --get --lte -1 a
	assert_output ""
	run -1 --separate-stderr es-snapshot --get nosuch
	assert_output ""
	assert_message es-snapshot "not found" nosuch
}

@test "es-snapshot: --get with several ids prints each in turn, exit 1 if one has none" {
	given_snapshots <<<"$(snap b 1 x#B; snap a 3 x#A; snap a 1 x#A; snap c 7 x#C)"
	run -0 --separate-stderr es-snapshot --get c a b
	assert_output "$(snap c 7 x#C; snap a 3 x#A; snap b 1 x#B)"
	run -1 --separate-stderr es-snapshot --get a nosuch b
	assert_output "$(snap a 3 x#A; snap b 1 x#B)"
	assert_message es-snapshot "not found" nosuch
	run -1 --separate-stderr es-snapshot --get --lte 2 a b c
	assert_output "$(snap a 1 x#A; snap b 1 x#B)"
	assert_message es-snapshot "not found" c
}

@test "es-snapshot: --get on a store that does not exist is exit 66 and creates nothing" {
	run -66 --separate-stderr es-snapshot --get a
	assert_output ""
	assert_message es-snapshot
	[[ ! -e $ES_STORE ]] || fail "--get created the store"
	run -66 --separate-stderr es-snapshot --get -s missing.lmdb a
	[[ ! -e missing.lmdb ]] || fail "--get created missing.lmdb"
	mkdir dir.lmdb
	run -66 --separate-stderr es-snapshot --get -s dir.lmdb a
}

@test "es-snapshot: --get on a store without snapshots is exit 1" {
	given_items <<<"$(ev a 0)"
	run -1 --separate-stderr es-snapshot --get a
	assert_output ""
	assert_message es-snapshot "not found" a
}

@test "es-snapshot: --format stored-event names the fields originator_id and originator_version" {
	given_snapshots <<<"$(snap a 3 x#A '{"k":1}')"
	run -0 --separate-stderr es-snapshot --get --format stored-event a
	assert_output '{"originator_id":"a","originator_version":3,"topic":"x#A","state":{"k":1}}'
	run -0 --separate-stderr es-snapshot --get --format item a
	assert_output "$(snap a 3 x#A '{"k":1}')"
}

@test "es-snapshot: snapshots belong to an application" {
	given_items <<<"$(ev z 0)"    # the store's default application: "events"
	given_snapshots --app other <<<"$(snap a 1 x#Other)"
	given_snapshots <<<"$(snap a 2 x#Default)"
	run -0 es-snapshot --get --app other a
	assert_output "$(snap a 1 x#Other)"
	ES_APP=other run -0 es-snapshot --get a
	assert_output "$(snap a 1 x#Other)"
	run -0 es-snapshot --get a
	assert_output "$(snap a 2 x#Default)"
	run -1 --separate-stderr es-snapshot --get --app third a
}

# ---------------------------------------------------------------------------
# Snapshots are not events
# ---------------------------------------------------------------------------

@test "es-snapshot: snapshots are neither in the notification log nor in es-read" {
	given_items < <(evs a 0 3)
	given_snapshots <<<"$(snap a 3 x#Snap '{"n":"snap"}'; snap a 7; snap z 0)"
	run -0 --separate-stderr es-notify
	assert_equal "${#lines[@]}" 4
	run -0 --separate-stderr es-notify --last-id
	assert_output 4
	run -0 sh -c 'es-notify | jq -c "del(.application_name, .pipeline_id, .notification_id)"'
	assert_output "$(evs a 0 3)"
	run -0 es-read --sequences
	assert_output a
	run -0 es-read a z
	assert_output "$(evs a 0 3)"
	run -0 es-read --latest a
	assert_output "$(ev a 3 bank#Event '{"n":3}')"
	# events and snapshots do not share positions: an event can go where a
	# snapshot is, and the next notification id is 5
	run -0 es-append --ack <<<"$(ev a 7)"
	assert_output '{"sequence_id":"a","position":7,"notification_id":5}'
	run -0 es-snapshot --get a
	assert_output "$(snap a 7)"
}

# ---------------------------------------------------------------------------
# --auto
# ---------------------------------------------------------------------------

@test "es-snapshot: --auto --every N snapshots the sequences N or more events behind" {
	given_items < <(evs a 0 9; evs b 0 2; evs c 0 4; evs d 0 5)
	given_snapshots <<<"$(ev d 3 bank#Event '{"n":3}')"
	run -0 --separate-stderr es-snapshot --auto --every 5
	assert_output ""
	assert_equal "$stderr" ""
	run -0 snapshots a
	assert_output "$(ev a 9 bank#Event '{"n":9}')"
	assert_no_snapshot b
	run -0 snapshots c
	assert_output "$(ev c 4 bank#Event '{"n":4}')"
	# d: its newest snapshot, at 3, is only 2 events behind
	run -0 snapshots d
	assert_output "$(ev d 3 bank#Event '{"n":3}')"
	# 4 more events of a: not yet; a 5th: a new snapshot, the old one kept
	given_items < <(evs a 10 13)
	run -0 --separate-stderr es-snapshot --auto --every 5
	run -0 snapshot_positions a
	assert_output 9
	given_items < <(evs a 14 14)
	run -0 --separate-stderr es-snapshot --auto --every 5
	run -0 snapshot_positions a
	assert_output "9 14"
	run -0 es-snapshot --get a
	assert_output "$(ev a 14 bank#Event '{"n":14}')"
	run -0 snapshot_positions c
	assert_output 4
	assert_no_snapshot b
}

@test "es-snapshot: --auto counts events behind, not positions" {
	given_items <<<"$(ev a 0 x#A '{"a":0}'; ev a 1 x#A '{"b":1}')"
	run -0 --separate-stderr es-snapshot --auto --every 2
	run -0 es-snapshot --get a
	assert_output "$(ev a 1 x#A '{"a":0,"b":1}')"
	given_items <<<"$(ev a 50 x#A '{"c":50}')"
	run -0 --separate-stderr es-snapshot --auto --every 2
	run -0 snapshot_positions a
	assert_output 1
	given_items <<<"$(ev a 51 x#A '{"a":null}')"
	run -0 --separate-stderr es-snapshot --auto --every 2
	run -0 snapshots a
	assert_output "$(ev a 1 x#A '{"a":0,"b":1}'; ev a 51 x#A '{"b":1,"c":50}')"
}

@test "es-snapshot: --auto --every 1 snapshots every sequence with an event after its newest snapshot" {
	given_items < <(evs a 0 0; evs b 0 3)
	run -0 --separate-stderr es-snapshot --auto --every 1
	run -0 es-snapshot --get a b
	assert_output "$(ev a 0 bank#Event '{"n":0}'; ev b 3 bank#Event '{"n":3}')"
	given_items < <(evs b 4 4)
	run -0 --separate-stderr es-snapshot --auto --every 1
	run -0 snapshot_positions a
	assert_output 0
	run -0 snapshot_positions b
	assert_output "3 4"
}

@test "es-snapshot: --auto folds from the newest snapshot, keeping its topic" {
	given_items <<<"$(ev acct-1 0 bank#Opened '{"owner":"ann","balance":0}'; ev acct-1 1 bank#Deposited '{"balance":10}')"
	# a snapshot whose state differs from the events': proof that it is used
	given_snapshots <<<"$(snap acct-1 1 acct#Account '{"owner":"bob","balance":99,"vip":true}')"
	given_items <<<"$(ev acct-1 2 bank#Deposited '{"balance":20}'; ev acct-1 3 bank#Renamed '{"owner":"cy","vip":null}')"
	run -0 --separate-stderr es-snapshot --auto --every 2
	run -0 es-snapshot --get acct-1
	assert_output "$(snap acct-1 3 acct#Account '{"owner":"cy","balance":20}')"
	# without a snapshot the topic is the first event's
	given_items <<<"$(ev acct-2 0 bank#Opened '{"owner":"dee"}'; ev acct-2 1 bank#Deposited '{"balance":5}')"
	run -0 --separate-stderr es-snapshot --auto --every 2
	run -0 es-snapshot --get acct-2
	assert_output "$(snap acct-2 1 bank#Opened '{"owner":"dee","balance":5}')"
}

@test "es-snapshot: --auto run twice takes nothing new the second time" {
	given_items < <(evs a 0 11; evs b 0 6; evs c 0 1)
	run -0 --separate-stderr es-snapshot --auto --every 3
	local before
	before=$(snapshots a; snapshots b; snapshots c)
	assert_equal "$before" "$(ev a 11 bank#Event '{"n":11}'; ev b 6 bank#Event '{"n":6}')"
	run -0 --separate-stderr es-snapshot --auto --every 3
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(snapshots a; snapshots b; snapshots c)" "$before"
}

@test "es-snapshot: two --auto runs started together do no harm: the result is that of one run" {
	local round i n last pids expect got
	local counts=(200 233 37 250 9 120 300 64)   # events per sequence and round
	for round in 1 2 3; do
		for i in "${!counts[@]}"; do
			n=${counts[i]}
			evs "c$i" $(((round - 1) * n)) $((round * n - 1))
		done | given_items
		es-snapshot --auto --every 50 2>err.1 &
		pids=$!
		es-snapshot --auto --every 50 2>err.2 &
		pids="$pids $!"
		for i in $pids; do
			wait "$i" || fail "round $round: a concurrent es-snapshot --auto failed: $(cat err.1 err.2)"
		done
		assert_equal "$(cat err.1 err.2)" ""
	done
	# one run per round snapshots a sequence at its last position when it is
	# 50 or more events behind
	for i in "${!counts[@]}"; do
		n=${counts[i]}
		expect=''
		last=-1
		for round in 1 2 3; do
			if ((round * n - 1 - last >= 50)); then
				last=$((round * n - 1))
				expect+="${expect:+ }$last"
			fi
		done
		got=$(snapshot_positions "c$i")
		assert_equal "c$i: $got" "c$i: $expect"
	done
	run -0 es-snapshot --get c0 c1 c6
	assert_output "$(ev c0 599 bank#Event '{"n":599}'; ev c1 698 bank#Event '{"n":698}'; ev c6 899 bank#Event '{"n":899}')"
}

@test "es-snapshot: --auto beside a live writer stores only snapshots true to their position" {
	local i round s line re
	given_items < <(evs w0 0 3; evs w1 0 3; evs w2 0 3)
	(
		for round in $(seq 1 19); do
			for s in w0 w1 w2; do
				evs "$s" $((round * 4)) $((round * 4 + 3))
			done | es-append || exit 1
		done
	) 2>writer.err &
	local writer=$!
	for i in 1 2 3 4 5 6; do
		es-snapshot --auto --every 3 || fail "es-snapshot --auto failed beside a writer"
	done
	wait "$writer" || fail "the writer failed: $(cat writer.err)"
	run -0 --separate-stderr es-snapshot --auto --every 3
	for s in w0 w1 w2; do
		# with states {"n":i}, the state after position P is {"n":P}
		re="^\\{\"sequence_id\":\"$s\",\"position\":([0-9]+),\"topic\":\"bank#Event\",\"state\":\\{\"n\":([0-9]+)\\}\\}\$"
		while IFS= read -r line; do
			[[ $line =~ $re ]] ||
				fail "unexpected snapshot: $line"
			assert_equal "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
		done < <(snapshots "$s")
		# after the last run, the newest is fewer than 3 events behind
		run -0 es-snapshot --get "$s"
		[[ $(snap_pos <<<"$output") -ge 77 ]] || fail "$s: newest snapshot too old: $output"
	done
}

@test "es-snapshot: --auto with --exec folds with a jq reducer" {
	given_items < <(deposits acct-1 0 5; deposits acct-2 0 1)
	run -0 --separate-stderr es-snapshot --auto --every 3 --exec "$BALANCE"
	assert_equal "$stderr" ""
	run -0 es-snapshot --get acct-1
	assert_output '{"sequence_id":"acct-1","position":5,"topic":"bank#Deposited","state":150}'
	assert_no_snapshot acct-2
	# the next run starts from that snapshot: 150 + 60 + 70 + 80
	given_items < <(deposits acct-1 6 8)
	run -0 --separate-stderr es-snapshot --auto --every 3 --exec "$BALANCE"
	run -0 es-snapshot --get acct-1
	assert_output '{"sequence_id":"acct-1","position":8,"topic":"bank#Deposited","state":360}'
	run -0 es-snapshot --get --lt 8 acct-1
	assert_output '{"sequence_id":"acct-1","position":5,"topic":"bank#Deposited","state":150}'
}

@test "es-snapshot: --auto --reducer merge is the default" {
	given_items <<<"$(ev a 0 x#A '{"k":{"x":1,"y":2}}'; ev a 1 x#B '{"k":{"x":null}}')"
	run -0 --separate-stderr es-snapshot --auto --every 2 --reducer merge
	run -0 es-snapshot --get a
	assert_output "$(ev a 1 x#A '{"k":{"y":2}}')"
}

@test "es-snapshot: --auto with a failing reducer is exit 65 and stores no snapshot" {
	given_items < <(deposits acct-7 0 3)
	local cmd
	for cmd in false 'echo 5; exit 3' 'echo nope' true 'echo 1; echo 2' es-no-such-command-x; do
		run -65 --separate-stderr es-snapshot --auto --every 2 --exec "$cmd"
		assert_output ""
		assert_stderr_has reducer acct-7
		[[ ${stderr_lines[-1]} == "es-snapshot: "* ]] || fail "no es-snapshot: message for '$cmd': $stderr"
		assert_no_snapshot acct-7
	done
	run -0 --separate-stderr es-snapshot --auto --every 2 --exec "$BALANCE"
	run -0 es-snapshot --get acct-7
	assert_output '{"sequence_id":"acct-7","position":3,"topic":"bank#Deposited","state":60}'
}

@test "es-snapshot: --auto on an empty store takes nothing, on a missing one is exit 66" {
	run -66 --separate-stderr es-snapshot --auto --every 1
	assert_output ""
	assert_message es-snapshot
	[[ ! -e $ES_STORE ]] || fail "--auto created the store"
	given_items </dev/null
	run -0 --separate-stderr es-snapshot --auto --every 1
	assert_output ""
	assert_equal "$stderr" ""
}

@test "es-snapshot: --auto works on the application given" {
	given_items < <(evs a 0 4)
	given_items --app other < <(evs b 0 4)
	run -0 --separate-stderr es-snapshot --auto --every 5 --app other
	assert_no_snapshot a b
	run -0 es-snapshot --get --app other b
	assert_output "$(ev b 4 bank#Event '{"n":4}')"
}

# ---------------------------------------------------------------------------
# Encryption
# ---------------------------------------------------------------------------

@test "es-snapshot: with ES_CIPHER_KEY snapshots are stored encrypted and --get decrypts" {
	export ES_CIPHER_KEY=$KEY
	given_snapshots <<<"$(snap p-1 2 person#Person '{"name":"Zebulon-snap"}')"
	given_items <<<"$(ev p-2 0 person#Named '{"name":"Xanthippe-event"}'; ev p-2 1 person#Aged '{"age":40}')"
	run -0 --separate-stderr es-snapshot --auto --every 2
	run -0 --separate-stderr es-snapshot --get p-1 p-2
	assert_output "$(snap p-1 2 person#Person '{"name":"Zebulon-snap"}'; ev p-2 1 person#Named '{"name":"Xanthippe-event","age":40}')"
	# no plaintext state in any file of the store; ids and topics are clear
	run -1 grep -l -e Zebulon -e Xanthippe -e '"age"' "$ES_STORE"*
	assert_output ""
	run -0 grep -l 'person#Person' "$ES_STORE"*
}

@test "es-snapshot: an encrypted snapshot without the key or with the wrong one is exit 65" {
	ES_CIPHER_KEY=$KEY given_snapshots <<<"$(snap p-1 2 person#Person '{"name":"Zebulon"}')"
	ES_CIPHER_KEY=$OTHER run -65 --separate-stderr es-snapshot --get p-1
	assert_output ""
	assert_message es-snapshot "cannot decrypt" p-1
	run -65 --separate-stderr es-snapshot --get p-1
	assert_output ""
	assert_message es-snapshot p-1
}

@test "es-snapshot: --verbatim shows and takes the stored text, copying encrypted snapshots without the key" {
	ES_CIPHER_KEY=$KEY given_snapshots <<<"$(snap p-1 2 person#Person '{"name":"Zebulon"}')"
	run -0 --separate-stderr es-snapshot --get --verbatim p-1
	[[ $(jq -r .state <<<"$output") =~ ^[A-Za-z0-9+/]+=*$ ]] || fail "not base64: $output"
	es-snapshot --get --verbatim p-1 | es-snapshot --take --verbatim -s copy.lmdb
	ES_CIPHER_KEY=$KEY run -0 --separate-stderr es-snapshot --get -s copy.lmdb p-1
	assert_output "$(snap p-1 2 person#Person '{"name":"Zebulon"}')"
	run -65 --separate-stderr es-snapshot --take --verbatim -s other.lmdb <<<"$(snap a 1 t '{"not":"a string"}')"
	assert_message es-snapshot "line 1" state
}

@test "es-snapshot: a malformed key is a usage error" {
	ES_CIPHER_KEY=not-base64! assert_usage_error es-snapshot --take <<<"$(snap a 1)"
	ES_CIPHER_KEY=$(head -c 20 /dev/zero | base64) assert_usage_error es-snapshot --take <<<"$(snap a 1)"
	assert_usage_error es-snapshot --take --key-file /nonexistent <<<"$(snap a 1)"
}

# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

@test "es-snapshot: exactly one of --take, --get and --auto" {
	assert_usage_error es-snapshot </dev/null
	assert_usage_error es-snapshot --take --get a <<<"$(snap a 1)"
	assert_usage_error es-snapshot --take --auto --every 1 <<<"$(snap a 1)"
	assert_usage_error es-snapshot --get --auto --every 1 a
}

@test "es-snapshot: --lt and --lte go with --get only" {
	assert_usage_error es-snapshot --take --lt 3 <<<"$(snap a 1)"
	assert_usage_error es-snapshot --take --lte 3 <<<"$(snap a 1)"
	assert_usage_error es-snapshot --auto --every 1 --lte 3
	assert_usage_error es-snapshot --get --lte x a
	assert_usage_error es-snapshot --get --lt 1.5 a
}

@test "es-snapshot: --every, --reducer and --exec go with --auto only" {
	assert_usage_error es-snapshot --take --every 3 <<<"$(snap a 1)"
	assert_usage_error es-snapshot --take --reducer merge <<<"$(snap a 1)"
	assert_usage_error es-snapshot --take --exec cat <<<"$(snap a 1)"
	assert_usage_error es-snapshot --get --every 3 a
	assert_usage_error es-snapshot --get --exec cat a
}

@test "es-snapshot: --auto needs --every N, N at least 1" {
	given_items < <(evs a 0 3)
	assert_usage_error es-snapshot --auto
	assert_usage_error es-snapshot --auto --every 0
	assert_usage_error es-snapshot --auto --every -1
	assert_usage_error es-snapshot --auto --every x
	assert_usage_error es-snapshot --auto --every 1 a
	assert_no_snapshot a
}

@test "es-snapshot: an unknown --reducer, or --reducer with --exec, is a usage error" {
	given_items < <(evs a 0 3)
	assert_usage_error es-snapshot --auto --every 1 --reducer sum
	assert_usage_error es-snapshot --auto --every 1 --reducer merge --exec cat
	assert_usage_error es-snapshot --auto --every 1 --exec ''
	assert_no_snapshot a
}

@test "es-snapshot: --get needs a sequence id; an empty or too long one is a usage error" {
	assert_usage_error es-snapshot --get
	assert_usage_error es-snapshot --get ''
	assert_usage_error es-snapshot --get "$(printf 'x%.0s' {1..256})"
}

@test "es-snapshot: an unknown option or format is a usage error and creates no store" {
	assert_usage_error es-snapshot --take --frobnicate <<<"$(snap a 1)"
	assert_usage_error es-snapshot --take -Z <<<"$(snap a 1)"
	assert_usage_error es-snapshot --take --format yaml <<<"$(snap a 1)"
}

@test "es-snapshot: -h and --help print the usage on stdout and exit 0" {
	run -0 --separate-stderr es-snapshot -h
	[[ ${lines[0]} == "Usage: es-snapshot"* ]] || fail "usage does not start with 'Usage: es-snapshot': ${lines[0]}"
	assert_output --partial --take
	assert_output --partial --auto
	run -0 --separate-stderr es-snapshot --help
	[[ ${lines[0]} == "Usage: es-snapshot"* ]] || fail "usage does not start with 'Usage: es-snapshot': ${lines[0]}"
	assert_equal "$stderr" ""
	[[ ! -e $ES_STORE ]] || fail "--help created a store"
}

@test "es-snapshot: -V and --version print the version on stdout and exit 0" {
	run -0 --separate-stderr es-snapshot -V
	assert_output --regexp '^es-snapshot \(es\) [0-9]'
	run -0 --separate-stderr es-snapshot --version
	assert_output --regexp '^es-snapshot \(es\) [0-9]'
	[[ ! -e $ES_STORE ]] || fail "--version created a store"
}

@test "es-snapshot: a write error on stdout is exit 74" {
	given_snapshots <<<"$(snap a 1)"
	run -74 --separate-stderr to_full es-snapshot --get a
	[[ $stderr == es-snapshot:* ]] || fail "no es-snapshot: message on stderr: $stderr"
}

# ---------------------------------------------------------------------------
# The examples of es-snapshot(1)
# ---------------------------------------------------------------------------

@test "es-snapshot: man page example: replay a sequence and keep the result as a snapshot" {
	given_items <<<"$(ev acct-1 0 bank#Opened '{"owner":"ann","balance":0}'; ev acct-1 1 bank#Deposited '{"balance":10}')"
	es-replay acct-1 | es-snapshot --take
	run -0 es-snapshot --get acct-1
	assert_output "$(ev acct-1 1 bank#Opened '{"owner":"ann","balance":10}')"
}

@test "es-snapshot: man page example: the state of acct-1 as of position 1" {
	given_items < <(deposits acct-1 0 3)
	given_snapshots <<<'{"sequence_id":"acct-1","position":1,"topic":"bank#Account","state":10}'
	run -0 sh -c 'es-snapshot --get --lte 1 acct-1 | jq .state'
	assert_output 10
}

@test "es-snapshot: man page example: the cron job, --auto --every 100, with and without a jq reducer" {
	given_items < <(deposits acct-1 0 99; deposits acct-2 0 98)
	run -0 --separate-stderr es-snapshot -s "$ES_STORE" --auto --every 100
	assert_equal "$stderr" ""
	run -0 es-snapshot --get acct-1
	assert_output "$(ev acct-1 99 bank#Deposited '{"amount":990}')"
	assert_no_snapshot acct-2
	given_items < <(deposits acct-2 99 99; deposits acct-1 100 198)
	run -0 --separate-stderr es-snapshot --auto --every 100 --exec \
		"jq -s 'map(.state | if type == \"number\" then . else .amount end) | add'"
	run -0 es-snapshot --get acct-1 acct-2
	assert_output "$(ev acct-1 99 bank#Deposited '{"amount":990}')
{\"sequence_id\":\"acct-2\",\"position\":99,\"topic\":\"bank#Deposited\",\"state\":49500}"
}

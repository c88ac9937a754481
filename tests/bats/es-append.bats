#!/usr/bin/env bats
# es-append.bats: black-box tests of es-append (SPEC §2, §3.1, §4).

load helper

# ---------------------------------------------------------------------------
# Writing items
# ---------------------------------------------------------------------------

@test "es-append: a single item is stored and read back exactly" {
	run -0 --separate-stderr es-append <<<"$(ev acct-1 0 bank#Opened '{"owner":"ann"}')"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 --separate-stderr es-read acct-1
	assert_output "$(ev acct-1 0 bank#Opened '{"owner":"ann"}')"
}

@test "es-append: a missing position is 0 for a new sequence, then last + 1" {
	given_items <<<"$(ev a - bank#Opened)"
	given_items <<<"$(ev a - bank#Deposited)"
	given_items <<<"$(ev a 7)"
	given_items <<<"$(ev a - bank#Closed)"
	run -0 es-read a
	assert_output "$(ev a 0 bank#Opened; ev a 1 bank#Deposited; ev a 7; ev a 8 bank#Closed)"
}

@test "es-append: missing positions within one input count on from the last stored one" {
	given_items <<<"$(ev a 0; ev a 1)"
	run -0 es-append <<<"$(ev a - x#A; ev b - x#B; ev a - x#C; ev a 5 x#D; ev a - x#E)"
	run -0 es-read a b
	assert_output "$(ev a 0; ev a 1; ev a 2 x#A; ev a 3 x#C; ev a 5 x#D; ev a 6 x#E; ev b 0 x#B)"
}

@test "es-append: items of a sequence are read back in position order whatever the write order" {
	run -0 es-append <<<"$(ev a 2 x#C; ev a 0 x#A; ev a 1 x#B)"
	run -0 es-read a
	assert_output "$(ev a 0 x#A; ev a 1 x#B; ev a 2 x#C)"
}

@test "es-append: an empty input writes nothing and succeeds" {
	run -0 --separate-stderr es-append </dev/null
	assert_output ""
	[[ -f $ES_STORE ]] || fail "es-append did not create the store"
	assert_nothing_stored
}

@test "es-append: blank and whitespace-only lines are ignored" {
	printf '\n%s\n   \n\t\n%s\n \t \n' "$(ev a 0)" "$(ev a 1)" >in.jsonl
	run -0 --separate-stderr es-append <in.jsonl
	run -0 es-read a
	assert_output "$(ev a 0; ev a 1)"
}

@test "es-append: CRLF line endings are accepted" {
	printf '%s\r\n%s\r\n' "$(ev a 0)" "$(ev a 1)" >in.jsonl
	run -0 --separate-stderr es-append <in.jsonl
	run -0 es-read a
	assert_output "$(ev a 0; ev a 1)"
}

@test "es-append: a last line without a newline is accepted" {
	printf '%s\n%s' "$(ev a 0)" "$(ev a 1)" >in.jsonl
	run -0 --separate-stderr es-append <in.jsonl
	run -0 es-read a
	assert_output "$(ev a 0; ev a 1)"
}

@test "es-append: -s/--store and ES_STORE choose the store, default ./events.lmdb" {
	run -0 es-append -s one.lmdb <<<"$(ev a 0 x#One)"
	run -0 es-append --store=two.lmdb <<<"$(ev a 0 x#Two)"
	run -0 es-read -s one.lmdb a
	assert_output "$(ev a 0 x#One)"
	run -0 es-read --store two.lmdb a
	assert_output "$(ev a 0 x#Two)"
	mkdir sub && cd sub
	unset ES_STORE
	run -0 es-append <<<"$(ev a 0 x#Default)"
	[[ -f events.lmdb ]] || fail "no ./events.lmdb created"
	run -0 es-read a
	assert_output "$(ev a 0 x#Default)"
	ES_STORE=../one.lmdb run -0 es-read a
	assert_output "$(ev a 0 x#One)"
}

@test "es-append: the store is created mode 0600 even when the input is bad" {
	run -65 --separate-stderr es-append <<<'not json'
	[[ -f $ES_STORE ]] || fail "no store created"
	assert_equal "$(stat -c %a "$ES_STORE")" 600
	[[ -f $ES_STORE-lock ]] || fail "no lock file $ES_STORE-lock"
	assert_equal "$(stat -c %a "$ES_STORE-lock")" 600
	assert_nothing_stored
}

# ---------------------------------------------------------------------------
# Atomicity: the default mode, batches, conflicts
# ---------------------------------------------------------------------------

@test "es-append: by default the input is one transaction: a bad line 3 of 3 stores nothing" {
	run -65 --separate-stderr es-append <<<"$(ev a 0; ev a 1; ev a 2.5)"
	assert_data_error 3 position
}

@test "es-append: a conflict on a later line stores nothing of the input" {
	run -3 --separate-stderr es-append <<<"$(ev acct-9 0; ev acct-9 41; ev zz 0; ev acct-9 41)"
	assert_output ""
	assert_message es-append conflict acct-9 41
	assert_nothing_stored
}

@test "es-append: a position already stored is a conflict naming the sequence and position" {
	given_items < <(evs acct-9 0 41)
	run -3 --separate-stderr es-append <<<"$(ev other 0; ev acct-9 41 x#Late)"
	assert_output ""
	assert_message es-append conflict acct-9 41
	run -0 es-read acct-9 other
	assert_output "$(evs acct-9 0 41)"
}

@test "es-append: a batch line is atomic: its 2nd item conflicting leaves the sequence as it was" {
	# contract.md §1.4: batch [3, 1 (conflict), 4] on [0,1,2] leaves [0,1,2]
	given_items < <(evs a 0 2)
	run -3 --separate-stderr es-append <<<"[$(ev a 3),$(ev a 1),$(ev a 4)]"
	assert_output ""
	assert_message es-append conflict
	run -0 es-read a
	assert_output "$(evs a 0 2)"
}

@test "es-append: a batch with two items at the same position is a conflict" {
	run -3 --separate-stderr es-append <<<"[$(ev a 0 x#One),$(ev a 0 x#Two)]"
	assert_output ""
	assert_message es-append conflict
	assert_nothing_stored
}

@test "es-append: a batch line stores all its items" {
	run -0 es-append <<<"[$(ev a 0),$(ev b 0),$(ev a -)]"
	run -0 es-read a b
	assert_output "$(ev a 0; ev a 1; ev b 0)"
}

@test "es-append: an empty batch writes nothing and succeeds" {
	# contract.md §1.4: record_sequenced_items([]) is a no-op
	run -0 --separate-stderr es-append <<<'[]'
	assert_output ""
	assert_nothing_stored
}

# ---------------------------------------------------------------------------
# Envelopes and tracking records
# ---------------------------------------------------------------------------

@test "es-append: an envelope writes its items and its tracking record together" {
	run -0 --separate-stderr es-append <<<"$(envelope up 0 5 "$(ev a 0)" "$(ev b 0)")"
	run -0 es-read a b
	assert_output "$(ev a 0; ev b 0)"
	# the tracking record is stored: the same one again is a conflict, and the
	# new unit's item is not written
	run -3 --separate-stderr es-append <<<"$(envelope up 0 5 "$(ev c 0)")"
	assert_message es-append conflict
	run -0 es-read c
	assert_output ""
	# another notification id, pipeline or upstream is another record
	run -0 es-append <<<"$(envelope up 0 6 "$(ev c 0)"; envelope up 1 5 "$(ev c 1)"; envelope other 0 5 "$(ev c 2)")"
	run -0 es-read c
	assert_output "$(ev c 0; ev c 1; ev c 2)"
}

@test "es-append: an envelope with no items stores just its tracking record" {
	run -0 es-append <<<'{"items":[],"tracking":{"application_name":"up","pipeline_id":0,"notification_id":1}}'
	run -3 --separate-stderr es-append <<<"$(envelope up 0 1 "$(ev a 0)")"
	assert_message es-append conflict
	assert_nothing_stored
}

@test "es-append: an envelope whose item conflicts stores no tracking record" {
	given_items <<<"$(ev a 0)"
	run -3 --separate-stderr es-append <<<"$(envelope up 0 1 "$(ev b 0)" "$(ev a 0)")"
	assert_message es-append conflict
	run -0 es-read a b
	assert_output "$(ev a 0)"
	# the tracking record was not stored: the unit can be retried
	run -0 es-append <<<"$(envelope up 0 1 "$(ev b 0)")"
	run -0 es-read b
	assert_output "$(ev b 0)"
}

@test "es-append: without --each a repeated tracking record is a conflict and nothing is stored" {
	run -3 --separate-stderr es-append <<<"$(envelope up 0 1 "$(ev a 0)"; ev b 0; envelope up 0 1 "$(ev c 0)")"
	assert_output ""
	assert_message es-append conflict
	assert_nothing_stored
	given_items <<<"$(envelope up 0 1 "$(ev a 0)")"
	run -3 --separate-stderr es-append <<<"$(ev b 0; envelope up 0 1 "$(ev c 0)")"
	assert_message es-append conflict
	run -0 all_items
	assert_output "$(ev a 0)"
}

@test "es-append: with --each a unit whose tracking record is stored is skipped with a note" {
	given_items <<<"$(envelope up 0 1 "$(ev a 0)")"
	run -0 --separate-stderr es-append --each <<<"$(envelope up 0 1 "$(ev c 0)"; ev b 0; envelope up 0 2 "$(ev a 1)"; envelope up 0 2 "$(ev d 0)")"
	assert_output ""
	[[ -n $stderr ]] || fail "no note on stderr about the skipped units"
	[[ $stderr == es-append:* ]] || fail "stderr lacks the es-append: prefix: $stderr"
	run -0 all_items
	assert_output "$(ev a 0; ev a 1; ev b 0)"
}

@test "es-append: an envelope without its tracking or items key, or with another key, is bad data" {
	local tr='"tracking":{"application_name":"up","pipeline_id":0,"notification_id":1}'
	run -65 --separate-stderr es-append <<<"$(ev a 0; printf '{"items":[%s]}' "$(ev b 0)")"
	assert_data_error 2 tracking
	run -65 --separate-stderr es-append <<<"$(ev a 0; printf '{%s}' "$tr")"
	assert_data_error 2 items
	run -65 --separate-stderr es-append <<<"$(ev a 0; printf '{"items":[],%s,"extra":1}' "$tr")"
	assert_data_error 2 extra
	run -65 --separate-stderr es-append <<<"$(ev a 0; printf '{"items":{},%s}' "$tr")"
	assert_data_error 2 items
}

@test "es-append: a tracking record with a missing, unknown or ill-typed field is bad data" {
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"items":[],"tracking":{"application_name":"up","pipeline_id":0}}')"
	assert_data_error 2 notification_id
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"items":[],"tracking":{"application_name":"up","pipeline_id":0,"notification_id":1,"x":2}}')"
	assert_data_error 2 x
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"items":[],"tracking":{"application_name":"up","pipeline_id":"0","notification_id":1}}')"
	assert_data_error 2 pipeline_id
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"items":[],"tracking":{"application_name":"","pipeline_id":0,"notification_id":1}}')"
	assert_data_error 2 application_name
}

@test "es-append: tracking pipeline ids go from 0 to 2^31-1" {
	run -65 --separate-stderr es-append <<<"$(ev a 0; envelope up 2147483648 1 "$(ev b 0)")"
	assert_data_error 2 pipeline_id
	run -65 --separate-stderr es-append <<<"$(ev a 0; envelope up -1 1 "$(ev b 0)")"
	assert_data_error 2 pipeline_id
	run -0 es-append <<<"$(envelope up 2147483647 1 "$(ev b 0)")"
	run -3 --separate-stderr es-append <<<"$(envelope up 2147483647 1 "$(ev c 0)")"
	run -0 all_items
	assert_output "$(ev b 0)"
}

# ---------------------------------------------------------------------------
# --each
# ---------------------------------------------------------------------------

@test "es-append: --each writes the good lines and exits 65 for a bad one" {
	run -65 --separate-stderr es-append --each <<<"$(ev a 0; echo '{"sequence_id":'; ev a 1; echo '{"sequence_id":"b","topic":7,"state":5}')"
	assert_output ""
	assert_stderr_has "line 2" "line 4" topic
	run -0 all_items
	assert_output "$(ev a 0; ev a 1)"
}

@test "es-append: --each rejects a conflicting line alone and exits 3" {
	given_items <<<"$(ev acct-9 41)"
	run -3 --separate-stderr es-append --each <<<"$(ev a 0; ev acct-9 41 x#Again; ev a 1)"
	assert_output ""
	assert_message es-append conflict acct-9 41
	run -0 all_items
	assert_output "$(ev a 0; ev a 1; ev acct-9 41)"
}

@test "es-append: --each exits 65 rather than 3 when lines were both bad and conflicting" {
	given_items <<<"$(ev a 0)"
	run -65 --separate-stderr es-append --each <<<"$(ev a 0; ev b 0; echo 42; ev a 1)"
	assert_stderr_has conflict "line 3"
	run -65 --separate-stderr es-append --each <<<"$(echo 42; ev a 0; ev c 0)"
	run -0 all_items
	assert_output "$(ev a 0; ev a 1; ev b 0; ev c 0)"
}

@test "es-append: --each keeps a batch line atomic" {
	given_items < <(evs a 0 2)
	run -3 --separate-stderr es-append --each <<<"[$(ev a 3),$(ev a 1),$(ev a 4)]
[$(ev b 0),$(ev b 1)]"
	run -0 all_items
	assert_output "$(evs a 0 2; ev b 0; ev b 1)"
}

@test "es-append: --each numbers missing positions from what earlier lines wrote" {
	run -65 --separate-stderr es-append --each <<<"$(ev b -; ev b -; echo oops; ev b -)"
	run -0 es-read b
	assert_output "$(ev b 0; ev b 1; ev b 2)"
}

# ---------------------------------------------------------------------------
# --ack
# ---------------------------------------------------------------------------

@test "es-append: --ack prints one line per written item with its notification id" {
	run -0 --separate-stderr es-append --ack <<<"$(ev a 0; ev b -; echo "[$(ev a 1),$(ev a -)]")"
	assert_output "$(ack a 0 1; ack b 0 2; ack a 1 3; ack a 2 4)"
	run -0 --separate-stderr es-append --ack <<<"$(ev b -)"
	assert_output "$(ack b 1 5)"
}

@test "es-append: --ack prints nothing when the input conflicts" {
	given_items <<<"$(ev a 0)"
	run -3 --separate-stderr es-append --ack <<<"$(ev b 0; ev a 0)"
	assert_output ""
}

@test "es-append: --ack --each prints the written items only" {
	given_items <<<"$(ev a 0)"
	run -65 --separate-stderr es-append --each --ack <<<"$(ev b 0; ev a 0; echo 'x'; echo "[$(ev a -),$(ev c 0)]")"
	assert_output "$(ack b 0 2; ack a 1 3; ack c 0 4)"
	run -0 es-read --with-notification a b c
	assert_output "$(evn a 0 0 1; evn a 1 0 3; evn b 0 0 2; evn c 0 0 4)"
}

@test "es-append: --ack --each acknowledges a line before the input ends" {
	coproc APPEND { exec es-append --each --ack; }
	local ack1 ack2 pid=$APPEND_PID	# bash unsets APPEND_PID when it ends
	ev a - >&"${APPEND[1]}"
	read -r -t 20 ack1 <&"${APPEND[0]}" || fail "no ack within 20 s while the input is still open"
	assert_equal "$ack1" "$(ack a 0 1)"
	ev a - >&"${APPEND[1]}"
	read -r -t 20 ack2 <&"${APPEND[0]}" || fail "no second ack within 20 s"
	assert_equal "$ack2" "$(ack a 1 2)"
	local in=${APPEND[1]}
	exec {in}>&-
	wait "$pid"
}

# ---------------------------------------------------------------------------
# --expect-last
# ---------------------------------------------------------------------------

@test "es-append: --expect-last N writes only if the sequence ends at N" {
	given_items < <(evs acct-3 0 2)
	run -3 --separate-stderr es-append --expect-last 1 <<<"$(ev acct-3 -)"
	assert_message es-append conflict acct-3
	run -0 es-append --expect-last 2 <<<"$(ev acct-3 - x#Next)"
	run -3 --separate-stderr es-append --expect-last 2 <<<"$(ev acct-3 - x#Again)"
	run -0 es-read acct-3
	assert_output "$(evs acct-3 0 2; ev acct-3 3 x#Next)"
}

@test "es-append: --expect-last -1 writes only to a sequence that does not exist" {
	run -0 es-append --expect-last -1 <<<"$(ev new - x#First)"
	run -3 --separate-stderr es-append --expect-last -1 <<<"$(ev new - x#Second)"
	assert_message es-append conflict new
	run -0 es-read new
	assert_output "$(ev new 0 x#First)"
}

@test "es-append: --expect-last with a value that is not an integer is a usage error" {
	assert_usage_error es-append --expect-last x
	assert_usage_error es-append --expect-last -2
}

# ---------------------------------------------------------------------------
# --timestamp
# ---------------------------------------------------------------------------

@test "es-append: --timestamp positions are decimal seconds written back with 6 places" {
	run -0 --separate-stderr es-append --timestamp --ack <<<"$(ev t 1700000000.5; ev t 1700000000.000001; ev t 1700000001; ev t 0.25)"
	assert_output "$(ack t 1700000000.500000 null; ack t 1700000000.000001 null; ack t 1700000001.000000 null; ack t 0.250000 null)"
	run -0 es-read --timestamp t
	assert_output "$(ev t 0.250000; ev t 1700000000.000001; ev t 1700000000.500000; ev t 1700000001.000000)"
	run -3 --separate-stderr es-append --timestamp <<<"$(ev t 1700000000.500000)"
	assert_message es-append conflict
}

@test "es-append: --timestamp with no position uses the commit time" {
	local before after p1 p2
	before=$(date +%s)
	run -0 --separate-stderr es-append --timestamp --ack <<<"$(ev t -)"
	after=$(date +%s)
	[[ $output =~ ^\{\"sequence_id\":\"t\",\"position\":([0-9]+)\.[0-9]{6},\"notification_id\":null\}$ ]] ||
		fail "unexpected ack: $output"
	((BASH_REMATCH[1] >= before - 2 && BASH_REMATCH[1] <= after + 2)) ||
		fail "position ${BASH_REMATCH[1]} is not the commit time ($before..$after)"
	p1=$(positions t --timestamp)
	given_items --timestamp <<<"$(ev t -)"
	p2=$(positions t --timestamp)
	[[ $p2 == "$p1 "* ]] || fail "first position changed: '$p1' -> '$p2'"
	[[ ${p2#"$p1 "} > $p1 ]] || fail "second position ${p2#"$p1 "} is not after $p1"
}

@test "es-append: --timestamp with no position after a future position is 1 microsecond later" {
	given_items --timestamp <<<"$(ev t 4102444800.999999)"
	run -0 --separate-stderr es-append --timestamp --ack <<<"$(ev t -)"
	assert_output "$(ack t 4102444801.000000 null)"
}

@test "es-append: --timestamp positions with more than 6 decimal places are bad data" {
	run -65 --separate-stderr es-append --timestamp <<<"$(ev t 1; ev t 1.1234567)"
	assert_data_error 2 position
	run -65 --separate-stderr es-append --timestamp <<<"$(ev t 1; ev t '"1.5"')"
	assert_data_error 2 position
}

@test "es-append: --timestamp items are apart from the integer-sequenced ones" {
	given_items <<<"$(ev s 0 x#Int)"
	given_items --timestamp <<<"$(ev s 0 x#Ts)"
	run -0 es-read s
	assert_output "$(ev s 0 x#Int)"
	run -0 es-read --timestamp s
	assert_output "$(ev s 0.000000 x#Ts)"
}

# ---------------------------------------------------------------------------
# --format stored-event and the input aliases
# ---------------------------------------------------------------------------

@test "es-append: --format stored-event names the ack fields originator_id and originator_version" {
	run -0 --separate-stderr es-append --ack --format stored-event <<<"$(ev a 0; ev a -)"
	assert_output '{"originator_id":"a","originator_version":0,"notification_id":1}
{"originator_id":"a","originator_version":1,"notification_id":2}'
}

@test "es-append: originator_id and originator_version are accepted for sequence_id and position" {
	run -0 es-append <<<'{"originator_id":"a","originator_version":0,"topic":"x#A","state":{}}
{"topic":"x#B","originator_id":"a","state":{}}
{"sequence_id":"a","originator_version":5,"topic":"x#C","state":{}}
{"originator_id":"b","position":3,"topic":"x#D","state":{}}'
	run -0 es-read a b
	assert_output "$(ev a 0 x#A; ev a 1 x#B; ev a 5 x#C; ev b 3 x#D)"
}

@test "es-append: an alias given together with its canonical name is bad data" {
	run -65 --separate-stderr es-append <<<"$(ev a 0)
{\"sequence_id\":\"a\",\"originator_id\":\"a\",\"position\":1,\"topic\":\"t\",\"state\":{}}"
	assert_data_error 2
	run -65 --separate-stderr es-append <<<"$(ev a 0)
{\"sequence_id\":\"a\",\"position\":1,\"originator_version\":1,\"topic\":\"t\",\"state\":{}}"
	assert_data_error 2
}

# ---------------------------------------------------------------------------
# Applications and pipelines
# ---------------------------------------------------------------------------

@test "es-append: notification ids count 1, 2, 3 per application and per pipeline" {
	run -0 es-append <<<"$(ev a 0; ev a 1)"
	run -0 es-append -p 1 <<<"$(ev b 0)"
	run -0 es-append --pipeline 1 <<<"$(ev b 1)"
	run -0 es-append --app other <<<"$(ev a 0 x#Other)"
	run -0 es-append -a other -p 1 <<<"$(ev c 0 x#Other)"
	run -0 es-append <<<"$(ev a 2)"
	run -0 es-read --with-notification a b
	assert_output "$(evn a 0 0 1; evn a 1 0 2; evn a 2 0 3; evn b 0 1 1; evn b 1 1 2)"
	run -0 es-read --app other --with-notification a c
	assert_output "$(evn a 0 0 1 x#Other; evn c 0 1 1 x#Other)"
}

@test "es-append: ES_APP chooses the application like --app" {
	given_items <<<"$(ev z 0)"   # the store's default application: "events"
	ES_APP=other run -0 es-append <<<"$(ev a 0 x#Other)"
	run -0 es-read a
	assert_output ""
	run -0 es-read --app other a
	assert_output "$(ev a 0 x#Other)"
	ES_APP=other run -0 es-read a
	assert_output "$(ev a 0 x#Other)"
}

@test "es-append: a position stored in one pipeline conflicts in another of the same application" {
	# contract.md §1.9: the (sequence, position) key excludes the pipeline
	given_items <<<"$(ev a 0)"
	run -3 --separate-stderr es-append -p 1 <<<"$(ev a 0 x#Again)"
	assert_message es-append conflict
	run -0 es-read --with-notification a
	assert_output "$(evn a 0 0 1)"
}

@test "es-append: a bad pipeline number is a usage error" {
	assert_usage_error es-append -p x
	assert_usage_error es-append -p -1
	assert_usage_error es-append -p 2147483648
}

# ---------------------------------------------------------------------------
# Bad input: exit 65, one message naming the line (and field), nothing stored
# ---------------------------------------------------------------------------

@test "es-append: a line that is not JSON is bad data" {
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo 'sequence_id=a'; ev a 1)"
	assert_data_error 2
}

@test "es-append: a truncated last line is bad data" {
	printf '%s\n{"sequence_id":"a","position":1,"topic":"t","sta' "$(ev a 0)" >in.jsonl
	run -65 --separate-stderr es-append <in.jsonl
	assert_data_error 2
}

@test "es-append: a line that is not an object, array or envelope is bad data" {
	local bad
	for bad in 42 '"x"' null true; do
		run -65 --separate-stderr es-append <<<"$(ev a 0; echo "$bad")"
		assert_data_error 2
	done
}

@test "es-append: a batch holding something other than items is bad data" {
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo "[$(ev b 0),42]")"
	assert_data_error 2
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo "[[$(ev b 0)]]")"
	assert_data_error 2
}

@test "es-append: a missing sequence_id, topic or state is bad data" {
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"position":1,"topic":"t","state":{}}')"
	assert_data_error 2 sequence_id
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"sequence_id":"a","position":1,"state":{}}')"
	assert_data_error 2 topic
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"sequence_id":"a","position":1,"topic":"t"}')"
	assert_data_error 2 state
}

@test "es-append: an unknown field is bad data" {
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"sequence_id":"a","position":1,"topic":"t","state":{},"colour":"red"}')"
	assert_data_error 2 colour
}

@test "es-append: a field of the wrong type is bad data" {
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"sequence_id":7,"position":1,"topic":"t","state":{}}')"
	assert_data_error 2 sequence_id
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"sequence_id":"a","position":1,"topic":["t"],"state":{}}')"
	assert_data_error 2 topic
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"sequence_id":"a","position":1,"topic":null,"state":{}}')"
	assert_data_error 2 topic
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"sequence_id":"a","position":null,"topic":"t","state":{}}')"
	assert_data_error 2 position
}

@test "es-append: an empty sequence_id or topic is bad data" {
	run -65 --separate-stderr es-append <<<"$(ev a 0; ev '' 0)"
	assert_data_error 2 sequence_id
	run -65 --separate-stderr es-append <<<"$(ev a 0; echo '{"sequence_id":"b","position":0,"topic":"","state":{}}')"
	assert_data_error 2 topic
}

@test "es-append: a sequence_id of more than 255 bytes is bad data" {
	local s255 s256 e128
	s255=$(printf 'x%.0s' {1..255})
	s256=${s255}y
	e128=$(printf 'é%.0s' {1..128})
	run -65 --separate-stderr es-append <<<"$(ev a 0; ev "$s256" 0)"
	assert_data_error 2 sequence_id
	run -65 --separate-stderr es-append <<<"$(ev a 0; ev "$e128" 0)"
	assert_data_error 2 sequence_id
	run -0 es-append <<<"$(ev "$s255" 0; ev "${e128%é}" 0)"
	run -0 es-read "$s255" "${e128%é}"
	assert_output "$(ev "$s255" 0; ev "${e128%é}" 0)"
}

@test "es-append: a position that is not an integer from 0 to 2^63-1 is bad data" {
	local bad
	for bad in 1.0 1e3 1E3 '"3"' -0 -1 1.5 9223372036854775808 18446744073709551616 true '[1]'; do
		run -65 --separate-stderr es-append <<<"$(ev a 0; ev a "$bad")"
		assert_data_error 2 position
	done
}

@test "es-append: invalid UTF-8 is bad data" {
	printf '%s\n{"sequence_id":"a","position":1,"topic":"t","state":"\xff"}\n' "$(ev a 0)" >in.jsonl
	run -65 --separate-stderr es-append <in.jsonl
	assert_data_error 2
	printf '%s\n{"sequence_id":"a\xc3","position":1,"topic":"t","state":{}}\n' "$(ev a 0)" >in.jsonl
	run -65 --separate-stderr es-append <in.jsonl
	assert_data_error 2
}

@test "es-append: a NUL byte in a line is bad data" {
	printf '%s\n{"sequence_id":"a","position":1,"topic":"t","state":"a\0b"}\n' "$(ev a 0)" >in.jsonl
	run -65 --separate-stderr es-append <in.jsonl
	assert_data_error 2
	printf '%s\n%s\0\n' "$(ev a 0)" "$(ev a 1)" >in.jsonl
	run -65 --separate-stderr es-append <in.jsonl
	assert_data_error 2
}

# ---------------------------------------------------------------------------
# Exact round trips
# ---------------------------------------------------------------------------

@test "es-append: positions 2^53+1 and 2^63-1 round-trip exactly" {
	run -0 es-append --ack <<<"$(ev a 9007199254740993; ev a 9223372036854775807)"
	assert_output "$(ack a 9007199254740993 1; ack a 9223372036854775807 2)"
	run -0 es-read a
	assert_output "$(ev a 9007199254740993; ev a 9223372036854775807)"
	run -0 es-read --at 9007199254740993 a
	assert_output "$(ev a 9007199254740993)"
	run -0 es-read --lt 9223372036854775807 a
	assert_output "$(ev a 9007199254740993)"
}

@test "es-append: no next position after 2^63-1 is bad data" {
	given_items <<<"$(ev a 9223372036854775807)"
	run -65 --separate-stderr es-append <<<"$(ev b 0; ev a -)"
	assert_output ""
	assert_message es-append "line 2" position
	run -0 all_items
	assert_output "$(ev a 9223372036854775807)"
}

@test "es-append: UUID sequence ids are normalised to lowercase canonical form" {
	local canon=5f0c1e2a-3b4c-4d5e-8f90-a1b2c3d4e5f6
	run -0 es-append --ack <<<"$(ev 5F0C1E2A-3B4C-4D5E-8F90-A1B2C3D4E5F6 -; ev 5f0c1e2a3b4c4d5e8f90a1b2c3d4e5f6 -; ev 5F0C1E2A3B4C4D5E8F90A1B2C3D4E5F6 -)"
	assert_output "$(ack $canon 0 1; ack $canon 1 2; ack $canon 2 3)"
	run -0 es-read --sequences
	assert_output "$canon"
	run -0 es-read $canon
	assert_output "$(ev $canon 0; ev $canon 1; ev $canon 2)"
	# other strings are opaque: not UUIDs, kept as written
	run -0 es-append <<<"$(ev ABC 0; ev 5F0C1E2A-3B4C-4D5E-8F90-A1B2C3D4E5F 0; ev 5F0C1E2A_3B4C_4D5E_8F90_A1B2C3D4E5F6 0)"
	run -0 es-read --sequences
	assert_output "5F0C1E2A-3B4C-4D5E-8F90-A1B2C3D4E5F
5F0C1E2A_3B4C_4D5E_8F90_A1B2C3D4E5F6
$canon
ABC"
}

@test "es-append: a state of every JSON type round-trips" {
	local states=(
		'{}' '[]' '""' '"text"' 0 -17 3.25 true false null
		'{"a":{"b":[1,"two",{"c":null}],"d":false},"e":[[],{}]}'
		'[1,[2,[3,[4,[5,[6,[7,[8,[9,[10]]]]]]]]]]'
	)
	local i expect
	expect=$(for i in "${!states[@]}"; do ev a "$i" t "${states[i]}"; done)
	run -0 --separate-stderr es-append <<<"$expect"
	run -0 es-read a
	assert_output "$expect"
}

@test "es-append: numbers in the state keep their lexeme" {
	local state='[1.0,1e3,12345678901234567890,-0,0.1,1E+2,2.50e-7,9007199254740993,-1.5]'
	run -0 es-append <<<"$(ev a 0 t "$state"; ev a 1 t '{"big":123456789012345678901234567890.123456789}')"
	run -0 es-read a
	assert_output "$(ev a 0 t "$state"; ev a 1 t '{"big":123456789012345678901234567890.123456789}')"
}

@test "es-append: strings in the state come back in canonical form" {
	local in out
	in='{"\u0061\u00e9":"\u00e9\/\u0041\t\n\u0001\u001f\"\\\ud83d\ude00\r\b\f é"}'
	out='{"aé":"é/A\t\n\u0001\u001f\"\\😀\r\b\f é"}'
	run -0 es-append <<<"$(ev a 0 t "$in")"
	run -0 es-read a
	assert_output "$(ev a 0 t "$out")"
}

@test "es-append: a state is stored as compact JSON, keys in their order" {
	run -0 es-append <<<'{ "sequence_id" : "a" , "position" : 0 , "topic" : "t" , "state" : { "b" : [ 1 , 2 ] , "a" : { } , "c" : " x " } }'
	run -0 es-read a
	assert_output "$(ev a 0 t '{"b":[1,2],"a":{},"c":" x "}')"
}

@test "es-append: causal_dependencies are stored and returned" {
	local deps='[{"pipeline_id":0,"notification_id":5},{"pipeline_id":1,"notification_id":2}]'
	run -0 es-append <<<"{\"sequence_id\":\"a\",\"position\":0,\"topic\":\"t\",\"state\":{},\"causal_dependencies\":$deps}
$(ev a 1)"
	run -0 es-read a
	assert_output "{\"sequence_id\":\"a\",\"position\":0,\"topic\":\"t\",\"state\":{},\"causal_dependencies\":$deps}
$(ev a 1)"
	run -0 es-read --with-notification a
	assert_line -n 0 "{\"sequence_id\":\"a\",\"position\":0,\"topic\":\"t\",\"state\":{},\"causal_dependencies\":$deps,\"pipeline_id\":0,\"notification_id\":1}"
}

@test "es-append: a 5 MiB state is stored and read back byte for byte" {
	{
		printf '{"sequence_id":"big","position":0,"topic":"t","state":{"blob":"'
		head -c 2700000 /dev/urandom | base64 -w0
		printf '","nums":'
		awk 'BEGIN { printf "["; for (i = 0; i < 200000; i++) printf "%s%d.%d", (i ? "," : ""), i * 7, i % 10; printf "]" }'
		printf '}}\n'
	} >big.jsonl
	(($(stat -c %s big.jsonl) > 5 * 1024 * 1024)) || fail "fixture is too small"
	run -0 --separate-stderr es-append <big.jsonl
	es-read big >out.jsonl
	cmp big.jsonl out.jsonl
}

# ---------------------------------------------------------------------------
# Input files
# ---------------------------------------------------------------------------

@test "es-append: reads the files named on the command line, in order" {
	evs a 0 2 >one.jsonl
	evs a 3 4 >two.jsonl
	ev b - >three.jsonl
	run -0 --separate-stderr es-append one.jsonl two.jsonl three.jsonl
	run -0 all_items
	assert_output "$(evs a 0 4; ev b 0)"
}

@test "es-append: a bad line in a named file is reported with its file and line" {
	evs a 0 2 >one.jsonl
	{ ev b 0; echo '{"sequence_id":"b","position":"x","topic":"t","state":{}}'; } >two.jsonl
	run -65 --separate-stderr es-append one.jsonl two.jsonl
	assert_data_error 2 two.jsonl position
}

@test "es-append: a missing input file is exit 66 and nothing is stored" {
	evs a 0 2 >one.jsonl
	run -66 --separate-stderr es-append one.jsonl missing.jsonl
	assert_output ""
	assert_message es-append missing.jsonl
	[[ ! -e $ES_STORE ]] || assert_nothing_stored
}

# ---------------------------------------------------------------------------
# Command line and output errors
# ---------------------------------------------------------------------------

@test "es-append: -h and --help print the usage on stdout and exit 0" {
	run -0 --separate-stderr es-append -h
	[[ ${lines[0]} == "Usage: es-append"* ]] || fail "usage does not start with 'Usage: es-append': ${lines[0]}"
	run -0 --separate-stderr es-append --help
	[[ ${lines[0]} == "Usage: es-append"* ]] || fail "usage does not start with 'Usage: es-append': ${lines[0]}"
	[[ ! -e $ES_STORE ]] || fail "--help created a store"
}

@test "es-append: -V and --version print the version on stdout and exit 0" {
	run -0 --separate-stderr es-append -V
	assert_output --regexp '^es-append \(es\) [0-9]'
	run -0 --separate-stderr es-append --version
	assert_output --regexp '^es-append \(es\) [0-9]'
	[[ ! -e $ES_STORE ]] || fail "--version created a store"
}

@test "es-append: an unknown option is a usage error and creates no store" {
	assert_usage_error es-append --frobnicate </dev/null
	assert_usage_error es-append -Z <<<"$(ev a 0)"
	assert_usage_error es-append --format yaml <<<"$(ev a 0)"
}

@test "es-append: a write error on stdout is exit 74" {
	run -74 --separate-stderr to_full es-append --ack <<<"$(ev a 0)"
	[[ $stderr == es-append:* ]] || fail "no es-append: message on stderr: $stderr"
}

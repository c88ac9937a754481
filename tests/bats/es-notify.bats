#!/usr/bin/env bats
# es-notify.bats: black-box tests of es-notify (SPEC §1, §3, §3.3, §4;
# contract.md §1.7-§1.10 and §6).

load helper

teardown() {
	bg_cleanup
}

# four items a/0..a/3, notification ids 1..4 of pipeline 0 of "events"
given_a03() {
	given_items < <(evs a 0 3)
}

# ---------------------------------------------------------------------------
# The lines
# ---------------------------------------------------------------------------

@test "es-notify: each line is the item plus application_name, pipeline_id and notification_id" {
	given_items <<<"$(ev acct-1 0 bank#Opened '{"owner":"ann"}')"
	run -0 --separate-stderr es-notify
	assert_output '{"sequence_id":"acct-1","position":0,"topic":"bank#Opened","state":{"owner":"ann"},"application_name":"events","pipeline_id":0,"notification_id":1}'
	assert_equal "$stderr" ""
}

@test "es-notify: notifications come in id order, which is commit order, not sequence order" {
	given_items <<<"$(ev b 0 x#One; ev a 0 x#Two)"
	given_items <<<"[$(ev b 1 x#Three),$(ev a 1 x#Four)]"
	given_items <<<"$(ev a 2 x#Five '{"k":[1,2.50,null]}')"
	run -0 --separate-stderr es-notify
	assert_output "$(note b 0 events 0 1 x#One; note a 0 events 0 2 x#Two
		note b 1 events 0 3 x#Three; note a 1 events 0 4 x#Four
		note a 2 events 0 5 x#Five '{"k":[1,2.50,null]}')"
}

@test "es-notify: causal_dependencies come before the notification fields" {
	local deps='[{"pipeline_id":0,"notification_id":5}]'
	given_items <<<"{\"sequence_id\":\"a\",\"position\":0,\"topic\":\"t\",\"state\":{},\"causal_dependencies\":$deps}"
	run -0 --separate-stderr es-notify
	assert_output "{\"sequence_id\":\"a\",\"position\":0,\"topic\":\"t\",\"state\":{},\"causal_dependencies\":$deps,\"application_name\":\"events\",\"pipeline_id\":0,\"notification_id\":1}"
}

@test "es-notify: application_name is the store's default application, recorded at creation" {
	run -0 es-append -s shop.lmdb --app sales <<<"$(ev a 0 x#Sale)"
	run -0 es-append -s orders.lmdb <<<"$(ev a 0 x#Order)"
	mv shop.lmdb renamed.lmdb
	rm -f shop.lmdb-lock
	run -0 --separate-stderr es-notify -s renamed.lmdb
	assert_output "$(note a 0 sales 0 1 x#Sale)"
	run -0 --separate-stderr es-notify --store orders.lmdb
	assert_output "$(note a 0 orders 0 1 x#Order)"
}

@test "es-notify: an empty log prints nothing and exits 0" {
	given_items </dev/null
	run -0 --separate-stderr es-notify
	assert_output ""
	assert_equal "$stderr" ""
	given_items <<<"$(ev a 0)"
	run -0 --separate-stderr es-notify -p 1
	assert_output ""
	run -0 --separate-stderr es-notify -a nobody
	assert_output ""
}

@test "es-notify: --format stored-event names the first fields originator_id and originator_version" {
	given_items <<<"$(ev a 0 x#A '{"n":1}')"
	run -0 --separate-stderr es-notify --format stored-event
	assert_output '{"originator_id":"a","originator_version":0,"topic":"x#A","state":{"n":1},"application_name":"events","pipeline_id":0,"notification_id":1}'
	run -0 --separate-stderr es-notify --format item
	assert_output "$(note a 0 events 0 1 x#A '{"n":1}')"
}

@test "es-notify: --verbatim prints the stored state text as a string" {
	given_items <<<"$(ev a 0 x#A '{ "n" : [1, 2] }')"
	run -0 --separate-stderr es-notify --verbatim
	assert_output '{"sequence_id":"a","position":0,"topic":"x#A","state":"{\"n\":[1,2]}","application_name":"events","pipeline_id":0,"notification_id":1}'
}

# ---------------------------------------------------------------------------
# --start, --stop, --after, --limit (contract.md §1.7: zero-based, half-open)
# ---------------------------------------------------------------------------

@test "es-notify: --start 1 --stop 3 gives ids 2 and 3" {
	given_a03
	run -0 --separate-stderr es-notify --start 1 --stop 3
	assert_output "$(notes a 1 2 events 0 2)"
}

@test "es-notify: --start 0 gives every notification, --stop 2 ids 1 and 2" {
	given_a03
	run -0 --separate-stderr es-notify --start 0
	assert_output "$(notes a 0 3 events 0 1)"
	run -0 --separate-stderr es-notify --stop 2
	assert_output "$(notes a 0 1 events 0 1)"
	run -0 --separate-stderr es-notify
	assert_output "$(notes a 0 3 events 0 1)"
}

@test "es-notify: empty and out-of-range windows print nothing and exit 0" {
	given_a03
	run -0 --separate-stderr es-notify --start 4
	assert_output ""
	run -0 --separate-stderr es-notify --stop 0
	assert_output ""
	run -0 --separate-stderr es-notify --start 3 --stop 1
	assert_output ""
	run -0 --separate-stderr es-notify --start 2 --stop 2
	assert_output ""
	run -0 --separate-stderr es-notify --start 9223372036854775807
	assert_output ""
	run -0 --separate-stderr es-notify --stop 9223372036854775807
	assert_output "$(notes a 0 3 events 0 1)"
	run -0 --separate-stderr es-notify --start 3 --stop 100
	assert_output "$(notes a 3 3 events 0 4)"
}

@test "es-notify: --after ID gives the notifications after ID, like --start ID" {
	given_a03
	run -0 --separate-stderr es-notify --after 2
	assert_output "$(notes a 2 3 events 0 3)"
	run -0 --separate-stderr es-notify --after 0
	assert_output "$(notes a 0 3 events 0 1)"
	run -0 --separate-stderr es-notify --after 1 --stop 3
	assert_output "$(notes a 1 2 events 0 2)"
	run -0 --separate-stderr es-notify --after 4
	assert_output ""
}

@test "es-notify: --limit N gives the first N in the window" {
	given_a03
	run -0 --separate-stderr es-notify --limit 2
	assert_output "$(notes a 0 1 events 0 1)"
	run -0 --separate-stderr es-notify --after 1 --limit 2
	assert_output "$(notes a 1 2 events 0 2)"
	run -0 --separate-stderr es-notify --start 2 --limit 9
	assert_output "$(notes a 2 3 events 0 3)"
	run -0 --separate-stderr es-notify --limit 9 --stop 2
	assert_output "$(notes a 0 1 events 0 1)"
}

@test "es-notify: --start with --after is a usage error" {
	given_a03
	assert_usage_error es-notify --start 1 --after 1
	assert_usage_error es-notify --after 0 --start 0
}

@test "es-notify: a bad --start, --stop, --after or --limit is a usage error" {
	local opt bad
	for opt in --start --stop --after; do
		for bad in -1 x 1.5 '' 9223372036854775808; do
			assert_usage_error es-notify "$opt" "$bad"
		done
	done
	for bad in 0 -1 x ''; do
		assert_usage_error es-notify --limit "$bad"
	done
	assert_usage_error es-notify --limit
}

# ---------------------------------------------------------------------------
# Applications and pipelines (contract.md §1.9)
# ---------------------------------------------------------------------------

@test "es-notify: each application and pipeline numbers its notifications from 1" {
	given_items --app app1 <<<"$(ev a 0 x#A1)"
	given_items --app app1 -p 1 <<<"$(ev b 0 x#B1)"
	given_items --app app2 <<<"$(ev a 0 x#A2)"
	given_items --app app1 <<<"$(ev a 1 x#A1)"
	run -0 --separate-stderr es-notify --app app1
	assert_output "$(note a 0 app1 0 1 x#A1; note a 1 app1 0 2 x#A1)"
	run -0 --separate-stderr es-notify --app app1 --pipeline 1
	assert_output "$(note b 0 app1 1 1 x#B1)"
	run -0 --separate-stderr es-notify -a app2 -p 0
	assert_output "$(note a 0 app2 0 1 x#A2)"
	ES_APP=app2 run -0 --separate-stderr es-notify
	assert_output "$(note a 0 app2 0 1 x#A2)"
	run -0 --separate-stderr es-notify -a app2 -p 1
	assert_output ""
}

@test "es-notify: pipeline 2147483647 is the highest" {
	given_items -p 2147483647 <<<"$(ev a 0)"
	run -0 --separate-stderr es-notify -p 2147483647
	assert_output "$(note a 0 events 2147483647 1)"
	assert_usage_error es-notify -p 2147483648
	assert_usage_error es-notify -p -1
	assert_usage_error es-notify -p x
}

# ---------------------------------------------------------------------------
# --last-id
# ---------------------------------------------------------------------------

@test "es-notify: --last-id prints the highest notification id of the pipeline" {
	given_items < <(evs a 0 2)
	given_items -p 1 <<<"$(ev b 0)"
	given_items -a other < <(evs c 0 6)
	run -0 --separate-stderr es-notify --last-id
	assert_output 3
	run -0 --separate-stderr es-notify --last-id -p 1
	assert_output 1
	run -0 --separate-stderr es-notify --last-id -a other
	assert_output 7
	given_items <<<"[$(ev a 3),$(ev a 4)]"
	run -0 --separate-stderr es-notify --last-id
	assert_output 5
	assert_equal "$stderr" ""
}

@test "es-notify: --last-id of an empty pipeline is 0" {
	given_items </dev/null
	run -0 --separate-stderr es-notify --last-id
	assert_output 0
	given_items <<<"$(ev a 0)"
	run -0 --separate-stderr es-notify --last-id -p 7
	assert_output 0
	run -0 --separate-stderr es-notify --last-id -a nobody
	assert_output 0
}

@test "es-notify: --last-id of a store that does not exist is 0 and creates nothing" {
	run -0 --separate-stderr es-notify --last-id
	assert_output 0
	assert_equal "$stderr" ""
	run -0 --separate-stderr es-notify -s nowhere.lmdb --last-id -p 3
	assert_output 0
	[[ ! -e $ES_STORE && ! -e $ES_STORE-lock && ! -e nowhere.lmdb && ! -e nowhere.lmdb-lock ]] ||
		fail "es-notify --last-id created a store"
}

@test "es-notify: --last-id and --tracked of a file that is not a store are exit 66" {
	echo hello >not-a-store.lmdb
	run -66 --separate-stderr es-notify -s not-a-store.lmdb --last-id
	assert_output ""
	assert_message es-notify
	run -66 --separate-stderr es-notify -s not-a-store.lmdb --tracked up
	assert_output ""
	mkdir dir.lmdb
	run -66 --separate-stderr es-notify -s dir.lmdb --last-id
	assert_equal "$(cat not-a-store.lmdb)" hello
}

# ---------------------------------------------------------------------------
# --tracked (contract.md §1.10: get_max_tracking_record_id)
# ---------------------------------------------------------------------------

@test "es-notify: --tracked UPSTREAM prints the highest id tracked for UPSTREAM and the pipeline" {
	given_items <<<"$(envelope up 0 1 "$(ev a 0)"; envelope up 0 5 "$(ev a 1)"; envelope up 0 2)"
	given_items <<<"$(envelope up 1 7 "$(ev b 0)"; envelope other 0 9)"
	given_items -a app2 <<<"$(envelope up 0 11 "$(ev a 0)")"
	given_items -p 3 <<<"$(envelope up 0 6 "$(ev c 0)")"
	run -0 --separate-stderr es-notify --tracked up
	assert_output 6
	assert_equal "$stderr" ""
	run -0 --separate-stderr es-notify --tracked up -p 1
	assert_output 7
	run -0 --separate-stderr es-notify --tracked other
	assert_output 9
	run -0 --separate-stderr es-notify --tracked up --app app2
	assert_output 11
	run -0 --separate-stderr es-notify --tracked up -p 3
	assert_output 0
	run -0 --separate-stderr es-notify --tracked nobody
	assert_output 0
}

@test "es-notify: --tracked is 0 with no tracking records, whatever the notifications" {
	given_items < <(evs a 0 4)
	run -0 --separate-stderr es-notify --tracked up
	assert_output 0
	run -0 --separate-stderr es-notify --tracked events
	assert_output 0
}

@test "es-notify: --tracked of a store that does not exist is 0 and creates nothing" {
	run -0 --separate-stderr es-notify --tracked up
	assert_output 0
	assert_equal "$stderr" ""
	run -0 --separate-stderr es-notify -s down.lmdb --tracked up -p 2
	assert_output 0
	[[ ! -e $ES_STORE && ! -e $ES_STORE-lock && ! -e down.lmdb && ! -e down.lmdb-lock ]] ||
		fail "es-notify --tracked created a store"
}

@test "es-notify: --tracked with an empty name is a usage error" {
	assert_usage_error es-notify --tracked ''
	assert_usage_error es-notify --tracked
}

# ---------------------------------------------------------------------------
# --section (contract.md §6.1: the NotificationLogView)
# ---------------------------------------------------------------------------

@test "es-notify: --section current is the section of the last notification, linked to the previous one" {
	given_items < <(evs a 0 11)
	run -0 --separate-stderr es-notify --section current --section-size 5
	assert_output "$(section_doc 11,15 6,10 null < <(notes a 10 11 events 0 11))"
	assert_equal "$stderr" ""
}

@test "es-notify: --section A,B prints that section, with its links" {
	given_items < <(evs a 0 11)
	run -0 --separate-stderr es-notify --section 1,5 --section-size 5
	assert_output "$(section_doc 1,5 null 6,10 < <(notes a 0 4 events 0 1))"
	run -0 --separate-stderr es-notify --section 6,10 --section-size 5
	assert_output "$(section_doc 6,10 1,5 11,15 < <(notes a 5 9 events 0 6))"
	run -0 --separate-stderr es-notify --section 11,15 --section-size 5
	assert_output "$(section_doc 11,15 6,10 null < <(notes a 10 11 events 0 11))"
	run -0 --separate-stderr es-notify --section 16,20 --section-size 5
	assert_output "$(section_doc 16,20 11,15 null </dev/null)"
}

@test "es-notify: any id inside a section names that section" {
	given_items < <(evs a 0 11)
	local expect
	expect=$(section_doc 6,10 1,5 11,15 < <(notes a 5 9 events 0 6))
	for id in 6,10 7,8 '7,' 10,99 9,1; do
		run -0 --separate-stderr es-notify --section "$id" --section-size 5
		assert_output "$expect"
	done
}

@test "es-notify: a full last section links to an empty next one" {
	given_items < <(evs a 0 9)
	run -0 --separate-stderr es-notify --section 6,10 --section-size 5
	assert_output "$(section_doc 6,10 1,5 11,15 < <(notes a 5 9 events 0 6))"
	run -0 --separate-stderr es-notify --section current --section-size 5
	assert_output "$(section_doc 11,15 6,10 null </dev/null)"
}

@test "es-notify: --section-size defaults to 20" {
	given_items < <(evs a 0 2)
	run -0 --separate-stderr es-notify --section current
	assert_output "$(section_doc 1,20 null null < <(notes a 0 2 events 0 1))"
	given_items < <(evs a 3 24)
	run -0 --separate-stderr es-notify --section 1,20
	assert_output "$(section_doc 1,20 null 21,40 < <(notes a 0 19 events 0 1))"
	run -0 --separate-stderr es-notify --section current
	assert_output "$(section_doc 21,40 1,20 null < <(notes a 20 24 events 0 21))"
}

@test "es-notify: --section of an empty log is the first section, empty" {
	given_items </dev/null
	run -0 --separate-stderr es-notify --section current
	assert_output '{"items":[],"next_id":null,"previous_id":null,"section_id":"1,20"}'
	run -0 --separate-stderr es-notify --section 1,1 --section-size 1
	assert_output '{"items":[],"next_id":null,"previous_id":null,"section_id":"1,1"}'
}

@test "es-notify: --section reads the pipeline and application asked for, in the format asked for" {
	given_items < <(evs a 0 3)
	given_items -p 1 <<<"$(ev b 0; ev b 1)"
	given_items -a app2 <<<"$(ev c 0)"
	run -0 --separate-stderr es-notify --section current -p 1 --section-size 2
	assert_output "$(section_doc 3,4 1,2 null </dev/null)"
	run -0 --separate-stderr es-notify --section 1,2 -p 1 --section-size 2
	assert_output "$(section_doc 1,2 null 3,4 <<<"$(note b 0 events 1 1; note b 1 events 1 2)")"
	run -0 --separate-stderr es-notify --section current -a app2 --format stored-event
	assert_output '{"items":[{"originator_id":"c","originator_version":0,"topic":"bank#Event","state":{},"application_name":"app2","pipeline_id":0,"notification_id":1}],"next_id":null,"previous_id":null,"section_id":"1,20"}'
}

@test "es-notify: a malformed section id is a usage error" {
	given_items < <(evs a 0 3)
	local id
	for id in '' x 7 ',' ',5' 1,2,3 a,5 1.5,2 Current; do
		assert_usage_error es-notify --section "$id"
	done
	assert_usage_error es-notify --section
}

@test "es-notify: a --section-size that is not a positive integer is a usage error" {
	given_items < <(evs a 0 3)
	local n
	for n in 0 -1 x 2.5 ''; do
		assert_usage_error es-notify --section current --section-size "$n"
	done
}

# ---------------------------------------------------------------------------
# Modes and stores
# ---------------------------------------------------------------------------

@test "es-notify: two of --last-id, --tracked, --section and --follow are a usage error" {
	assert_usage_error es-notify --last-id --tracked up
	assert_usage_error es-notify --last-id --section current
	assert_usage_error es-notify timeout 10 es-notify --last-id --follow
	assert_usage_error es-notify --tracked up --section 1,20
	assert_usage_error es-notify timeout 10 es-notify --tracked up --follow
	assert_usage_error es-notify timeout 10 es-notify --section current --follow
	assert_usage_error es-notify timeout 10 es-notify --follow --last-id --tracked up --section current
	given_a03
	assert_usage_error es-notify timeout 10 es-notify --follow --last-id
	assert_usage_error es-notify timeout 10 es-notify --follow --start 1 --after 1
}

@test "es-notify: a store that does not exist is exit 66 and is not created" {
	run -66 --separate-stderr es-notify
	assert_output ""
	assert_message es-notify
	run -66 --separate-stderr es-notify -s nowhere.lmdb --after 3
	run -66 --separate-stderr es-notify --section current
	run -66 --separate-stderr timeout 10 es-notify --follow
	assert_output ""
	assert_message es-notify
	[[ ! -e $ES_STORE && ! -e $ES_STORE-lock && ! -e nowhere.lmdb ]] ||
		fail "es-notify created a store"
}

@test "es-notify: a file that is not a store is exit 66" {
	echo hello >not-a-store.lmdb
	run -66 --separate-stderr es-notify -s not-a-store.lmdb
	assert_output ""
	assert_message es-notify
	assert_equal "$(cat not-a-store.lmdb)" hello
}

# ---------------------------------------------------------------------------
# --follow
# ---------------------------------------------------------------------------

@test "es-notify: --follow prints what exists, then what another process appends, without ending" {
	given_items < <(evs a 0 1)
	bg_start f es-notify --follow
	wait_lines f.out 2
	assert_equal "$(cat f.out)" "$(notes a 0 1 events 0 1)"
	given_items < <(evs a 2 2)
	wait_lines f.out 3
	given_items <<<"[$(ev b 0),$(ev b 1)]"
	wait_lines f.out 5
	given_items < <(evs a 3 3)
	wait_lines f.out 6
	assert_equal "$(cat f.out)" "$(notes a 0 2 events 0 1; note b 0 events 0 4; note b 1 events 0 5; notes a 3 3 events 0 6)"
	bg_running f || fail "es-notify --follow ended with status $(cat f.rc): $(cat f.err)"
	assert_equal "$(cat f.err)" ""
}

@test "es-notify: --follow on an empty log waits for the first notification" {
	given_items </dev/null
	bg_start f es-notify --follow
	sleep 0.2
	bg_running f || fail "es-notify --follow ended with status $(cat f.rc): $(cat f.err)"
	assert_equal "$(cat f.out)" ""
	given_items < <(evs a 0 0)
	wait_lines f.out 1
	assert_equal "$(cat f.out)" "$(notes a 0 0 events 0 1)"
}

@test "es-notify: --follow prints only its own pipeline and application" {
	given_items < <(evs a 0 0)
	bg_start f es-notify --follow -p 1
	given_items -p 1 <<<"$(ev b 0)"
	wait_lines f.out 1
	given_items < <(evs a 1 1)
	given_items -a other -p 1 <<<"$(ev c 0)"
	given_items -p 1 <<<"$(ev b 1)"
	wait_lines f.out 2
	sleep 0.2
	assert_equal "$(cat f.out)" "$(note b 0 events 1 1; note b 1 events 1 2)"
}

@test "es-notify: --follow --limit N ends by itself after N lines" {
	given_items < <(evs a 0 1)
	bg_start f es-notify --follow --limit 3
	wait_lines f.out 2
	bg_running f || fail "es-notify ended after 2 of 3 lines: $(cat f.rc)"
	given_items < <(evs a 2 3)
	assert_equal "$(bg_status f)" 0
	assert_equal "$(cat f.out)" "$(notes a 0 2 events 0 1)"
	assert_equal "$(cat f.err)" ""
	# with enough there already, it ends at once
	bg_start g es-notify --follow --limit 2 --after 1
	assert_equal "$(bg_status g)" 0
	assert_equal "$(cat g.out)" "$(notes a 1 2 events 0 2)"
}

@test "es-notify: --follow --stop N ends after id N" {
	given_items < <(evs a 0 1)
	bg_start f es-notify --follow --stop 4
	wait_lines f.out 2
	given_items < <(evs a 2 2)
	wait_lines f.out 3
	bg_running f || fail "es-notify ended before id 4: $(cat f.rc)"
	given_items <<<"[$(evs a 3 5 | paste -sd, -)]"
	assert_equal "$(bg_status f)" 0
	assert_equal "$(cat f.out)" "$(notes a 0 3 events 0 1)"
	# with id N there already, it ends at once
	bg_start g es-notify --follow --start 1 --stop 3
	assert_equal "$(bg_status g)" 0
	assert_equal "$(cat g.out)" "$(notes a 1 2 events 0 2)"
}

@test "es-notify: --follow --after K starts after id K" {
	given_items < <(evs a 0 3)
	bg_start f es-notify --follow --after 2
	wait_lines f.out 2
	given_items < <(evs a 4 4)
	wait_lines f.out 3
	assert_equal "$(cat f.out)" "$(notes a 2 4 events 0 3)"
	# --after beyond the end: nothing until that id is passed
	bg_start g es-notify --follow --after 6
	given_items < <(evs a 5 5)
	given_items < <(evs a 6 6)
	wait_lines g.out 1
	assert_equal "$(cat g.out)" "$(notes a 6 6 events 0 7)"
}

@test "es-notify: --follow delivers a burst of 3,000 notifications complete and in order" {
	given_items < <(evs a 0 0)
	bg_start f es-notify --follow
	wait_lines f.out 1
	given_items --no-sync < <(evs a 1 1500)
	given_items --no-sync --each < <(evs a 1501 3000)
	wait_lines f.out 3001 20
	cmp f.out <(notes a 0 3000 events 0 1) || fail "es-notify --follow output differs from the log"
}

@test "es-notify: es-notify --follow | head -n 3 ends once head is gone and a notification follows" {
	given_items < <(evs a 0 1)
	# shellcheck disable=SC2016
	bg_start p bash -c 'es-notify --follow 2>notify.err | head -n 3; echo "${PIPESTATUS[0]}" >notify.rc'
	given_items < <(evs a 2 2)
	wait_lines p.out 3	# head writes them when it ends
	given_items < <(evs a 3 3)
	wait_until 10 test -s notify.rc || fail "es-notify still runs 10 s after head ended"
	assert_equal "$(cat p.out)" "$(notes a 0 2 events 0 1)"
	[[ $(cat notify.rc) == 0 || $(cat notify.rc) == 141 ]] ||
		fail "es-notify exited $(cat notify.rc), expected 0 or 141 (SIGPIPE)"
	assert_equal "$(cat notify.err)" ""
}

@test "es-notify: SIGTERM ends --follow promptly with the lines printed so far intact" {
	given_items < <(evs a 0 199)
	bg_start f es-notify --follow
	wait_lines f.out 200
	kill -TERM "$(cat f.pid)"
	local rc
	rc=$(bg_status f 5)
	[[ $rc == 143 || $rc == 0 ]] || fail "es-notify exited $rc after SIGTERM, expected 143 (or 0)"
	cmp f.out <(notes a 0 199 events 0 1) || fail "the output of es-notify --follow is damaged"
}

@test "es-notify: --follow with stdout on /dev/full is exit 74" {
	given_a03
	run -74 --separate-stderr timeout 10 bash -c 'es-notify --follow >/dev/full'
	[[ $stderr == es-notify:* ]] || fail "no es-notify: message on stderr: $stderr"
}

# ---------------------------------------------------------------------------
# Command line, output errors, streaming
# ---------------------------------------------------------------------------

@test "es-notify: -h and --help print the usage, with every option, on stdout and exit 0" {
	run -0 --separate-stderr es-notify -h
	[[ ${lines[0]} == "Usage: es-notify"* ]] || fail "usage does not start with 'Usage: es-notify': ${lines[0]}"
	run -0 --separate-stderr es-notify --help
	[[ ${lines[0]} == "Usage: es-notify"* ]] || fail "usage does not start with 'Usage: es-notify': ${lines[0]}"
	local opt
	for opt in '-s,' --store '-a,' --app '-p,' --pipeline --start --stop --after --limit \
		--follow --last-id --tracked --section --section-size --verbatim --format \
		--key-file '-h,' --help '-V,' --version; do
		[[ $output == *" $opt"[\ =,]* || $output == *" $opt"$'\n'* ]] || fail "--help does not mention $opt"
	done
	assert_equal "$stderr" ""
	[[ ! -e $ES_STORE ]] || fail "--help created a store"
}

@test "es-notify: -V and --version print the version on stdout and exit 0" {
	run -0 --separate-stderr es-notify -V
	assert_output --regexp '^es-notify \(es\) [0-9]'
	run -0 --separate-stderr es-notify --version
	assert_output --regexp '^es-notify \(es\) [0-9]'
	[[ ! -e $ES_STORE ]] || fail "--version created a store"
}

@test "es-notify: an unknown option or an argument is a usage error" {
	assert_usage_error es-notify --frobnicate
	assert_usage_error es-notify -Z
	assert_usage_error es-notify --format yaml
	assert_usage_error es-notify extra
	given_a03
	assert_usage_error es-notify --last-id extra
}

@test "es-notify: a write error on stdout is exit 74" {
	given_a03
	run -74 --separate-stderr to_full es-notify
	[[ $stderr == es-notify:* ]] || fail "no es-notify: message on stderr: $stderr"
	run -74 --separate-stderr to_full es-notify --last-id
	run -74 --separate-stderr to_full es-notify --tracked up
	run -74 --separate-stderr to_full es-notify --section current
}

@test "es-notify: es-notify | head -1 on 10,000 notifications ends quietly" {
	given_items < <(evs big 0 9999)
	# shellcheck disable=SC2016
	run -0 --separate-stderr bash -c 'es-notify | head -1; echo "status=${PIPESTATUS[0]}"'
	assert_equal "${lines[0]}" "$(notes big 0 0 events 0 1)"
	[[ ${lines[1]} == status=0 || ${lines[1]} == status=141 ]] ||
		fail "es-notify exited ${lines[1]#status=}, expected 0 or 141"
	assert_equal "${#lines[@]}" 2
	assert_equal "$stderr" ""
}

@test "es-notify: a 100,000-notification log is streamed in full" {
	evs big 0 99999 >in.jsonl
	given_items <in.jsonl
	es-notify >out.jsonl
	cmp out.jsonl <(notes big 0 99999 events 0 1) || fail "es-notify output differs"
	run -0 bash -c 'es-notify --after 50000 | wc -l'
	assert_output 50000
	run -0 es-notify --after 99998
	assert_output "$(notes big 99998 99999 events 0 99999)"
	run -0 es-notify --last-id
	assert_output 100000
	run -0 es-notify --section current --section-size 1000
	[[ $output == '{"items":[],"next_id":null,"previous_id":"99001,100000","section_id":"100001,101000"}' ]] ||
		fail "unexpected current section: ${output:0:200}"
}

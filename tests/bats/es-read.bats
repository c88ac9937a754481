#!/usr/bin/env bats
# es-read.bats: black-box tests of es-read (SPEC §1, §2, §3.2, §4).

load helper

# five items, positions 0..4, in sequence a
given_a04() {
	given_items < <(evs a 0 4)
}

# ---------------------------------------------------------------------------
# Stores
# ---------------------------------------------------------------------------

@test "es-read: a store that does not exist is exit 66 and is not created" {
	run -66 --separate-stderr es-read a
	assert_output ""
	assert_message es-read
	[[ ! -e $ES_STORE && ! -e $ES_STORE-lock ]] || fail "es-read created the store"
	run -66 --separate-stderr es-read --sequences
	run -66 --separate-stderr es-read -s nowhere.lmdb a
	[[ ! -e nowhere.lmdb ]] || fail "es-read created nowhere.lmdb"
}

@test "es-read: a file that is not a store is exit 66" {
	echo 'hello' >not-a-store.lmdb
	run -66 --separate-stderr es-read -s not-a-store.lmdb a
	assert_output ""
	assert_message es-read
	assert_equal "$(cat not-a-store.lmdb)" hello
}

@test "es-read: the application given when the store was created stays its default" {
	run -0 es-append -s shop.lmdb --app sales <<<"$(ev a 0 x#Sale)"
	run -0 es-append -s shop.lmdb --app stock <<<"$(ev a 0 x#Stock)"
	run -0 es-read -s shop.lmdb a
	assert_output "$(ev a 0 x#Sale)"
	mv shop.lmdb renamed.lmdb
	rm -f shop.lmdb-lock
	run -0 es-read -s renamed.lmdb a
	assert_output "$(ev a 0 x#Sale)"
	# without --app the default application is the file's base name
	run -0 es-append -s orders.lmdb <<<"$(ev a 0 x#Order)"
	run -0 es-read -s orders.lmdb --app orders a
	assert_output "$(ev a 0 x#Order)"
}

# ---------------------------------------------------------------------------
# Ranges, limits and order (contract.md §1.6)
# ---------------------------------------------------------------------------

@test "es-read: items are printed in ascending position order" {
	given_items <<<"$(ev a 3; ev a 0; ev a 10; ev a 2)"
	run -0 --separate-stderr es-read a
	assert_output "$(ev a 0; ev a 2; ev a 3; ev a 10)"
	assert_equal "$stderr" ""
}

@test "es-read: every output line ends with a newline" {
	given_a04
	es-read a >out.jsonl
	evs a 0 4 >expected.jsonl
	cmp out.jsonl expected.jsonl
}

@test "es-read: --gt, --gte, --lt and --lte each bound the positions" {
	given_a04
	run -0 es-read --gt 1 a
	assert_output "$(evs a 2 4)"
	run -0 es-read --gte 1 a
	assert_output "$(evs a 1 4)"
	run -0 es-read --lt 3 a
	assert_output "$(evs a 0 2)"
	run -0 es-read --lte 3 a
	assert_output "$(evs a 0 3)"
	run -0 es-read --gt=4 a
	assert_output ""
	run -0 es-read --lte=0 a
	assert_output "$(evs a 0 0)"
}

@test "es-read: a lower and an upper bound together select the range between" {
	given_a04
	run -0 es-read --gt 0 --lt 4 a
	assert_output "$(evs a 1 3)"
	run -0 es-read --gte 1 --lte 3 a
	assert_output "$(evs a 1 3)"
	run -0 es-read --gte 2 --lte 2 a
	assert_output "$(evs a 2 2)"
	run -0 es-read --gt 3 --lt 1 a
	assert_output ""
}

@test "es-read: --gt with --gte (and --lt with --lte) both apply" {
	given_items < <(evs a 0 2)
	# contract.md §1.6 step 3: gt=0,gte=2 -> [2]; gt=2,gte=0 on [0,1,2] -> []
	run -0 es-read --gt 0 --gte 2 a
	assert_output "$(evs a 2 2)"
	run -0 es-read --gt 2 --gte 0 a
	assert_output ""
	run -0 es-read --lt 2 --lte 0 a
	assert_output "$(evs a 0 0)"
	run -0 es-read --lt 1 --lte 2 a
	assert_output "$(evs a 0 0)"
}

@test "es-read: bounds may be negative" {
	given_a04
	run -0 es-read --gt -5 a
	assert_output "$(evs a 0 4)"
	run -0 es-read --gte -1 --lte 0 a
	assert_output "$(evs a 0 0)"
	run -0 es-read --lt -1 a
	assert_output ""
	run -0 es-read --lte=-1 a
	assert_output ""
}

@test "es-read: a bound that is not an integer is a usage error" {
	given_a04
	assert_usage_error es-read --gt 1.5 a
	assert_usage_error es-read --lte x a
	assert_usage_error es-read --lt '' a
}

@test "es-read: --limit N gives the first N in range" {
	given_a04
	run -0 es-read --limit 2 a
	assert_output "$(evs a 0 1)"
	run -0 es-read --gt 1 --limit 2 a
	assert_output "$(evs a 2 3)"
	run -0 es-read --limit 9 a
	assert_output "$(evs a 0 4)"
}

@test "es-read: --desc prints newest first" {
	given_a04
	run -0 es-read --desc a
	assert_output "$(evs a 0 4 | tac)"
	run -0 es-read --desc --gte 1 --lt 4 a
	assert_output "$(evs a 1 3 | tac)"
}

@test "es-read: --desc --limit 2 gives the last two, newest first" {
	# contract.md §1.6 table row 3 (descending query, descending results)
	given_a04
	run -0 es-read --desc --limit 2 a
	assert_output "$(ev a 4 bank#Event '{"n":4}'; ev a 3 bank#Event '{"n":3}')"
	run -0 es-read --desc --lt 4 --limit 2 a
	assert_output "$(evs a 2 3 | tac)"
}

@test "es-read: --last 2 gives the last two in ascending order" {
	# contract.md §1.6 table row 2 (descending query, ascending results)
	given_a04
	run -0 es-read --last 2 a
	assert_output "$(evs a 3 4)"
	run -0 es-read --last 2 --lt 4 a
	assert_output "$(evs a 2 3)"
	run -0 es-read --last 9 a
	assert_output "$(evs a 0 4)"
}

@test "es-read: the limit applies in query order (contract table rows 1-3)" {
	# contract.md §1.6 table on positions 0..4, limit 2; row 4 (ascending
	# query, descending results) has no es-read options
	given_a04
	run -0 es-read --limit 2 a
	assert_output "$(evs a 0 1)"
	run -0 es-read --last 2 a
	assert_output "$(evs a 3 4)"
	run -0 es-read --desc --limit 2 a
	assert_output "$(evs a 3 4 | tac)"
}

@test "es-read: a limit of 0 or less is a usage error" {
	given_a04
	assert_usage_error es-read --limit 0 a
	assert_usage_error es-read --limit -1 a
	assert_usage_error es-read --last 0 a
	assert_usage_error es-read --last -2 a
	assert_usage_error es-read --limit x a
	rm -f "$ES_STORE" "$ES_STORE-lock"
	assert_usage_error es-read --limit 0 a
}

@test "es-read: a sequence with no items prints nothing and exits 0" {
	given_a04
	run -0 --separate-stderr es-read nobody
	assert_output ""
	assert_equal "$stderr" ""
	run -0 --separate-stderr es-read --desc --limit 3 nobody
	assert_output ""
	run -0 --separate-stderr es-read nobody a other
	assert_output "$(evs a 0 4)"
}

@test "es-read: several sequence ids are printed in the order given" {
	given_items <<<"$(ev b 1; ev a 0; ev c 0; ev b 0; ev a 1)"
	run -0 es-read b a
	assert_output "$(ev b 0; ev b 1; ev a 0; ev a 1)"
	run -0 es-read --last 1 c a b
	assert_output "$(ev c 0; ev a 1; ev b 1)"
	run -0 es-read --gte 1 a b
	assert_output "$(ev a 1; ev b 1)"
}

@test "es-read: no sequence id is a usage error" {
	given_a04
	assert_usage_error es-read
	assert_usage_error es-read --desc
}

@test "es-read: a UUID sequence id argument is normalised" {
	local canon=5f0c1e2a-3b4c-4d5e-8f90-a1b2c3d4e5f6
	given_items <<<"$(ev $canon 0)"
	run -0 es-read 5F0C1E2A-3B4C-4D5E-8F90-A1B2C3D4E5F6
	assert_output "$(ev $canon 0)"
	run -0 es-read 5f0c1e2a3b4c4d5e8f90a1b2c3d4e5f6
	assert_output "$(ev $canon 0)"
}

# ---------------------------------------------------------------------------
# Point lookups
# ---------------------------------------------------------------------------

@test "es-read: --at N prints the item at N" {
	given_a04
	run -0 --separate-stderr es-read --at 3 a
	assert_output "$(evs a 3 3)"
	run -0 --separate-stderr es-read --at=0 a
	assert_output "$(evs a 0 0)"
}

@test "es-read: --at an absent position exits 1 with a message" {
	given_a04
	run -1 --separate-stderr es-read --at 9 a
	assert_output ""
	assert_message es-read
	run -1 --separate-stderr es-read --at 0 nobody
	assert_output ""
	assert_message es-read
}

@test "es-read: --latest prints the most recent item" {
	given_a04
	run -0 --separate-stderr es-read --latest a
	assert_output "$(evs a 4 4)"
	run -0 es-read --latest --lt 3 a
	assert_output "$(evs a 2 2)"
	run -0 es-read --latest --lte 3 a
	assert_output "$(evs a 3 3)"
	run -0 es-read --latest --lt 3 --lte 1 a
	assert_output "$(evs a 1 1)"
	run -0 es-read --latest --lt 99 a
	assert_output "$(evs a 4 4)"
}

@test "es-read: --latest with nothing at or before the bound exits 1 with a message" {
	given_a04
	run -1 --separate-stderr es-read --latest --lt 0 a
	assert_output ""
	assert_message es-read
	run -1 --separate-stderr es-read --latest --lte -1 a
	assert_output ""
	run -1 --separate-stderr es-read --latest nobody
	assert_output ""
	assert_message es-read
}

# ---------------------------------------------------------------------------
# --sequences, --with-notification, --format
# ---------------------------------------------------------------------------

@test "es-read: --sequences lists every sequence id once, sorted, as plain text" {
	given_items <<<"$(ev b 0; ev a 0; ev c10 0; ev c9 0; ev B 0; ev b 1; ev 'é' 0; ev 'with space' 0)"
	run -0 --separate-stderr es-read --sequences
	assert_output "B
a
b
c10
c9
with space
é"
	run -0 --separate-stderr es-read --app elsewhere --sequences
	assert_output ""
}

@test "es-read: --sequences of an empty store prints nothing" {
	run -0 es-append </dev/null
	run -0 --separate-stderr es-read --sequences
	assert_output ""
}

@test "es-read: --sequences output feeds xargs es-read" {
	given_items <<<"$(ev b 0; ev 'with space' 0; ev a 0)"
	run -0 all_items
	assert_output "$(ev a 0; ev b 0; ev 'with space' 0)"
}

@test "es-read: --with-notification adds the pipeline and notification ids" {
	given_items <<<"$(ev a 0; ev b 0)"
	given_items -p 3 <<<"$(ev a 1)"
	run -0 --separate-stderr es-read --with-notification a b
	assert_output "$(evn a 0 0 1; evn a 1 3 1; evn b 0 0 2)"
	run -0 --separate-stderr es-read --with-notification --last 1 a
	assert_output "$(evn a 1 3 1)"
}

@test "es-read: --format stored-event names the fields originator_id and originator_version" {
	given_items <<<"$(ev a 0 x#A '{"k":1}'; ev a 1)"
	run -0 --separate-stderr es-read --format stored-event a
	assert_output '{"originator_id":"a","originator_version":0,"topic":"x#A","state":{"k":1}}
{"originator_id":"a","originator_version":1,"topic":"bank#Event","state":{}}'
	run -0 --separate-stderr es-read --format=stored-event --with-notification --at 1 a
	assert_output '{"originator_id":"a","originator_version":1,"topic":"bank#Event","state":{},"pipeline_id":0,"notification_id":2}'
}

@test "es-read: --app reads one application's sequences only" {
	given_items <<<"$(ev a 0 x#Main)"
	given_items --app other <<<"$(ev a 0 x#Other; ev b 0 x#Other)"
	run -0 es-read a b
	assert_output "$(ev a 0 x#Main)"
	run -0 es-read -a other a b
	assert_output "$(ev a 0 x#Other; ev b 0 x#Other)"
	run -0 es-read --app other --sequences
	assert_output "a
b"
}

# ---------------------------------------------------------------------------
# --timestamp
# ---------------------------------------------------------------------------

@test "es-read: --timestamp reads the timestamp-sequenced items with bounds in seconds" {
	given_items --timestamp <<<"$(ev t 1.5; ev t 2; ev t 2.000001; ev t 10.25)"
	run -0 --separate-stderr es-read --timestamp t
	assert_output "$(ev t 1.500000; ev t 2.000000; ev t 2.000001; ev t 10.250000)"
	run -0 es-read --timestamp --gt 2 t
	assert_output "$(ev t 2.000001; ev t 10.250000)"
	run -0 es-read --timestamp --gte 1.5 --lt 2.000001 t
	assert_output "$(ev t 1.500000; ev t 2.000000)"
	run -0 es-read --timestamp --at 10.25 t
	assert_output "$(ev t 10.250000)"
	run -0 es-read --timestamp --latest --lt 10 t
	assert_output "$(ev t 2.000001)"
	run -0 es-read --timestamp --desc --limit 1 t
	assert_output "$(ev t 10.250000)"
	run -1 --separate-stderr es-read --timestamp --at 3 t
	assert_output ""
	run -0 es-read --timestamp --sequences
	assert_output "t"
	run -0 es-read t
	assert_output ""
}

# ---------------------------------------------------------------------------
# Options that contradict each other: exit 64, no store touched
# ---------------------------------------------------------------------------

@test "es-read: --at with a range, order or limit option is a usage error" {
	assert_usage_error es-read --at 1 --gt 0 a
	assert_usage_error es-read --at 1 --gte 0 a
	assert_usage_error es-read --at 1 --lt 3 a
	assert_usage_error es-read --at 1 --lte 3 a
	assert_usage_error es-read --at 1 --desc a
	assert_usage_error es-read --at 1 --limit 1 a
	assert_usage_error es-read --at 1 --last 1 a
}

@test "es-read: --limit with --last is a usage error" {
	assert_usage_error es-read --limit 1 --last 1 a
}

@test "es-read: --latest with --desc, --limit or --last is a usage error" {
	assert_usage_error es-read --latest --desc a
	assert_usage_error es-read --latest --limit 1 a
	assert_usage_error es-read --latest --last 1 a
}

@test "es-read: --sequences with sequence ids or bounds is a usage error" {
	assert_usage_error es-read --sequences a
	assert_usage_error es-read --sequences --gt 0
	assert_usage_error es-read --sequences --lte 3
	assert_usage_error es-read --sequences --gte 0 --lt 9
}

@test "es-read: a usage error leaves an existing store untouched" {
	given_a04
	local before
	before=$(md5sum <"$ES_STORE")
	assert_usage_error es-read --at 1 --desc a
	assert_usage_error es-read --latest --last 1 a
	assert_equal "$(md5sum <"$ES_STORE")" "$before"
	run -0 es-read a
	assert_output "$(evs a 0 4)"
}

# ---------------------------------------------------------------------------
# Command line, output errors, streaming
# ---------------------------------------------------------------------------

@test "es-read: -h and --help print the usage on stdout and exit 0" {
	run -0 --separate-stderr es-read -h
	[[ ${lines[0]} == "Usage: es-read"* ]] || fail "usage does not start with 'Usage: es-read': ${lines[0]}"
	run -0 --separate-stderr es-read --help
	[[ ${lines[0]} == "Usage: es-read"* ]] || fail "usage does not start with 'Usage: es-read': ${lines[0]}"
}

@test "es-read: -V and --version print the version on stdout and exit 0" {
	run -0 --separate-stderr es-read -V
	assert_output --regexp '^es-read \(es\) [0-9]'
	run -0 --separate-stderr es-read --version
	assert_output --regexp '^es-read \(es\) [0-9]'
}

@test "es-read: an unknown option is a usage error" {
	assert_usage_error es-read --frobnicate a
	assert_usage_error es-read -Z a
	assert_usage_error es-read --format yaml a
	assert_usage_error es-read --limit
}

@test "es-read: a write error on stdout is exit 74" {
	given_a04
	run -74 --separate-stderr to_full es-read a
	[[ $stderr == es-read:* ]] || fail "no es-read: message on stderr: $stderr"
	run -74 --separate-stderr to_full es-read --sequences
}

@test "es-read: es-read | head -1 on 10,000 items ends quietly" {
	given_items < <(evs big 0 9999)
	run -0 --separate-stderr bash -c 'es-read big | head -1; echo "status=${PIPESTATUS[0]}"'
	assert_equal "${lines[0]}" "$(evs big 0 0)"
	[[ ${lines[1]} == status=0 || ${lines[1]} == status=141 ]] ||
		fail "es-read exited ${lines[1]#status=}, expected 0 or 141"
	assert_equal "${#lines[@]}" 2
	assert_equal "$stderr" ""
}

@test "es-read: a 100,000-item sequence is streamed in full" {
	seq 0 99999 | awk '{ printf "{\"sequence_id\":\"big\",\"position\":%d,\"topic\":\"t#E\",\"state\":{\"n\":%d}}\n", $1, $1 }' >in.jsonl
	given_items <in.jsonl
	es-read big >out.jsonl
	cmp in.jsonl out.jsonl
	run -0 bash -c 'es-read --desc big | wc -l'
	assert_output 100000
	run -0 es-read --last 1 big
	assert_output '{"sequence_id":"big","position":99999,"topic":"t#E","state":{"n":99999}}'
	run -0 es-read --desc --limit 1 --lt 50000 big
	assert_output '{"sequence_id":"big","position":49999,"topic":"t#E","state":{"n":49999}}'
}

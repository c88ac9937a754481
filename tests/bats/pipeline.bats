#!/usr/bin/env bats
# pipeline.bats: the exactly-once pipeline of SPEC §2, §3.1 and §3.3, end to end:
#
#   es-notify -s up.lmdb --after "$(es-notify -s down.lmdb --tracked up)" |
#       POLICY | es-append -s down.lmdb --each
#
# POLICY is a jq program turning each notification of the upstream
# application "up" into an envelope: one result in the downstream sequence
# "results", and the tracking record of that notification.

load helper

teardown() {
	bg_cleanup
}

# shellcheck disable=SC2016
POLICY='{items: [{sequence_id: "results", topic: "down#Counted",
	state: {from: .notification_id, seq: .sequence_id, amount: .state.amount}}],
  tracking: {application_name, pipeline_id, notification_id}}'

# deposits SEQ FROM TO: upstream events of SEQ at positions FROM..TO, each
# with the amount 10 * its position.
deposits() {
	awk -v s="$1" -v a="$2" -v b="$3" 'BEGIN {
		for (i = a; i <= b; i++)
			printf "{\"sequence_id\":\"%s\",\"position\":%d,\"topic\":\"bank#Deposited\",\"state\":{\"amount\":%d}}\n", s, i, 10 * i
	}'
}

# upstream ITEMS...: append to the upstream store, in one transaction.
upstream() {
	es-append -s up.lmdb "$@" || fail "setup: es-append -s up.lmdb exited $?"
}

# results FROM TO: what the downstream sequence "results" should hold after
# the upstream notifications FROM..TO were processed in order, when the
# upstream got `deposits acct-1 0 9` then `deposits acct-2 0 9` (ids 1..20).
results() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		for (n = a; n <= b; n++) {
			seq = n <= 10 ? "acct-1" : "acct-2"
			pos = n <= 10 ? n - 1 : n - 11
			printf "{\"sequence_id\":\"results\",\"position\":%d,\"topic\":\"down#Counted\",\"state\":{\"from\":%d,\"seq\":\"%s\",\"amount\":%d}}\n", n - a, n, seq, 10 * pos
		}
	}'
}

# pipeline [AFTER]: one run of the pipeline, from AFTER (default: what the
# downstream has tracked, asked before the pipeline starts; the last test runs
# the command line as written above).  Its status is es-append's, or 99 with a
# message if es-notify or jq failed.
pipeline() {
	local after st
	if (($#)); then
		after=$1
	else
		after=$(es-notify -s down.lmdb --tracked up) || return 98
	fi
	es-notify -s up.lmdb --after "$after" | jq -c "$POLICY" | es-append -s down.lmdb --each
	st=("${PIPESTATUS[@]}")
	if ((st[0] || st[1])); then
		echo "pipeline: es-notify exited ${st[0]}, jq ${st[1]}" >&2
		return 99
	fi
	return "${st[2]}"
}

# assert_downstream FROM TO: the downstream holds exactly the results of the
# upstream notifications FROM..TO, in order, and has tracked up to TO.
assert_downstream() {
	run -0 --separate-stderr es-read -s down.lmdb --sequences
	assert_output results
	run -0 --separate-stderr es-read -s down.lmdb results
	assert_output "$(results "$1" "$2")"
	run -0 --separate-stderr es-notify -s down.lmdb --tracked up
	assert_output "$2"
	run -0 --separate-stderr es-notify -s down.lmdb --last-id
	assert_output "$(($2 - $1 + 1))"
}

@test "pipeline: the first run processes every upstream notification, in order" {
	upstream < <(deposits acct-1 0 9)
	upstream < <(deposits acct-2 0 9)
	run -0 --separate-stderr es-notify -s down.lmdb --tracked up
	assert_output 0
	[[ ! -e down.lmdb ]] || fail "es-notify --tracked created the downstream store"
	run -0 --separate-stderr pipeline
	assert_output ""
	assert_equal "$stderr" ""
	assert_downstream 1 20
	run -0 es-notify -s up.lmdb --last-id
	assert_output 20
}

@test "pipeline: a second run processes nothing, writes nothing and exits 0" {
	upstream < <(deposits acct-1 0 9)
	upstream < <(deposits acct-2 0 9)
	run -0 --separate-stderr pipeline
	run -0 --separate-stderr pipeline
	assert_output ""
	assert_equal "$stderr" ""
	assert_downstream 1 20
}

@test "pipeline: a replay of tracked notifications skips every unit with a note, exits 0 and writes nothing" {
	upstream < <(deposits acct-1 0 9)
	upstream < <(deposits acct-2 0 9)
	run -0 --separate-stderr pipeline
	run -0 --separate-stderr pipeline 0
	assert_output ""
	[[ -n $stderr ]] || fail "no note on stderr about the skipped units"
	local line
	for line in "${stderr_lines[@]}"; do
		[[ $line == "es-append: "* ]] || fail "a note without the es-append: prefix: $line"
	done
	assert_downstream 1 20
	# a replay of part of the log: the same
	run -0 --separate-stderr pipeline 15
	[[ -n $stderr ]] || fail "no note on stderr about the skipped units"
	assert_downstream 1 20
}

@test "pipeline: after more upstream events a run processes only the new ones" {
	upstream < <(deposits acct-1 0 9)
	run -0 --separate-stderr pipeline
	assert_downstream 1 10
	upstream < <(deposits acct-2 0 4)
	upstream -p 1 < <(deposits other 0 2)	# another pipeline: not this one's
	upstream < <(deposits acct-2 5 9)
	run -0 --separate-stderr pipeline
	assert_equal "$stderr" ""
	run -0 --separate-stderr pipeline
	assert_equal "$stderr" ""
	assert_downstream 1 20
	assert_equal "$(es-notify -s down.lmdb --tracked up)" "$(es-notify -s up.lmdb --last-id)"
}

@test "pipeline: a run stopped part-way resumes where it stopped" {
	upstream < <(deposits acct-1 0 9)
	upstream < <(deposits acct-2 0 9)
	# the first run dies after 7 notifications
	es-notify -s up.lmdb --limit 7 | jq -c "$POLICY" | es-append -s down.lmdb --each
	assert_downstream 1 7
	run -0 --separate-stderr pipeline
	assert_equal "$stderr" ""
	assert_downstream 1 20
}

@test "pipeline: three runs at once still process each notification once, in order" {
	upstream < <(deposits acct-1 0 299)
	local r pids=() st=()
	for r in 1 2 3; do
		pipeline 0 2>"err$r" &
		pids+=($!)
	done
	for r in 0 1 2; do
		st[r]=0
		wait "${pids[r]}" || st[r]=$?
	done
	assert_equal "${st[*]}" "0 0 0"
	# results 0..299 hold notifications 1..300, once each, in order
	run -0 --separate-stderr bash -c "es-read -s down.lmdb results | jq -r '[.position, .state.from] | @tsv'"
	assert_output "$(seq 0 299 | awk '{ print $1 "\t" $1 + 1 }')"
	run -0 es-notify -s down.lmdb --tracked up
	assert_output 300
	# between them, the runs skipped each notification twice
	assert_equal "$(cat err1 err2 err3 | grep -c '^es-append: ')" 600
}

@test "pipeline: a following pipeline processes upstream events as they come" {
	upstream < <(deposits acct-1 0 2)
	local after
	after=$(es-notify -s down.lmdb --tracked up)
	# shellcheck disable=SC2016
	bg_start p bash -c 'es-notify -s up.lmdb --follow --after "$2" |
		jq --unbuffered -c "$1" | es-append -s down.lmdb --each' _ "$POLICY" "$after"
	tracked_is() { [[ $(es-notify -s down.lmdb --tracked up 2>/dev/null) == "$1" ]]; }
	wait_until 10 tracked_is 3 || fail "the pipeline did not process notifications 1..3"
	upstream < <(deposits acct-1 3 9)
	wait_until 10 tracked_is 10 || fail "the pipeline did not process notifications 4..10"
	upstream < <(deposits acct-2 0 9)
	wait_until 10 tracked_is 20 || fail "the pipeline did not process notifications 11..20"
	bg_running p || fail "the pipeline ended: $(cat p.err)"
	assert_downstream 1 20
	assert_equal "$(cat p.err)" ""
}

@test "pipeline: the first run works as one command line, while es-append creates the downstream store" {
	# The command substitution runs while es-append, started at the same
	# time, creates down.lmdb: --tracked must answer 0 then, not fail.
	if grep -qs es_model "$ES_BIN_DIR/es-notify"; then
		skip "the reference model can see its store half-created here"
	fi
	upstream < <(deposits acct-1 0 9)
	upstream < <(deposits acct-2 0 9)
	local i
	for i in {1..20}; do
		rm -f down.lmdb down.lmdb-lock
		es-notify -s up.lmdb --after "$(es-notify -s down.lmdb --tracked up)" |
			jq -c "$POLICY" | es-append -s down.lmdb --each ||
			fail "run $i: es-append exited $?"
		assert_downstream 1 20
	done
}

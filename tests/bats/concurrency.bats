#!/usr/bin/env bats
# concurrency.bats: many es-append processes at once on one store (SPEC §1, §6).
#
# ES_CONC_RUNS (default 2000) is the number of es-append runs per writer.

load helper

RUNS=${ES_CONC_RUNS:-2000}
NSEQ=8 # sequences e0..e7 (explicit positions) and s0..s7 (positions left out)

# writer W RUNS: RUNS single-item es-append runs, recording for each run a
# line "KIND STATUS" in status.W, its acks in acks.W and its messages in err.W.
# Even runs (KIND E) follow one schedule of explicit positions on sequences
# e0..e7, the same for every writer: the writers race for each (sequence,
# position), one attempt wins and the three others conflict.  Odd runs (KIND O)
# leave the position out, on sequences s0..s7 shared by all writers: they never
# conflict.
writer() {
	local w=$1 runs=$2 r k line rc
	for ((r = 0; r < runs; r++)); do
		k=$((r / 2))
		if ((r % 2 == 0)); then
			line="{\"sequence_id\":\"e$((k % NSEQ))\",\"position\":$((k / NSEQ)),\"topic\":\"t#E\",\"state\":{\"w\":$w,\"r\":$r}}"
		else
			line="{\"sequence_id\":\"s$(((k + w) % NSEQ))\",\"topic\":\"t#O\",\"state\":{\"w\":$w,\"r\":$r}}"
		fi
		rc=0
		es-append --ack <<<"$line" >>"acks.$w" 2>>"err.$w" || rc=$?
		if ((r % 2 == 0)); then
			echo "E $rc"
		else
			echo "O $rc"
		fi >>"status.$w"
	done
}

@test "concurrency: 4 writers on shared sequences store every position once with contiguous notification ids" {
	local w n pids=() total=0 ewins=0 econflicts=0 ok conflicts
	local half=$(((RUNS + 1) / 2)) # E runs per writer
	for w in 1 2 3 4; do
		writer $w "$RUNS" &
		pids+=($!)
	done
	for n in "${pids[@]}"; do
		wait "$n"
	done

	# each writer: every run accounted for, successes + conflicts = runs
	for w in 1 2 3 4; do
		assert_equal "$(wc -l <status.$w)" "$RUNS"
		run grep -cv -e '^E 0$' -e '^E 3$' -e '^O 0$' status.$w
		assert_output 0 # only E runs may conflict, O runs always succeed
		ok=$(grep -c ' 0$' status.$w || true)
		conflicts=$(grep -c ' 3$' status.$w || true)
		assert_equal "$((ok + conflicts))" "$RUNS"
		# one ack line per success, one "conflict" message per conflict
		assert_equal "$(wc -l <acks.$w)" "$ok"
		assert_equal "$(grep -c 'conflict' err.$w || true)" "$conflicts"
		assert_equal "$(wc -l <err.$w)" "$conflicts"
		total=$((total + ok))
		ewins=$((ewins + $(grep -c '^E 0$' status.$w || true)))
		econflicts=$((econflicts + conflicts))
	done
	# each explicit (sequence, position) was won by exactly one writer
	assert_equal "$ewins" "$half"
	assert_equal "$econflicts" "$((3 * half))"

	# every (sequence, position) once, positions 0..k-1 with no gap
	local stored=0 s k
	run -0 es-read --sequences
	assert_equal "${#lines[@]}" "$((2 * NSEQ))"
	for s in "${lines[@]}"; do
		es-read "$s" >"seq.$s"
		k=$(wc -l <"seq.$s")
		run positions "$s"
		assert_output "$(seq 0 $((k - 1)) | paste -sd' ' -)"
		stored=$((stored + k))
	done
	assert_equal "$stored" "$total"
	assert_equal "$(cat seq.e* | wc -l)" "$half"

	# notification ids 1..total, each once
	all_items --with-notification >all.jsonl
	assert_equal "$(wc -l <all.jsonl)" "$total"
	nids <all.jsonl | sort -n >ids
	seq 1 "$total" >expected-ids
	cmp ids expected-ids

	# every acknowledged write is stored, with the acknowledged notification id
	sed -E 's/,"topic":.*,"pipeline_id":0,/,/' all.jsonl | sort >stored-acks
	cat acks.1 acks.2 acks.3 acks.4 | sort >acks
	cmp stored-acks acks
}

# app_writer W APP PIPELINE RUNS: RUNS es-append runs, each a batch of two
# items at the end of a sequence shared by all writers of APP.
app_writer() {
	local w=$1 app=$2 pipe=$3 runs=$4 r s line
	for ((r = 0; r < runs; r++)); do
		s="x$((r % 3))"
		line="[{\"sequence_id\":\"$s\",\"topic\":\"t#A\",\"state\":{\"w\":$w,\"r\":$r}},{\"sequence_id\":\"$s\",\"topic\":\"t#B\",\"state\":{\"w\":$w,\"r\":$r}}]"
		es-append --app "$app" -p "$pipe" --ack <<<"$line" >>"acks.$w" 2>>"err.$w" || echo "run $r: exit $?" >>"fail.$w"
	done
}

@test "concurrency: interleaved writers to two applications and pipelines keep each log contiguous" {
	local m=$((RUNS / 4)) w pids=() n
	((m >= 1)) || m=1
	given_items --app A <<<"$(ev init 0)" # A's notification log, pipeline 0: id 1
	app_writer 1 A 0 "$m" &
	pids+=($!)
	app_writer 2 A 0 "$m" &
	pids+=($!)
	app_writer 3 A 1 "$m" &
	pids+=($!)
	app_writer 4 B 0 "$m" &
	pids+=($!)
	for n in "${pids[@]}"; do
		wait "$n"
	done
	for w in 1 2 3 4; do
		[[ ! -s fail.$w ]] || fail "writer $w: $(head -3 fail.$w)"
		assert_equal "$(wc -l <acks.$w)" "$((2 * m))"
		# the two items of a batch have consecutive notification ids
		run awk -F'"notification_id":' 'NR % 2 == 1 { a = $2 + 0; next } { if ($2 + 0 != a + 1) { print NR ": " $0; exit 1 } }' acks.$w
		assert_success
	done

	ES_APP=A all_items --with-notification >A.jsonl
	ES_APP=B all_items --with-notification >B.jsonl
	assert_equal "$(wc -l <A.jsonl)" "$((6 * m + 1))"
	assert_equal "$(wc -l <B.jsonl)" "$((2 * m))"
	grep '"pipeline_id":0,' A.jsonl | nids | sort -n >A0
	grep '"pipeline_id":1,' A.jsonl | nids | sort -n >A1
	grep '"pipeline_id":0,' B.jsonl | nids | sort -n >B0
	seq 1 $((4 * m + 1)) | cmp - A0
	seq 1 $((2 * m)) | cmp - A1
	seq 1 $((2 * m)) | cmp - B0

	# each application's sequences: positions 0..k-1, no gap or duplicate
	local s k app
	for app in A B; do
		for s in x0 x1 x2; do
			k=$(es-read --app $app $s | wc -l)
			run positions $s --app $app
			assert_output "$(seq 0 $((k - 1)) | paste -sd' ' -)"
		done
	done
}

#!/usr/bin/env bats
# readme.bats: the pipelines in README.md work when pasted, in order, in an
# empty directory (the first block is the set-up, which this suite skips).

load helper

@test "readme: every pipeline of README.md runs and exits 0" {
	unset ES_STORE
	awk '/^```sh$/ { n++; inside = 1; next }
	     /^```$/ { inside = 0; next }
	     inside && n > 1' "$BATS_TEST_DIRNAME/../../README.md" >readme.sh
	[[ -s readme.sh ]] || fail "no pipelines found in README.md"
	run -0 --separate-stderr bash -e readme.sh
	assert_output --partial '"sequence_id":"ledger-acct-1","position":1'
	assert_output --partial '{"ok":true'
}

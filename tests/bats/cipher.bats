#!/usr/bin/env bats
# cipher.bats: encryption of states at rest (SPEC §5, contract.md §4).

load helper

KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=	# bytes 00..1f
OTHER=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=	# bytes 01..20
CIPHER="$BATS_TEST_DIRNAME/../data/aescipher.py"

secret() {
	printf '{"sequence_id":"p-%s","topic":"person#Named","state":{"name":"Zebulon-%s","n":%s}}\n' "$1" "$1" "$1"
}

@test "cipher: with a key, states are stored encrypted and read back in clear" {
	export ES_CIPHER_KEY=$KEY
	given_items < <(secret 1; secret 2)
	run -0 --separate-stderr es-read p-1
	assert_output '{"sequence_id":"p-1","position":0,"topic":"person#Named","state":{"name":"Zebulon-1","n":1}}'
	# the raw store file holds no plaintext state bytes, but ids and topics
	run grep -c Zebulon "$ES_STORE"
	assert_output 0
	run grep -c 'person#Named' "$ES_STORE"
	refute_output 0
}

@test "cipher: without the key, --verbatim shows base64 and a plain read fails 65" {
	ES_CIPHER_KEY=$KEY given_items < <(secret 1)
	run -0 --separate-stderr es-read --verbatim p-1
	[[ $(jq -r .state <<<"$output") =~ ^[A-Za-z0-9+/]+=*$ ]] || fail "not base64: $output"
	run -65 --separate-stderr es-read p-1
	assert_output ""
	assert_message es-read "p-1" "position 0"
}

@test "cipher: the wrong key is exit 65 with cannot decrypt, nothing printed" {
	ES_CIPHER_KEY=$KEY given_items < <(secret 1)
	ES_CIPHER_KEY=$OTHER run -65 --separate-stderr es-read p-1
	assert_output ""
	assert_message es-read "cannot decrypt" "p-1" "position 0"
	ES_CIPHER_KEY=$OTHER run -65 --separate-stderr es-notify
	assert_output ""
	assert_message es-notify "cannot decrypt"
}

@test "cipher: a damaged ciphertext is exit 65 with cannot decrypt" {
	ES_CIPHER_KEY=$KEY given_items < <(secret 1)
	es-read --verbatim p-1 | jq -c '.state |= (.[0:20] + "AAAA" + .[24:])' |
		es-append --verbatim -s copy.lmdb
	ES_CIPHER_KEY=$KEY run -65 --separate-stderr es-read -s copy.lmdb p-1
	assert_message es-read "cannot decrypt"
	es-read --verbatim p-1 | jq -c '.state |= .[0:30]' | es-append --verbatim -s cut.lmdb
	ES_CIPHER_KEY=$KEY run -65 --separate-stderr es-read -s cut.lmdb p-1
	assert_message es-read "cannot decrypt"
}

@test "cipher: --key-file works like ES_CIPHER_KEY and never shows the key" {
	printf '%s\n' "$KEY" >key
	given_items --key-file key < <(secret 1)
	ES_CIPHER_KEY=$KEY run -0 es-read p-1
	assert_output --partial Zebulon-1
	run -0 es-read --key-file key p-1
	assert_output --partial Zebulon-1
	run -65 --separate-stderr es-read p-1
}

@test "cipher: a key that is not base64 of 16, 24 or 32 bytes is a usage error" {
	ES_CIPHER_KEY=not-base64! assert_usage_error es-append </dev/null
	ES_CIPHER_KEY=$(head -c 20 /dev/zero | base64) assert_usage_error es-append </dev/null
	assert_usage_error es-append --key-file /nonexistent </dev/null
	: >empty
	assert_usage_error es-read --key-file empty p-1
	for n in 16 24 32; do
		ES_CIPHER_KEY=$(head -c $n /dev/urandom | base64) run -0 es-append -s k$n.lmdb < <(secret $n)
	done
}

@test "cipher: es encrypts what an independent AESCipher decrypts" {
	export ES_CIPHER_KEY=$KEY
	given_items < <(secret 1; secret 2; secret 3)
	es-read --verbatim p-1 p-2 p-3 | jq -r .state >ct.txt
	run -0 "$CIPHER" decrypt <ct.txt
	assert_output "$(printf '%s\n' '{"name":"Zebulon-1","n":1}' '{"name":"Zebulon-2","n":2}' '{"name":"Zebulon-3","n":3}')"
}

@test "cipher: es decrypts what an independent AESCipher encrypts (imported with --verbatim)" {
	export ES_CIPHER_KEY=$KEY
	printf '%s\n' '{"a":1}' '{"b":[true,null,"é"]}' | "$CIPHER" encrypt >ct.txt
	jq -Rc '{sequence_id: "py", topic: "py#Made", state: .}' ct.txt | es-append --verbatim
	run -0 --separate-stderr es-read py
	assert_output "$(printf '%s\n' '{"sequence_id":"py","position":0,"topic":"py#Made","state":{"a":1}}' \
		'{"sequence_id":"py","position":1,"topic":"py#Made","state":{"b":[true,null,"é"]}}')"
}

@test "cipher: the seed's test vector decrypts to {\"a\":1}" {
	# contract.md §4.3, AES-256, key 00..1f, nonce 00..0b
	printf '%s\n' '{"sequence_id":"v","topic":"t","state":"AAECAwQFBgcICQoLlA9br7Ybc6TmiMzWa/JsJj+efU2PsXApIUSXg5vrcQ=="}' |
		es-append --verbatim
	ES_CIPHER_KEY=$KEY run -0 es-read v
	assert_output '{"sequence_id":"v","position":0,"topic":"t","state":{"a":1}}'
}

@test "cipher: --verbatim copies an encrypted store without the key" {
	ES_CIPHER_KEY=$KEY given_items < <(secret 1; secret 2)
	es-read --verbatim p-1 p-2 | es-append --verbatim -s copy.lmdb
	ES_CIPHER_KEY=$KEY run -0 es-read -s copy.lmdb p-2
	assert_output '{"sequence_id":"p-2","position":0,"topic":"person#Named","state":{"name":"Zebulon-2","n":2}}'
}

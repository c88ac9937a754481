#!/usr/bin/python3
"""aescipher.py: an independent implementation of the seed's AESCipher
(eventsourcing v7 utils/cipher/aes.py, contract.md §4) with pycryptodome,
to check es's ciphertexts both ways.

Usage: aescipher.py encrypt|decrypt   (key: base64 in ES_CIPHER_KEY;
text on stdin, one per line; results on stdout, one per line)
"""
import base64
import os
import sys
import zlib

from Cryptodome.Cipher import AES


def encrypt(key, text):
    c = AES.new(key, AES.MODE_GCM, nonce=os.urandom(12))
    ct, tag = c.encrypt_and_digest(zlib.compress(text.encode("utf8")))
    return base64.b64encode(c.nonce + tag + ct).decode("ascii")


def decrypt(key, text):
    raw = base64.b64decode(text)
    c = AES.new(key, AES.MODE_GCM, nonce=raw[:12])
    return zlib.decompress(c.decrypt_and_verify(raw[28:], raw[12:28])).decode("utf8")


def main():
    key = base64.b64decode(os.environ["ES_CIPHER_KEY"])
    op = encrypt if sys.argv[1] == "encrypt" else decrypt
    for line in sys.stdin:
        print(op(key, line.rstrip("\n")))


if __name__ == "__main__":
    main()

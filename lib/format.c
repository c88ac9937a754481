/* format.c: the output codec: items and acks as JSON lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es.h"

static int
hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

size_t
es_uuid_canon(const char *s, size_t n, char out[37])
{
	size_t	 i, k = 0;

	if (n != 36 && n != 32)
		return 0;
	for (i = 0; i < n; i++) {
		if (n == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i] != '-')
				return 0;
			continue;
		}
		if (!hexdigit(s[i]))
			return 0;
		if (k == 8 || k == 13 || k == 18 || k == 23)
			out[k++] = '-';
		out[k++] = (char)(s[i] | 0x20);	/* lower case */
	}
	out[36] = '\0';
	return 36;
}

/* Append the opening of an item line up to the topic's value. */
static int
fmt_head(es_buf *out, const es_item *it, unsigned flags)
{
	int rc;

	if (flags & ES_OUT_STORED_EVENT)
		rc = ES_BUF_LIT(out, "{\"originator_id\":");
	else
		rc = ES_BUF_LIT(out, "{\"sequence_id\":");
	rc |= es_json_add_string(out, it->seq, it->seq_len);
	if (flags & ES_OUT_STORED_EVENT)
		rc |= ES_BUF_LIT(out, ",\"originator_version\":");
	else
		rc |= ES_BUF_LIT(out, ",\"position\":");
	if (flags & ES_OUT_TIMESTAMP)
		rc |= es_buf_add_us(out, it->pos);
	else
		rc |= es_buf_add_i64(out, it->pos);
	return rc ? ES_ENOMEM : 0;
}

/* "cannot VERB state of sequence S position P: what" into err. */
static void
name_item(const es_item *it, unsigned flags, char *err, size_t errsize,
    const char *verb, const char *what)
{
	es_buf	 pos = { 0 };

	if (flags & ES_OUT_TIMESTAMP)
		es_buf_add_us(&pos, it->pos);
	else
		es_buf_add_i64(&pos, it->pos);
	snprintf(err, errsize, "cannot %s state of sequence %.*s "
	    "position %.*s: %s", verb, (int)it->seq_len, it->seq,
	    (int)pos.len, pos.p ? pos.p : "?", what);
	es_buf_free(&pos);
}

/* Does text look like the seed's ciphertext (for a hint)? */
static int
looks_encrypted(const char *s, size_t n)
{
	size_t i;

	if (n < 40 || n % 4 != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '+' || s[i] == '/' || (s[i] == '=' && i >= n - 2)))
			return 0;
	return 1;
}

int
es_item_state(const es_item *it, es_out *o, const char **text, size_t *n)
{
	const char	*why;
	char		 what[128];
	int		 rc;

	*text = it->state, *n = it->state_len;
	if (o->cipher == NULL || (o->flags & ES_OUT_VERBATIM))
		return 0;
	o->plain.len = 0;
	if ((rc = es_cipher_decrypt(o->cipher, it->state, it->state_len,
	    &o->plain, &why)) != 0) {
		snprintf(what, sizeof(what), "cipher text is damaged: %s", why);
		name_item(it, o->flags, o->err, sizeof(o->err), "decrypt", what);
		return rc;
	}
	*text = o->plain.p, *n = o->plain.len;
	return 0;
}

/* Append the state: as stored if canonical, else checked and made so;
 * decrypted first with a key. */
static int
fmt_state(es_buf *out, const es_item *it, es_out *o)
{
	const char	*text;
	size_t		 n, mark = out->len;
	es_json_err	 jerr;
	int		 rc;

	if ((rc = es_item_state(it, o, &text, &n)) != 0)
		return rc;
	/* A state es wrote as canonical JSON was checked on the way in. */
	if (o->cipher == NULL && !(o->flags & ES_OUT_VERBATIM) &&
	    (it->flags & ES_ITEM_STATE_JSON))
		return es_buf_add(out, text, n);
	if (es_utf8_check(text, n) != n) {
		name_item(it, o->flags, o->err, sizeof(o->err), o->cipher &&
		    !(o->flags & ES_OUT_VERBATIM) ? "decrypt" : "decode",
		    "not UTF-8");
		return ES_EDATA;
	}
	if (o->flags & ES_OUT_VERBATIM)
		return es_json_add_string(out, text, n);
	rc = es_json_canon(out, text, n, &jerr);
	if (rc == ES_EDATA || (rc == 0 && jerr.surrogate)) {
		out->len = mark;
		name_item(it, o->flags, o->err, sizeof(o->err), "decode",
		    o->cipher == NULL && looks_encrypted(text, n) ?
		    "not JSON (encrypted? give the key with ES_CIPHER_KEY or "
		    "--key-file)" : "not JSON");
		return ES_EDATA;
	}
	return rc;
}

int
es_fmt_item(es_buf *out, const es_item *it, es_out *o)
{
	unsigned flags = o->flags;
	int	 rc;

	if ((rc = fmt_head(out, it, flags)) != 0)
		return rc;
	rc = ES_BUF_LIT(out, ",\"topic\":");
	rc |= es_json_add_string(out, it->topic, it->topic_len);
	rc |= ES_BUF_LIT(out, ",\"state\":");
	if (rc != 0)
		return ES_ENOMEM;
	if ((rc = fmt_state(out, it, o)) != 0)
		return rc;
	if (it->flags & ES_ITEM_CAUSAL) {
		rc |= ES_BUF_LIT(out, ",\"causal_dependencies\":");
		rc |= es_buf_add(out, it->causal, it->causal_len);
	}
	if (flags & ES_OUT_APPLICATION) {
		rc |= ES_BUF_LIT(out, ",\"application_name\":");
		rc |= es_json_add_string(out, o->app, strlen(o->app));
	}
	if (flags & (ES_OUT_NOTIFICATION | ES_OUT_APPLICATION)) {
		rc |= ES_BUF_LIT(out, ",\"pipeline_id\":");
		rc |= es_buf_add_i64(out, it->pipeline);
		rc |= ES_BUF_LIT(out, ",\"notification_id\":");
		rc |= es_buf_add_i64(out, (int64_t)it->nid);
	}
	rc |= es_buf_addc(out, '}');
	return rc ? ES_ENOMEM : 0;
}

int
es_fmt_ack(es_buf *out, const es_item *it, unsigned flags)
{
	int	 rc;

	rc = fmt_head(out, it, flags);
	rc |= es_buf_adds(out, ",\"notification_id\":");
	if (it->nid == 0)
		rc |= es_buf_adds(out, "null");
	else
		rc |= es_buf_add_i64(out, (int64_t)it->nid);
	rc |= es_buf_addc(out, '}');
	return rc ? ES_ENOMEM : 0;
}

int
es_unit_seal(es_unit *u, es_cipher *c, es_buf *buf)
{
	size_t	 i, off[64], *offs = off;
	int	 rc = 0;

	if (u->n_items > 64 && (offs = malloc(u->n_items * sizeof(*offs))) ==
	    NULL)
		return ES_ENOMEM;
	buf->len = 0;
	for (i = 0; i < u->n_items && rc == 0; i++) {
		es_item *it = &u->items[i];

		offs[i] = buf->len;
		if (it->flags & ES_ITEM_STATE_JSON)
			rc = es_cipher_encrypt(c, it->state, it->state_len, buf);
	}
	for (i = 0; i < u->n_items && rc == 0; i++) {
		es_item *it = &u->items[i];

		if (!(it->flags & ES_ITEM_STATE_JSON))
			continue;
		it->state = buf->p + offs[i];
		it->state_len = (i + 1 < u->n_items ? offs[i + 1] : buf->len) -
		    offs[i];
		it->flags &= ~ES_ITEM_STATE_JSON;
	}
	if (offs != off)
		free(offs);
	return rc;
}

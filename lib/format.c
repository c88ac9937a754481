/* format.c: the output codec: items and acks as JSON lines. */
#include <stdio.h>
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

	rc = es_buf_adds(out, flags & ES_OUT_STORED_EVENT ?
	    "{\"originator_id\":" : "{\"sequence_id\":");
	rc |= es_json_add_string(out, it->seq, it->seq_len);
	rc |= es_buf_adds(out, flags & ES_OUT_STORED_EVENT ?
	    ",\"originator_version\":" : ",\"position\":");
	if (flags & ES_OUT_TIMESTAMP)
		rc |= es_buf_add_us(out, it->pos);
	else
		rc |= es_buf_add_i64(out, it->pos);
	return rc ? ES_ENOMEM : 0;
}

static void
name_item(const es_item *it, unsigned flags, char *err, size_t errsize,
    const char *what)
{
	es_buf	 pos = { 0 };

	if (flags & ES_OUT_TIMESTAMP)
		es_buf_add_us(&pos, it->pos);
	else
		es_buf_add_i64(&pos, it->pos);
	snprintf(err, errsize, "cannot decode state of sequence %.*s "
	    "position %.*s: %s", (int)it->seq_len, it->seq, (int)pos.len,
	    pos.p ? pos.p : "?", what);
	es_buf_free(&pos);
}

/* Append the state: as stored if canonical, else checked and made so. */
static int
fmt_state(es_buf *out, const es_item *it, unsigned flags, char *err,
    size_t errsize)
{
	es_json_err	 jerr;
	size_t		 mark = out->len;
	int		 rc;

	if (es_utf8_check(it->state, it->state_len) != it->state_len) {
		name_item(it, flags, err, errsize, "not UTF-8");
		return ES_EDATA;
	}
	if (flags & ES_OUT_VERBATIM)
		return es_json_add_string(out, it->state, it->state_len);
	if (it->flags & ES_ITEM_STATE_JSON)
		return es_buf_add(out, it->state, it->state_len);
	rc = es_json_canon(out, it->state, it->state_len, &jerr);
	if (rc == ES_EDATA || (rc == 0 && jerr.surrogate)) {
		out->len = mark;
		name_item(it, flags, err, errsize, "not JSON");
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
	rc = es_buf_adds(out, ",\"topic\":");
	rc |= es_json_add_string(out, it->topic, it->topic_len);
	rc |= es_buf_adds(out, ",\"state\":");
	if (rc != 0)
		return ES_ENOMEM;
	if ((rc = fmt_state(out, it, flags, o->err, sizeof(o->err))) != 0)
		return rc;
	if (it->flags & ES_ITEM_CAUSAL) {
		rc |= es_buf_adds(out, ",\"causal_dependencies\":");
		rc |= es_buf_add(out, it->causal, it->causal_len);
	}
	if (flags & ES_OUT_APPLICATION) {
		rc |= es_buf_adds(out, ",\"application_name\":");
		rc |= es_json_add_string(out, o->app, strlen(o->app));
	}
	if (flags & (ES_OUT_NOTIFICATION | ES_OUT_APPLICATION)) {
		rc |= es_buf_adds(out, ",\"pipeline_id\":");
		rc |= es_buf_add_i64(out, it->pipeline);
		rc |= es_buf_adds(out, ",\"notification_id\":");
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

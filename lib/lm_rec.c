/* lm_rec.c: the LMDB backend's keys and record values. */
#include <string.h>

#define XXH_INLINE_ALL		/* the whole of XXH3 here, inlined */
#include <xxhash.h>

#include "lm.h"


size_t
lm_seq_key(unsigned char *k, uint32_t app, const char *seq, size_t n,
    int64_t pos)
{
	be32(k, app);
	memcpy(k + 4, seq, n);
	k[4 + n] = '\0';
	if (pos < 0)
		return 5 + n;
	be64(k + 5 + n, (uint64_t)pos);
	return 13 + n;
}

void
lm_log_key(unsigned char *k, uint32_t app, uint32_t pipeline, uint64_t nid)
{
	be32(k, app);
	be32(k + 4, pipeline);
	be64(k + 8, nid);
}

int
lm_rec_size(const es_item *it, size_t *size)
{
	if (it->seq_len > ES_SEQ_MAX || it->topic_len > UINT32_MAX ||
	    it->state_len > UINT32_MAX || it->causal_len > UINT32_MAX)
		return ES_EDATA;
	*size = REC_HEAD + it->seq_len + it->topic_len + it->state_len +
	    ((it->flags & ES_ITEM_CAUSAL) ? it->causal_len : 0);
	return 0;
}

static unsigned char *
put32(unsigned char *p, size_t v)
{
	uint32_t u = (uint32_t)v;

	memcpy(p, &u, 4);
	return p + 4;
}

/*
 * The checksum: 32 bits of XXH3 (libxxhash) of all the record after it.
 * It is checked on every read, so it must run at memory speed, which XXH3
 * does and CRCs in software do not.
 */
static uint32_t
rec_crc(const unsigned char *p, size_t size)
{
	return (uint32_t)XXH3_64bits(p + 4, size - 4);
}

int
lm_rec_intact(const MDB_val *v)
{
	uint32_t crc;

	if (v->mv_size < REC_HEAD)
		return 0;
	memcpy(&crc, v->mv_data, 4);
	return crc == rec_crc(v->mv_data, v->mv_size);
}

void
lm_rec_encode(unsigned char *p, size_t size, const es_item *it)
{
	unsigned char	*start = p;
	size_t		 clen = (it->flags & ES_ITEM_CAUSAL) ? it->causal_len : 0;
	uint32_t	 crc;

	p[4] = (unsigned char)(it->flags & (ES_ITEM_STATE_JSON |
	    ES_ITEM_CAUSAL));
	p[5] = (unsigned char)it->seq_len;
	memcpy(p + 6, &it->pos, 8);
	p = put32(p + 14, it->topic_len);
	p = put32(p, it->state_len);
	p = put32(p, clen);
	memcpy(p, it->seq, it->seq_len);
	p += it->seq_len;
	memcpy(p, it->topic, it->topic_len);
	p += it->topic_len;
	memcpy(p, it->state, it->state_len);
	p += it->state_len;
	if (clen > 0)
		memcpy(p, it->causal, clen);
	crc = rec_crc(start, size);
	memcpy(start, &crc, 4);
}

int
lm_rec_decode(const MDB_val *v, es_item *it)
{
	const unsigned char	*p = v->mv_data;
	uint32_t		 tl, sl, cl;

	if (v->mv_size < REC_HEAD)
		return ES_EDATA;
	it->flags = p[4];
	it->seq_len = p[5];
	memcpy(&it->pos, p + 6, 8);
	memcpy(&tl, p + 14, 4);
	memcpy(&sl, p + 18, 4);
	memcpy(&cl, p + 22, 4);
	if ((uint64_t)REC_HEAD + it->seq_len + tl + sl + cl != v->mv_size)
		return ES_EDATA;
	p += REC_HEAD;
	it->seq = (const char *)p;
	it->topic = (const char *)(p += it->seq_len);
	it->topic_len = tl;
	it->state = (const char *)(p += tl);
	it->state_len = sl;
	it->causal = (const char *)(p + sl);
	it->causal_len = cl;
	return 0;
}

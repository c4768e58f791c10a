/* scx/cid.bpf.h: cmasks, the bitmaps over topological CPU ids (cids) of
 * Linux 7.3, with the names and signatures of Linux's header and upsched's
 * own text. Included by scx/common.bpf.h.
 *
 * A cmask covers the cids [base, base + nr_cids): bits[0] holds the 64-cid
 * word that contains `base` (cids below base in it are padding), so a cid
 * lives in bits[cid / 64 - base / 64]. alloc_words is the storage behind
 * bits[]. Every helper keeps the padding bits clear, so words can be
 * counted and compared whole. The masks live in an arena (a policy's
 * struct with an embedded cmask, or scx_bpf_online_cmask()).
 *
 * The atomic set/clear helpers use compare-and-swap, the one read-modify-
 * write an arena pointer has in Linux's JIT; the __cmask_* forms are plain.
 * Two-mask operations touch only the cids both ranges cover.
 */
#ifndef __SCX_CID_BPF_H
#define __SCX_CID_BPF_H

#include "bpf_arena_common.bpf.h"

#ifndef BIT_U64
#define BIT_U64(nr) (1ULL << (nr))
#endif
/* Bits l..h (inclusive) of a u64. */
#ifndef GENMASK_U64
#define GENMASK_U64(h, l) ((~0ULL >> (63 - (h))) & (~0ULL << (l)))
#endif

/* The most words a cmask helper walks: 8192 cids and a misaligned head. */
#ifndef CMASK_MAX_WORDS
#define CMASK_MAX_WORDS 129
#endif

/* Words of storage for nr_cids cids at any base (one more for the head's
 * padding); computed in 64 bits so that a huge count cannot wrap small. */
#define CMASK_NR_WORDS(nr_cids) ((u32)(((u64)(nr_cids) + 63) / 64 + 1))

/* How many compare-and-swap rounds before giving up on a contended word. */
#define CMASK_CAS_TRIES (1U << 23)

static __always_inline bool __cmask_contains(u32 cid, const struct scx_cmask __arena *m)
{
	return cid >= m->base && cid - m->base < m->nr_cids;
}

static __always_inline u64 __arena *__cmask_word(u32 cid, const struct scx_cmask __arena *m)
{
	u32 wi = (cid >> 6) - (m->base >> 6);

	return (u64 __arena *)&m->bits[wi];
}

/* Sets the range to [base, base + nr_cids) with room for alloc_cids and
 * clears all the storage. */
static __always_inline void __cmask_init(struct scx_cmask __arena *m, u32 base,
					 u32 nr_cids, u32 alloc_cids)
{
	u32 words = CMASK_NR_WORDS(alloc_cids), i;

	if (unlikely(nr_cids > alloc_cids)) {
		scx_bpf_error("__cmask_init: %u cids do not fit in storage for %u",
			      nr_cids, alloc_cids);
		return;
	}
	m->base = base;
	m->nr_cids = nr_cids;
	m->alloc_words = words;
	bpf_for(i, 0, CMASK_MAX_WORDS) {
		if (i >= words)
			break;
		m->bits[i] = 0;
	}
}

static __always_inline void cmask_init(struct scx_cmask __arena *m, u32 base, u32 nr_cids)
{
	__cmask_init(m, base, nr_cids, nr_cids);
}

/* Moves the range within the same storage. Only the words that may now
 * hold padding are cleared; the others keep whatever they held. */
static __always_inline void cmask_reframe(struct scx_cmask __arena *m, u32 base, u32 nr_cids)
{
	if (CMASK_NR_WORDS(nr_cids) > m->alloc_words) {
		scx_bpf_error("cmask_reframe: %u cids do not fit in %u words",
			      nr_cids, m->alloc_words);
		return;
	}
	if (nr_cids) {
		m->bits[0] = 0;
		m->bits[((base & 63) + nr_cids - 1) >> 6] = 0;
	}
	m->base = base;
	m->nr_cids = nr_cids;
}

static __always_inline bool cmask_test(u32 cid, const struct scx_cmask __arena *m)
{
	return __cmask_contains(cid, m) && (*__cmask_word(cid, m) >> (cid & 63)) & 1;
}

static __always_inline void __cmask_set(u32 cid, struct scx_cmask __arena *m)
{
	if (__cmask_contains(cid, m))
		*__cmask_word(cid, m) |= BIT_U64(cid & 63);
}

static __always_inline void __cmask_clear(u32 cid, struct scx_cmask __arena *m)
{
	if (__cmask_contains(cid, m))
		*__cmask_word(cid, m) &= ~BIT_U64(cid & 63);
}

static __always_inline bool __cmask_test_and_set(u32 cid, struct scx_cmask __arena *m)
{
	bool was = cmask_test(cid, m);

	__cmask_set(cid, m);
	return was;
}

static __always_inline bool __cmask_test_and_clear(u32 cid, struct scx_cmask __arena *m)
{
	bool was = cmask_test(cid, m);

	__cmask_clear(cid, m);
	return was;
}

/* The atomic forms: a compare-and-swap loop on the cid's word; each
 * returns whether the bit was set before. */
static __always_inline bool cmask_test_and_set(u32 cid, struct scx_cmask __arena *m)
{
	u64 __arena *w;
	u64 bit = BIT_U64(cid & 63), old;
	u32 i;

	if (!__cmask_contains(cid, m))
		return false;
	w = __cmask_word(cid, m);
	bpf_for(i, 0, CMASK_CAS_TRIES) {
		old = *w;
		if ((old & bit) || __sync_val_compare_and_swap(w, old, old | bit) == old)
			return old & bit;
	}
	scx_bpf_error("cmask_test_and_set: cid %u stayed contended", cid);
	return false;
}

static __always_inline bool cmask_test_and_clear(u32 cid, struct scx_cmask __arena *m)
{
	u64 __arena *w;
	u64 bit = BIT_U64(cid & 63), old;
	u32 i;

	if (!__cmask_contains(cid, m))
		return false;
	w = __cmask_word(cid, m);
	bpf_for(i, 0, CMASK_CAS_TRIES) {
		old = *w;
		if (!(old & bit) || __sync_val_compare_and_swap(w, old, old & ~bit) == old)
			return old & bit;
	}
	scx_bpf_error("cmask_test_and_clear: cid %u stayed contended", cid);
	return false;
}

static __always_inline void cmask_set(u32 cid, struct scx_cmask __arena *m)
{
	cmask_test_and_set(cid, m);
}

static __always_inline void cmask_clear(u32 cid, struct scx_cmask __arena *m)
{
	cmask_test_and_clear(cid, m);
}

/* Clears the words of the range (not the storage past it). */
static __always_inline void cmask_zero(struct scx_cmask __arena *m)
{
	u32 words = CMASK_NR_WORDS(m->nr_cids), i;

	bpf_for(i, 0, CMASK_MAX_WORDS) {
		if (i >= words)
			break;
		m->bits[i] = 0;
	}
}

enum {
	BPF_CMASK_OP_AND,
	BPF_CMASK_OP_OR,
	BPF_CMASK_OP_COPY,
	BPF_CMASK_OP_ANDNOT,
};

/* dst->bits[di] op= src->bits[si], on the bits of `mask` only. */
static __always_inline void cmask_op_word(struct scx_cmask __arena *dst,
					  const struct scx_cmask __arena *src,
					  u32 di, u32 si, u64 mask, int op)
{
	u64 d = dst->bits[di], s = src->bits[si], r;

	switch (op) {
	case BPF_CMASK_OP_AND:
		r = d & s;
		break;
	case BPF_CMASK_OP_OR:
		r = d | s;
		break;
	case BPF_CMASK_OP_ANDNOT:
		r = d & ~s;
		break;
	default:
		r = s;
		break;
	}
	dst->bits[di] = (r & mask) | (d & ~mask);
}

/* Applies op on the cids both ranges cover, word by word (absolute word
 * numbers: cid / 64), masking the first and last word to the overlap. */
static __always_inline void cmask_op(struct scx_cmask __arena *dst,
				     const struct scx_cmask __arena *src, int op)
{
	u32 lo = dst->base > src->base ? dst->base : src->base;
	u32 dend = dst->base + dst->nr_cids, send = src->base + src->nr_cids;
	u32 hi = dend < send ? dend : send;
	u32 first, last, i;

	if (hi <= lo)
		return;
	first = lo >> 6;
	last = (hi - 1) >> 6;
	bpf_for(i, 0, CMASK_MAX_WORDS) {
		u32 w = first + i;
		u64 mask = ~0ULL;

		if (w > last)
			break;
		if (w == first)
			mask &= ~0ULL << (lo & 63);
		if (w == last)
			mask &= ~0ULL >> (63 - ((hi - 1) & 63));
		cmask_op_word(dst, src, w - (dst->base >> 6), w - (src->base >> 6), mask, op);
	}
}

static __always_inline void cmask_and(struct scx_cmask __arena *dst,
				      const struct scx_cmask __arena *src)
{
	cmask_op(dst, src, BPF_CMASK_OP_AND);
}

static __always_inline void cmask_or(struct scx_cmask __arena *dst,
				     const struct scx_cmask __arena *src)
{
	cmask_op(dst, src, BPF_CMASK_OP_OR);
}

/* dst's cids outside src's range keep their bits. */
static __always_inline void cmask_copy(struct scx_cmask __arena *dst,
				       const struct scx_cmask __arena *src)
{
	cmask_op(dst, src, BPF_CMASK_OP_COPY);
}

static __always_inline void cmask_andnot(struct scx_cmask __arena *dst,
					 const struct scx_cmask __arena *src)
{
	cmask_op(dst, src, BPF_CMASK_OP_ANDNOT);
}

/* Same range and same bits; masks of different ranges are never equal. */
static __always_inline bool cmask_equal(const struct scx_cmask __arena *a,
					const struct scx_cmask __arena *b)
{
	u32 words, i;

	if (a->base != b->base || a->nr_cids != b->nr_cids)
		return false;
	if (!a->nr_cids)
		return true;
	words = ((a->base + a->nr_cids - 1) >> 6) - (a->base >> 6) + 1;
	bpf_for(i, 0, CMASK_MAX_WORDS) {
		if (i >= words)
			break;
		if (a->bits[i] != b->bits[i])
			return false;
	}
	return true;
}

/* The first cid at or after `start` set in all of a, b and c (within the
 * cids all three cover), else a->base + a->nr_cids. The one scan the other
 * searches are made of. */
static __always_inline u32 cmask_next_and2_set(const struct scx_cmask __arena *a,
					       const struct scx_cmask __arena *b,
					       const struct scx_cmask __arena *c,
					       u32 start)
{
	u32 none = a->base + a->nr_cids;
	u32 lo = a->base, hi = none, bend = b->base + b->nr_cids, cend = c->base + c->nr_cids;
	u32 first, last, i;

	if (b->base > lo)
		lo = b->base;
	if (c->base > lo)
		lo = c->base;
	if (bend < hi)
		hi = bend;
	if (cend < hi)
		hi = cend;
	if (start < lo)
		start = lo;
	if (start >= hi)
		return none;
	first = start >> 6;
	last = (hi - 1) >> 6;
	bpf_for(i, 0, CMASK_MAX_WORDS) {
		u32 w = first + i, cid;
		u64 bits;

		if (w > last)
			break;
		bits = a->bits[w - (a->base >> 6)] & b->bits[w - (b->base >> 6)] &
		       c->bits[w - (c->base >> 6)];
		if (!i)
			bits &= ~0ULL << (start & 63);
		if (!bits)
			continue;
		cid = (w << 6) + ctzll(bits);
		return cid < hi ? cid : none;
	}
	return none;
}

static __always_inline u32 cmask_next_and_set(const struct scx_cmask __arena *a,
					      const struct scx_cmask __arena *b,
					      u32 start)
{
	return cmask_next_and2_set(a, b, b, start);
}

/* The first set cid at or after `cid`, else m->base + m->nr_cids (what
 * cmask_for_each stops at). */
static __always_inline u32 cmask_next_set(const struct scx_cmask __arena *m, u32 cid)
{
	return cmask_next_and2_set(m, m, m, cid);
}

static __always_inline u32 cmask_first_set(const struct scx_cmask __arena *m)
{
	return cmask_next_set(m, m->base);
}

#define cmask_for_each(cid, m)                                                 \
	for ((cid) = cmask_first_set(m); (cid) < (m)->base + (m)->nr_cids;     \
	     (cid) = cmask_next_set((m), (cid) + 1))

/* Round-robin searches: from `start` to the end, then from the beginning
 * up to `start`; the end sentinel when nothing is set. */
static __always_inline u32 cmask_next_and2_set_wrap(const struct scx_cmask __arena *a,
						    const struct scx_cmask __arena *b,
						    const struct scx_cmask __arena *c,
						    u32 start)
{
	u32 none = a->base + a->nr_cids;
	u32 cid = cmask_next_and2_set(a, b, c, start);

	if (cid != none || start <= a->base)
		return cid;
	cid = cmask_next_and2_set(a, b, c, a->base);
	return cid < start ? cid : none;
}

static __always_inline u32 cmask_next_and_set_wrap(const struct scx_cmask __arena *a,
						   const struct scx_cmask __arena *b,
						   u32 start)
{
	return cmask_next_and2_set_wrap(a, b, b, start);
}

static __always_inline u32 cmask_next_set_wrap(const struct scx_cmask __arena *m,
					       u32 start)
{
	return cmask_next_and2_set_wrap(m, m, m, start);
}

static __always_inline bool cmask_intersects(const struct scx_cmask __arena *a,
					     const struct scx_cmask __arena *b)
{
	return cmask_next_and_set(a, b, a->base) != a->base + a->nr_cids;
}

/* Every cid set in a is set in b; a cid of a outside b's range counts as
 * not in b. Walks a's words, masking b's to the cids b covers. */
static __always_inline bool cmask_subset(const struct scx_cmask __arena *a,
					 const struct scx_cmask __arena *b)
{
	u32 bend = b->base + b->nr_cids, first, last, i;

	if (!a->nr_cids)
		return true;
	first = a->base >> 6;
	last = (a->base + a->nr_cids - 1) >> 6;
	bpf_for(i, 0, CMASK_MAX_WORDS) {
		u32 w = first + i;
		u64 in_b = 0;

		if (w > last)
			break;
		if (b->nr_cids && w >= (b->base >> 6) && w <= ((bend - 1) >> 6)) {
			in_b = b->bits[w - (b->base >> 6)];
			if (w == (b->base >> 6))
				in_b &= ~0ULL << (b->base & 63);
			if (w == ((bend - 1) >> 6))
				in_b &= ~0ULL >> (63 - ((bend - 1) & 63));
		}
		if (a->bits[i] & ~in_b)
			return false;
	}
	return true;
}

/* The number of set cids (padding is clear, so whole words count). */
static __always_inline u32 cmask_weight(const struct scx_cmask __arena *m)
{
	u32 words, i, n = 0;

	if (!m->nr_cids)
		return 0;
	words = ((m->base + m->nr_cids - 1) >> 6) - (m->base >> 6) + 1;
	bpf_for(i, 0, CMASK_MAX_WORDS) {
		if (i >= words)
			break;
		n += __builtin_popcountll(m->bits[i]);
	}
	return n;
}

/* m = the cids of cpumask's CPUs (within m's range); cpumask must not
 * change meanwhile. */
static __always_inline void cmask_from_cpumask(struct scx_cmask __arena *m,
					       const struct cpumask *cpumask)
{
	u32 nr_cpus = scx_bpf_nr_cpu_ids();
	s32 cpu;

	cmask_zero(m);
	bpf_for(cpu, 0, nr_cpus) {
		s32 cid;

		if (!bpf_cpumask_test_cpu(cpu, cpumask))
			continue;
		cid = scx_bpf_cpu_to_cid(cpu);
		if (cid >= 0)
			__cmask_set(cid, m);
	}
}

#endif /* __SCX_CID_BPF_H */

/*
 * rules_match.c — run a rule set over one item and record why each rule
 * fired.
 *
 * A rule fires when, over the fields it looks at:
 *   - at least one `any` pattern matches in some field (if it has any),
 *   - every `all` pattern matches in some field,
 *   - every `near` pair matches within one field, at most N words apart,
 *   - no `none` pattern matches in any field.
 * The evidence is the first match of the first near pair, else of the
 * first any pattern that matched, else of the first all pattern.
 *
 * A rule with score lines also needs the weights of its distinct score
 * patterns that match (anywhere in its fields) to reach its threshold;
 * its evidence falls back to the first positive-weight score match.
 *
 * Prefilter: when the set has a Vectorscan database (rules_prefilter.c),
 * every field is scanned once up front and a pattern that cannot match a
 * field is never run on it; a rule none of whose patterns may match is
 * skipped whole (decided from the packed set->need, before any PCRE2).
 * A pattern that does run starts where its first real match can start
 * at the earliest and is not run at all past its last possible end (the
 * bounds and why they hold: rules_prefilter.c); short confirmations go
 * to the PCRE2 interpreter, longer ones to the JIT code (find()).  Since
 * the prefilter only ever over-approximates, the hits and evidence are
 * exactly those of the plain loop (tested on the labeled set and on
 * random texts with tricky patterns).
 *
 * Hostile text cannot hang a crawl: every match runs under the set's match
 * context limits; a match that fails with an error (limit hit, JIT stack)
 * counts as "no match" and leaves a warning naming the rule, the pattern's
 * location and the field.  Invalid UTF-8 is replaced (U+FFFD) in a private
 * copy, with a warning, so PCRE2 can run with PCRE2_NO_UTF_CHECK.
 */
#include "rules_internal.h"

#include <stdlib.h>
#include <string.h>

#define EVIDENCE_MAX 200        /* bytes of matched text kept */
#define NEAR_MAX_MATCHES 64     /* per pattern and field for `near` */

struct field_text {
    const char *s;              /* NULL: field absent or empty */
    size_t len;
    struct strbuf clean;        /* sanitized copy when the input was bad */
    size_t *word_starts;        /* built on first use by `near` */
    size_t n_words;
    int words_built;
};

struct match_state {
    const struct rule_set *set;
    struct field_text f[RULE_FIELD_COUNT];
    pcre2_match_data *md;
    struct classification *out;
    struct prefilter_work *work;
    const unsigned char *possible; /* per pattern: bit f = may match field
                                      f; NULL: no prefilter, try all */
    const struct prefilter_bound *bound; /* per pattern and field: no
                                   match starts before .start (valid
                                   where possible is set) */
};

struct evidence {
    int field;                  /* -1: none yet */
    size_t start, end;
};

struct span {
    size_t s, e;
};

static void add_warning(struct classification *out, char *msg)
{
    out->warnings = fs_realloc(out->warnings,
                               (out->n_warnings + 1) * sizeof(char *));
    out->warnings[out->n_warnings++] = msg;
}

/* fs_utf8_valid() with a fast path: news text is mostly ASCII, checked
 * eight bytes at a time; the rest from the first non-ASCII byte (a
 * character boundary) goes through the full check.  NUL is invalid for
 * both. */
static int text_valid(const char *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        /* high bit set, or a zero byte (the classic haszero trick) */
        if ((w & 0x8080808080808080ULL) ||
            ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL))
            break;
    }
    return fs_utf8_valid(s + i, len - i);
}

static void state_init(struct match_state *st, const struct rule_set *set,
                       const struct classify_input *in,
                       struct classification *out)
{
    memset(st, 0, sizeof(*st));
    st->set = set;
    st->out = out;
    const char *src[RULE_FIELD_COUNT] = {in->title, in->summary, in->body,
                                         in->link, in->feed};
    for (int i = 0; i < RULE_FIELD_COUNT; i++) {
        struct field_text *ft = &st->f[i];
        strbuf_init(&ft->clean, 0);
        if (!src[i] || !*src[i])
            continue;
        size_t len = strlen(src[i]);
        if (text_valid(src[i], len)) {
            ft->s = src[i];
            ft->len = len;
            continue;
        }
        fs_utf8_sanitize(&ft->clean, src[i], len);
        ft->s = ft->clean.buf;
        ft->len = ft->clean.len;
        add_warning(out, fs_asprintf("field %s: invalid UTF-8 replaced "
                                     "with U+FFFD before matching",
                                     rule_field_names[i]));
    }
    size_t total = 0;
    for (int i = 0; i < RULE_FIELD_COUNT; i++)
        total += st->f[i].len;
    if (set->n_patterns && rules_prefilter_get(set, total)) {
        const char *text[RULE_FIELD_COUNT];
        size_t len[RULE_FIELD_COUNT];
        for (int i = 0; i < RULE_FIELD_COUNT; i++) {
            text[i] = st->f[i].s;
            len[i] = st->f[i].len;
        }
        st->work = rules_prefilter_acquire(set);
        if (st->work && rules_prefilter_scan(set, st->work, text, len) == 0) {
            st->possible = st->work->possible;
            st->bound = st->work->bound;
        } /* else: no prefilter or the scan failed: run every pattern */
    }
    /* the workspace's match data when there is one (the common case in a
     * crawl: no allocation per item), else our own */
    st->md = st->work ? st->work->md : pcre2_match_data_create(1, NULL);
    if (!st->md)
        fs_oom();
}

static void state_release(struct match_state *st)
{
    for (int i = 0; i < RULE_FIELD_COUNT; i++) {
        strbuf_release(&st->f[i].clean);
        free(st->f[i].word_starts);
    }
    if (st->work)
        rules_prefilter_release(st->set, st->work);
    else
        pcre2_match_data_free(st->md);
}

/* Below this many bytes between the search start and the first
 * prefilter end, the PCRE2 interpreter confirms instead of the JIT code
 * (see find()). */
#define SHORT_CONFIRM 64

/* Search field fi from byte offset `from`.  1: match at *sp, 0: none (or
 * an error, which is turned into a warning). */
static int find(struct match_state *st, const struct rule *r,
                const struct rule_pattern *p, int fi, size_t from,
                struct span *sp)
{
    const struct field_text *ft = &st->f[fi];
    if (!ft->s || from >= ft->len)
        return 0;
    int rc;
    if (st->possible) {
        if (!(st->possible[p->index] & (1u << fi)))
            return 0; /* the prefilter proved it cannot match here */
        /* no match starts before the prefilter's bound: begin there (the
         * first match found is the same, the text before is skipped) */
        const struct prefilter_bound *b =
            &st->bound[(size_t)p->index * RULE_FIELD_COUNT + (size_t)fi];
        if (from < b->start)
            from = b->start;
        /* a match found from here would end after `from` (NOTEMPTY), and
         * none ends after the last prefilter end */
        if (from >= ft->len || from >= b->to_max)
            return 0;
        /* A confirmation that has a few bytes to look at (the common
         * case with the start bound) runs faster in the interpreter: the
         * JIT code of one of thousands of patterns is cold in the caches
         * after the Vectorscan scan, the interpreter's is shared (1000
         * rules: ~7% of the classifier's time).  Both engines give the same
         * matches; they differ only in how they count toward the match
         * limits, so an interpreter error is not reported but retried
         * below the usual way (JIT), whose answer then stands. */
        if (b->to_min <= from + SHORT_CONFIRM) {
            rc = pcre2_match(p->code, (PCRE2_SPTR)ft->s, ft->len, from,
                             PCRE2_NO_UTF_CHECK | PCRE2_NOTEMPTY |
                             PCRE2_NO_JIT, st->md, st->set->mctx);
            if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH)
                goto done;
        }
    }
    /* NOTEMPTY: a zero-width match (a lookahead-only pattern) would be
     * evidence of nothing; the loader rejects the obvious cases */
    /* JIT-compiled: straight into the JIT code (pcre2_match would get
     * there too, after its generic checks; the text is valid UTF-8
     * already); what it cannot do, and a pattern without JIT code, goes
     * the generic way */
    rc = PCRE2_ERROR_JIT_BADOPTION;
    if (p->jit)
        rc = pcre2_jit_match(p->code, (PCRE2_SPTR)ft->s, ft->len, from,
                             PCRE2_NOTEMPTY, st->md, st->set->mctx);
    if (rc == PCRE2_ERROR_JIT_BADOPTION)
        rc = pcre2_match(p->code, (PCRE2_SPTR)ft->s, ft->len, from,
                         PCRE2_NO_UTF_CHECK | PCRE2_NOTEMPTY, st->md,
                         st->set->mctx);
done:
    if (rc >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(st->md);
        sp->s = ov[0];
        sp->e = ov[1];
        return 1;
    }
    if (rc != PCRE2_ERROR_NOMATCH) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
            strcpy((char *)msg, "unknown PCRE2 error");
        add_warning(st->out,
                    fs_asprintf("rule %s: pattern at %s:%u:%u on field %s: "
                                "%s; counted as no match",
                                r->id, p->loc.file, p->loc.line, p->loc.col,
                                rule_field_names[fi], (const char *)msg));
    }
    return 0;
}

/* First match of p in any of the rule's fields, in field order. */
static int find_in_fields(struct match_state *st, const struct rule *r,
                          const struct rule_pattern *p, struct evidence *ev)
{
    for (int fi = 0; fi < RULE_FIELD_COUNT; fi++) {
        struct span sp;
        if ((r->fields & (1u << fi)) && find(st, r, p, fi, 0, &sp)) {
            *ev = (struct evidence){fi, sp.s, sp.e};
            return 1;
        }
    }
    return 0;
}

/* ---- near ------------------------------------------------------------ */

/* A word is a run of letters/digits: ASCII alphanumerics and any non-ASCII
 * character except the Latin-1 and general punctuation blocks and the CJK
 * symbols block (dashes, quotes, NBSP, ideographic space...). */
static int word_char_at(const char *s, size_t len, size_t i, size_t *adv)
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
        *adv = 1;
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
               (c >= 'A' && c <= 'Z');
    }
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (i + n > len)
        n = len - i;
    *adv = n;
    uint32_t cp = 0;
    if (n == 2)
        cp = ((c & 0x1Fu) << 6) | ((unsigned char)s[i + 1] & 0x3Fu);
    else if (n == 3)
        cp = ((c & 0x0Fu) << 12) | (((unsigned char)s[i + 1] & 0x3Fu) << 6) |
             ((unsigned char)s[i + 2] & 0x3Fu);
    else
        return 1;
    return !((cp >= 0xA0 && cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x206F) ||
             (cp >= 0x3000 && cp <= 0x303F));
}

static void build_words(struct field_text *ft)
{
    size_t alloc = 0;
    int in_word = 0;
    for (size_t i = 0, adv; i < ft->len; i += adv) {
        int w = word_char_at(ft->s, ft->len, i, &adv);
        if (w && !in_word) {
            FS_GROW(ft->word_starts, ft->n_words + 1, alloc);
            ft->word_starts[ft->n_words++] = i;
        }
        in_word = w;
    }
    ft->words_built = 1;
}

/* Number of word starts before byte offset off. */
static size_t words_before(const struct field_text *ft, size_t off)
{
    size_t lo = 0, hi = ft->n_words;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ft->word_starts[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t words_between(const struct field_text *ft, struct span a,
                            struct span b)
{
    if (a.e <= b.s)
        return words_before(ft, b.s) - words_before(ft, a.e);
    if (b.e <= a.s)
        return words_before(ft, a.s) - words_before(ft, b.e);
    return 0; /* overlapping matches */
}

/* Up to NEAR_MAX_MATCHES successive matches of p in field fi. */
static size_t find_all(struct match_state *st, const struct rule *r,
                       const struct rule_pattern *p, int fi,
                       struct span *spans)
{
    size_t n = 0, from = 0;
    const struct field_text *ft = &st->f[fi];
    while (n < NEAR_MAX_MATCHES && find(st, r, p, fi, from, &spans[n])) {
        from = spans[n].e;
        if (from <= spans[n].s) { /* \K can end a match before its start */
            from = spans[n].s + 1;
            while (from < ft->len &&
                   ((unsigned char)ft->s[from] & 0xC0) == 0x80)
                from++;
        }
        n++;
    }
    return n;
}

static int near_matches(struct match_state *st, const struct rule *r,
                        const struct rule_near *nr, struct evidence *ev)
{
    struct span as[NEAR_MAX_MATCHES], bs[NEAR_MAX_MATCHES];
    for (int fi = 0; fi < RULE_FIELD_COUNT; fi++) {
        if (!(r->fields & (1u << fi)) || !st->f[fi].s)
            continue;
        size_t na = find_all(st, r, &nr->a, fi, as);
        if (!na)
            continue;
        size_t nb = find_all(st, r, &nr->b, fi, bs);
        if (!nb)
            continue;
        struct field_text *ft = &st->f[fi];
        if (!ft->words_built)
            build_words(ft);
        for (size_t i = 0; i < na; i++) {
            for (size_t j = 0; j < nb; j++) {
                if (words_between(ft, as[i], bs[j]) > nr->max_words)
                    continue;
                size_t s = as[i].s < bs[j].s ? as[i].s : bs[j].s;
                size_t e = as[i].e > bs[j].e ? as[i].e : bs[j].e;
                *ev = (struct evidence){fi, s, e};
                return 1;
            }
        }
    }
    return 0;
}

/* ---- one rule -------------------------------------------------------- */

static int rule_eval(struct match_state *st, const struct rule *r,
                     struct evidence *ev)
{
    struct evidence e;
    ev->field = -1;
    if (r->n_any) {
        size_t i = 0;
        while (i < r->n_any && !find_in_fields(st, r, &r->any[i], &e))
            i++;
        if (i == r->n_any)
            return 0;
        *ev = e;
    }
    for (size_t i = 0; i < r->n_all; i++) {
        if (!find_in_fields(st, r, &r->all[i], &e))
            return 0;
        if (ev->field < 0)
            *ev = e;
    }
    for (size_t i = 0; i < r->n_near; i++) {
        if (!near_matches(st, r, &r->near[i], &e))
            return 0;
        if (i == 0)
            *ev = e; /* a near pair shows both halves: the best evidence */
    }
    if (r->n_score) {
        long sum = 0;
        int have = 0;
        for (size_t i = 0; i < r->n_score; i++) {
            if (!find_in_fields(st, r, &r->score[i], &e))
                continue;
            sum += r->score[i].weight;
            if (r->score[i].weight > 0 && !have && ev->field < 0) {
                *ev = e;
                have = 1;
            }
        }
        if (sum < r->threshold)
            return 0;
        if (ev->field < 0)
            return 0; /* cannot happen: threshold >= 1 needs a positive */
    }
    for (size_t i = 0; i < r->n_none; i++)
        if (find_in_fields(st, r, &r->none[i], &e))
            return 0;
    return 1;
}

/* With a prefilter: can rule r (its index) fire at all?  Every positive
 * condition needs some pattern that may match in one of the rule's
 * fields; a rule that cannot is skipped without PCRE2.  Reads the rule's
 * packed run in set->need (rules_internal.h), not the rule itself. */
static int rule_possible(const struct match_state *st, size_t ri)
{
    if (!st->possible)
        return 1;
    const unsigned char *ps = st->possible;
    const uint32_t *q = st->set->need + st->set->need_off[ri];
    uint32_t fields = *q++;
    uint32_t n = *q++;                  /* any */
    if (n) {
        int one = 0;
        for (uint32_t i = 0; i < n; i++)
            one |= (ps[q[i]] & fields) != 0;
        if (!one)
            return 0;
    }
    q += n;
    n = *q++;                           /* all */
    for (uint32_t i = 0; i < n; i++)
        if (!(ps[q[i]] & fields))
            return 0;
    q += n;
    n = *q++;                           /* near pairs */
    for (uint32_t i = 0; i < n; i++)
        if (!(ps[q[2 * i]] & ps[q[2 * i + 1]] & fields))
            return 0;
    q += 2 * (size_t)n;
    n = *q++;                           /* score */
    if (n) {
        long threshold = (int32_t)*q++, reach = 0;
        for (uint32_t i = 0; i < n; i++) {
            int32_t w = (int32_t)q[2 * i + 1];
            if (w > 0 && (ps[q[2 * i]] & fields))
                reach += w;
        }
        if (reach < threshold)
            return 0;
    }
    return 1;
}

/* One hit: tag, rule id, field name and the matched text share one
 * allocation, owned by hit->tag (classifier.h); classification_release()
 * frees that one block.  The matched text is one line, cut to
 * EVIDENCE_MAX bytes on a character boundary (with an ellipsis when cut).
 * One malloc instead of five per hit: with 1000 rules and a few hits per
 * item, allocation was a visible share of the time. */
static void add_hit(struct match_state *st, const struct rule *r,
                    const struct evidence *ev)
{
    struct classification *out = st->out;
    if (out->n_hits == out->alloc_hits) {
        out->alloc_hits = out->alloc_hits ? 2 * out->alloc_hits : 4;
        out->hits = fs_realloc(out->hits,
                               out->alloc_hits * sizeof(*out->hits));
    }
    struct tag_hit *h = &out->hits[out->n_hits++];
    const struct field_text *ft = &st->f[ev->field];
    size_t n = ev->end - ev->start;
    int cut = n > EVIDENCE_MAX;
    if (cut) {
        n = EVIDENCE_MAX;
        while (n > 0 && ((unsigned char)ft->s[ev->start + n] & 0xC0) == 0x80)
            n--;
    }
    const char *fname = rule_field_names[ev->field];
    size_t lt = strlen(r->tag) + 1, li = strlen(r->id) + 1,
           lf = strlen(fname) + 1;
    char *b = fs_malloc(lt + li + lf + n + (cut ? 3 : 0) + 1);
    h->tag = memcpy(b, r->tag, lt);
    h->rule_id = memcpy(b + lt, r->id, li);
    h->field = memcpy(b + lt + li, fname, lf);
    char *m = b + lt + li + lf;
    memcpy(m, ft->s + ev->start, n);
    for (size_t i = 0; i < n; i++)
        if (m[i] == '\n' || m[i] == '\r' || m[i] == '\t')
            m[i] = ' ';
    if (cut) {
        memcpy(m + n, "\xE2\x80\xA6", 3);
        n += 3;
    }
    m[n] = '\0';
    h->matched = m;
    h->alert = r->alert;
    h->field_index = ev->field;
    h->start = ev->start;
    h->end = ev->end;
}

void rules_match_into(const struct rule_set *set, const struct rule *only,
                      const struct classify_input *in,
                      struct classification *out)
{
    struct match_state st;
    state_init(&st, set, in, out);
    if (st.possible && !only) {
        /* only the rules the prefilter flagged, in rule order (hits are
         * listed in rule order whatever the matcher) */
        struct prefilter_work *w = st.work;
        /* drop the candidates that cannot fire first (cheap), then put the
         * few left in order: an insertion sort, they are a handful */
        size_t m = 0;
        for (size_t k = 0; k < w->n_cand; k++) {
            w->rule_seen[w->cand[k]] = 0; /* cand is rewritten below */
            if (rule_possible(&st, w->cand[k]))
                w->cand[m++] = w->cand[k];
        }
        w->n_cand = m;
        for (size_t k = 1; k < m; k++) {
            uint32_t v = w->cand[k];
            size_t j = k;
            for (; j > 0 && w->cand[j - 1] > v; j--)
                w->cand[j] = w->cand[j - 1];
            w->cand[j] = v;
        }
        for (size_t k = 0; k < m; k++) {
            const struct rule *r = &set->rules[w->cand[k]];
            struct evidence ev = {-1, 0, 0};
            if (rule_eval(&st, r, &ev))
                add_hit(&st, r, &ev);
        }
        state_release(&st);
        return;
    }
    for (size_t i = 0; i < set->n_rules; i++) {
        const struct rule *r = &set->rules[i];
        struct evidence ev = {-1, 0, 0};
        if ((!only || r == only) && rule_possible(&st, i) &&
            rule_eval(&st, r, &ev))
            add_hit(&st, r, &ev);
    }
    state_release(&st);
}

fs_code rule_set_match(const struct rule_set *set,
                       const struct classify_input *in,
                       struct classification *out, fs_error *err)
{
    if (out)
        memset(out, 0, sizeof(*out));
    if (!set || !in || !out)
        return fs_error_set(err, FS_EINVAL, "rule_set_match: NULL argument");
    rules_match_into(set, NULL, in, out);
    return FS_OK;
}

void classification_release(struct classification *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_hits; i++)
        free(c->hits[i].tag); /* the hit's one block (add_hit) */
    free(c->hits);
    for (size_t i = 0; i < c->n_warnings; i++)
        free(c->warnings[i]);
    free(c->warnings);
    memset(c, 0, sizeof(*c));
}

int tag_matches(const char *tag, const char *query)
{
    if (!tag || !query)
        return 0;
    size_t n = strlen(query);
    while (n && query[n - 1] == '/')
        n--; /* "markets/" means "markets" */
    return strncmp(tag, query, n) == 0 && (tag[n] == '\0' || tag[n] == '/');
}

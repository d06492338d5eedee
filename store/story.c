/*
 * story.c — which items are the same story.
 *
 * Three levels of dedup meet here (the first, the same guid in one feed,
 * is the (feed_id, guid) key of items.c):
 *  - the same URL key (the canonical URL the article page declares, else
 *    the link, normalised by store_url_key()) from any feed is one story;
 *  - near-duplicates — the same wire story with small edits under
 *    different URLs — are found by a 64-bit signature ("simhash" in the
 *    schema: a b-bit MinHash) of the normalised words of title + summary
 *    (+ body once fetched): two items whose signatures
 *    agree on at least STORY_MIN_AGREE of their 16 MinHash nibbles (see
 *    store_simhash), and whose times are within STORY_WINDOW of each
 *    other, are one story.  Candidates come from the four 16-bit bands of
 *    the signature: items that share a whole band (story_index.c holds
 *    the bands of the weeks read; item_story_by_time is scanned for the
 *    others).
 *
 * Invariants:
 *  - Every item placed here has exactly one item_story row; story_id is
 *    the id of the story's first item (its own id when it starts one).
 *  - An item that shares its story with others keeps it when its text or
 *    URLs change: stories never split or jump, which keeps `show` and
 *    marks stable.  A lone item is re-placed, so an article page that
 *    reveals a canonical URL can join the story it belongs to.
 *  - Texts with fewer than STORY_MIN_WORDS distinct words get no simhash:
 *    short generic headlines ("Markets wrap") would cluster unrelated items.
 */
#include "store_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 13 of 16 equal nibbles: about J >= 0.8 (one or two words of 30
 * changed).  Unrelated texts agree on ~1, but long bodies share common
 * words: at 12, generated 600-word texts with a word-set Jaccard of 0.14
 * were merged 39 times in 15,000 items; 13 cuts that tail by ~10x. */
#define STORY_MIN_AGREE 13
#define STORY_MIN_WORDS 6
#define STORY_WINDOW (7 * 86400)

/* ---- URL keys -------------------------------------------------------- */

/* Query parameters that only track where a click came from. */
static int tracking_param(const char *p, size_t n)
{
    static const char *const names[] = {"fbclid", "gclid", "dclid",
                                        "mc_cid", "mc_eid", "cmpid",
                                        "ocid",   "smid",  "igshid"};
    if (n >= 4 && !strncasecmp(p, "utm_", 4))
        return 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == n && !strncasecmp(p, names[i], n))
            return 1;
    return 0;
}

void store_url_key(const char *url, struct strbuf *out)
{
    strbuf_reset(out);
    while (*url && isspace((unsigned char)*url))
        url++;
    const char *sep = strstr(url, "://");
    if (!sep) {
        strbuf_addstr(out, url);
        strbuf_trim(out);
        return;
    }
    const char *host = sep + 3;
    size_t alen = strcspn(host, "/?#");
    const char *at = memchr(host, '@', alen);
    if (at) { /* drop user:password@ */
        alen -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    size_t hlen = alen;
    const char *colon = memchr(host, ':', alen);
    if (colon && (!strncmp(colon, ":80", 3) || !strncmp(colon, ":443", 4)) &&
        (size_t)(colon - host) + (colon[2] == '0' ? 3 : 4) == alen)
        hlen = (size_t)(colon - host);
    if (hlen > 4 && !strncasecmp(host, "www.", 4)) {
        host += 4;
        hlen -= 4;
        alen -= 4;
    }
    for (size_t i = 0; i < hlen; i++)
        strbuf_addch(out, tolower((unsigned char)host[i]));

    const char *path = host + alen;
    size_t plen = strcspn(path, "?#");
    while (plen > 0 && path[plen - 1] == '/')
        plen--;
    strbuf_add(out, path, plen);

    if (path[plen] == '/')
        plen += strspn(path + plen, "/");
    if (path[plen] != '?')
        return;
    const char *q = path + plen + 1;
    size_t qlen = strcspn(q, "#");
    int first = 1;
    while (qlen > 0) {
        size_t n = strcspn(q, "&");
        if (n > qlen)
            n = qlen;
        size_t name = strcspn(q, "=&");
        if (name > n)
            name = n;
        if (n > 0 && !tracking_param(q, name)) {
            strbuf_addch(out, first ? '?' : '&');
            strbuf_add(out, q, n);
            first = 0;
        }
        q += n;
        qlen -= n;
        if (qlen > 0) { /* the '&' */
            q++;
            qlen--;
        }
    }
}

/* ---- simhash --------------------------------------------------------- */

/* Is w[0..n) this word? */
static int word_is(const char *w, size_t n, const char *s)
{
    return strlen(s) == n && !memcmp(w, s, n);
}

static int stop_word(const char *w, size_t n)
{
    /* By length and first letter: this runs for every word of every body
     * stored (a scan of the whole list per word was a quarter of the
     * signature's cost).  The list: the, an, of, to, in, and, on, for,
     * is, by, with, as, at, from, that, its, it, be, are, was, or, this,
     * has, have, will, after, over, says, said. */
    if (n < 2 || n > 5)
        return 0;
    switch (w[0]) {
    case 'a':
        return word_is(w, n, "an") || word_is(w, n, "and") ||
               word_is(w, n, "as") || word_is(w, n, "at") ||
               word_is(w, n, "are") || word_is(w, n, "after");
    case 'b':
        return word_is(w, n, "by") || word_is(w, n, "be");
    case 'f':
        return word_is(w, n, "for") || word_is(w, n, "from");
    case 'h':
        return word_is(w, n, "has") || word_is(w, n, "have");
    case 'i':
        return word_is(w, n, "in") || word_is(w, n, "is") ||
               word_is(w, n, "its") || word_is(w, n, "it");
    case 'o':
        return word_is(w, n, "of") || word_is(w, n, "on") ||
               word_is(w, n, "or") || word_is(w, n, "over");
    case 's':
        return word_is(w, n, "says") || word_is(w, n, "said");
    case 't':
        return word_is(w, n, "the") || word_is(w, n, "to") ||
               word_is(w, n, "that") || word_is(w, n, "this");
    case 'w':
        return word_is(w, n, "with") || word_is(w, n, "was") ||
               word_is(w, n, "will");
    default:
        return 0;
    }
}

/* splitmix64's finaliser: every output bit depends on every input bit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* FNV-1a, then mix64 so that every bit depends on every input byte (FNV
 * alone leaves the high bits poorly mixed for short words, which would
 * bias the simhash). */
static uint64_t word_hash(const char *w, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)w[i];
        h *= 1099511628211ULL;
    }
    return mix64(h);
}

/* The distinct word hashes of a text: an open-addressing set (size a
 * power of two, at most half full; the hash 0 is kept apart as the empty
 * slot marker), in a stack array until it outgrows it.  Each word is
 * added as it is found: a text's words used to go to a heap array first,
 * grown word by word, and then into a calloc'ed set, which cost more
 * than the scan itself. */
#define WORD_SET_INLINE 128
struct word_set {
    uint64_t *slot;
    size_t cap, used;
    int zero_seen;
    uint64_t inline_slots[WORD_SET_INLINE];
};

static void word_set_init(struct word_set *ws)
{
    memset(ws->inline_slots, 0, sizeof(ws->inline_slots));
    ws->slot = ws->inline_slots;
    ws->cap = WORD_SET_INLINE;
    ws->used = 0;
    ws->zero_seen = 0;
}

static void word_set_release(struct word_set *ws)
{
    if (ws->slot != ws->inline_slots)
        free(ws->slot);
}

/* Put w (not 0) into a slot of slot[0..cap); 1 when it was not there. */
static int word_slot_put(uint64_t *slot, size_t cap, uint64_t w)
{
    size_t j = (size_t)(w >> 7) & (cap - 1);
    while (slot[j] && slot[j] != w)
        j = (j + 1) & (cap - 1);
    if (slot[j])
        return 0;
    slot[j] = w;
    return 1;
}

/* Add a word hash; 1 when it is new. */
static int word_set_add(struct word_set *ws, uint64_t w)
{
    if (w == 0) {
        int fresh = !ws->zero_seen;
        ws->zero_seen = 1;
        return fresh;
    }
    if (2 * (ws->used + 1) > ws->cap) {
        size_t cap = 2 * ws->cap;
        uint64_t *slot = fs_calloc(cap, sizeof(*slot));
        for (size_t i = 0; i < ws->cap; i++)
            if (ws->slot[i])
                word_slot_put(slot, cap, ws->slot[i]);
        word_set_release(ws);
        ws->slot = slot;
        ws->cap = cap;
    }
    if (!word_slot_put(ws->slot, ws->cap, w))
        return 0;
    ws->used++;
    return 1;
}

/* The signature: 16 MinHashes of the set of distinct words, each cut to
 * its low 4 bits (b-bit MinHash), packed into 64 bits — nibble i is
 * MinHash i.  Two texts agree on a nibble with probability J + (1-J)/16
 * (J: Jaccard similarity of their word sets), so the number of equal
 * nibbles estimates J.  Why not a bit-sampling simhash: with the ~30 words
 * of a title + summary, one changed word flips 4-6 of 64 simhash bits,
 * more than a 4-band index can find; a MinHash nibble moves only when the
 * changed word is that hash's minimum (probability ~2/30).
 *
 * A minimum does not care about repeats, so each distinct word is hashed
 * 16 times once: a body repeats its words (about half of a 600-word body
 * are repeats), and the 16 mixes per word were most of what store/
 * spends per item beyond SQLite.  The result is the same as hashing every
 * occurrence, and does not depend on the order of the words. */
static void minhash_add(uint64_t mins[16], uint64_t w)
{
    /* Written out: GCC -O2 keeps the loop, and the unrolled form, with
     * its 16 constants folded, costs 7% less per signature. */
#define MINHASH_K(k)                                                         \
    do {                                                                     \
        uint64_t v = mix64(w ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(k + 1))); \
        mins[k] = v < mins[k] ? v : mins[k];                                 \
    } while (0)
    MINHASH_K(0); MINHASH_K(1); MINHASH_K(2); MINHASH_K(3);
    MINHASH_K(4); MINHASH_K(5); MINHASH_K(6); MINHASH_K(7);
    MINHASH_K(8); MINHASH_K(9); MINHASH_K(10); MINHASH_K(11);
    MINHASH_K(12); MINHASH_K(13); MINHASH_K(14); MINHASH_K(15);
#undef MINHASH_K
}

/* Words: runs of ASCII letters/digits (lower-cased) and non-ASCII bytes
 * (kept as they are, so any script forms words); one-letter words and
 * stop words are dropped.  Each distinct word goes into mins once;
 * returns how many were new. */
static size_t collect_words(const char *s, struct word_set *ws,
                            uint64_t mins[16])
{
    char word[64];
    size_t len = 0, fresh = 0;
    for (const char *p = s;; p++) {
        unsigned char c = (unsigned char)*p;
        /* ASCII letters and digits by range, not isalnum()/tolower():
         * the same for ASCII in any locale, and no call per byte. */
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
            if (len < sizeof(word))
                word[len++] = (char)c;
            continue;
        }
        if (len >= 2 && !stop_word(word, len)) {
            uint64_t w = word_hash(word, len);
            if (word_set_add(ws, w)) {
                minhash_add(mins, w);
                fresh++;
            }
        }
        len = 0;
        if (!c)
            break;
    }
    return fresh;
}

size_t store_simhash(const char *const *texts, size_t n_texts, uint64_t *out)
{
    struct word_set ws;
    size_t distinct = 0;
    uint64_t mins[16];
    for (int k = 0; k < 16; k++)
        mins[k] = UINT64_MAX;
    word_set_init(&ws);
    for (size_t i = 0; i < n_texts; i++)
        if (texts[i])
            distinct += collect_words(texts[i], &ws, mins);
    word_set_release(&ws);
    uint64_t v = 0;
    if (distinct)
        for (int k = 0; k < 16; k++)
            v |= (mins[k] & 15) << (4 * k);
    *out = v;
    return distinct < STORE_SIMHASH_WORDS_CAP ? distinct
                                              : STORE_SIMHASH_WORDS_CAP;
}

/* Equal nibbles of two signatures (0..16). */
int store_simhash_agree(uint64_t a, uint64_t b)
{
    uint64_t x = a ^ b;
    int same = 0;
    for (int k = 0; k < 16; k++)
        same += ((x >> (4 * k)) & 15) == 0;
    return same;
}

/* ---- placing items --------------------------------------------------- */

void story_place_release(struct story_place *p)
{
    free(p->url_key);
    p->url_key = NULL;
}

static fs_code story_by_url(struct store *st, int64_t self_id,
                            const char *key, int64_t *story, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_STORY_BY_URL,
                            "SELECT story_id FROM item_story"
                            " WHERE url_key = ?1 AND item_id != ?2"
                            " ORDER BY item_id LIMIT 1",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    store_bind_text(stmt, 1, key);
    sqlite3_bind_int64(stmt, 2, self_id);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *story = sqlite3_column_int64(stmt, 0);
    else if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "looking up a story by URL", err);
    store_stmt_done(stmt);
    return rc;
}

/* Keep the closer of a candidate and the best so far: more equal
 * nibbles, then the older item. */
static void story_consider(int64_t item, int64_t cand_hash, int64_t simhash,
                           int *best, int64_t *best_item)
{
    int agree = store_simhash_agree((uint64_t)cand_hash, (uint64_t)simhash);
    if (agree > *best || (agree == *best && *best_item && item < *best_item)) {
        *best = agree;
        *best_item = item;
    }
}

/* What story_index_week gives, for a week it does not hold: one scan of
 * the week's part of the window in item_story_by_time, newest first, each
 * signed item going to the bands it shares with simhash until each band
 * has STORY_BAND_CANDIDATES. */
static fs_code story_week_scan(struct store *st, int64_t week,
                               int64_t simhash, int64_t from, int64_t to,
                               int64_t self_id,
                               struct story_candidate out[4]
                                                         [STORY_BAND_CANDIDATES],
                               int n[4], fs_error *err)
{
    int64_t lo, hi;
    story_week_bounds(week, &lo, &hi);
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_STORY_WEEK_SCAN,
                            "SELECT item_id, simhash FROM item_story"
                            " WHERE at BETWEEN ?1 AND ?2"
                            " AND simhash IS NOT NULL AND item_id != ?3"
                            " ORDER BY at DESC, item_id DESC",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, from > lo ? from : lo);
    sqlite3_bind_int64(stmt, 2, to < hi ? to : hi);
    sqlite3_bind_int64(stmt, 3, self_id);
    int src, full = 0;
    for (int k = 0; k < 4; k++)
        n[k] = 0;
    while (full < 4 && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t item = sqlite3_column_int64(stmt, 0);
        int64_t h = sqlite3_column_int64(stmt, 1);
        for (int k = 0; k < 4; k++) {
            if (n[k] == STORY_BAND_CANDIDATES ||
                story_band_of(h, k) != story_band_of(simhash, k))
                continue;
            out[k][n[k]].item_id = item;
            out[k][n[k]].simhash = h;
            full += ++n[k] == STORY_BAND_CANDIDATES;
        }
    }
    if (full < 4 && src != SQLITE_DONE)
        rc = store_sql_error(st, src, "looking for near-duplicates", err);
    store_stmt_done(stmt);
    return rc;
}

/* The story of the closest near-duplicate (most equal MinHash nibbles,
 * then oldest), if any agrees on STORY_MIN_AGREE and is within
 * STORY_WINDOW.  Candidates share at least one whole 16-bit band (four
 * MinHashes): for J = 0.9 that happens with probability 0.99, for
 * unrelated texts (J < 0.2) with < 0.01, and the agreement check then
 * drops them. */
static fs_code story_by_simhash(struct store *st, int64_t self_id,
                                int64_t simhash, int64_t when,
                                int64_t *story, fs_error *err)
{
    /* One backward range per band and week, newest first and at most
     * STORY_BAND_CANDIDATES rows: a band that many items of the window
     * share is made of common words (a site's boilerplate, a generated
     * corpus's small vocabulary) and reading all of it made each item
     * cost O(items stored); near-duplicates arrive close together, so the
     * newest of a crowded band are the ones worth comparing.  The ranges
     * are read from memory (story_index.c) unless the week is not held. */
    sqlite3_stmt *stmt;
    fs_code rc = story_index_check(st, err);
    int best = STORY_MIN_AGREE - 1;
    int64_t best_item = 0;
    int64_t from = when - STORY_WINDOW, to = when + STORY_WINDOW;
    for (int64_t week = story_week(to);
         week >= story_week(from) && rc == FS_OK; week--) {
        struct story_candidate cand[4][STORY_BAND_CANDIDATES];
        int n[4], held;
        rc = story_index_week(st, week, simhash, from, to, self_id, cand, n,
                              &held, err);
        if (rc == FS_OK && !held)
            rc = story_week_scan(st, week, simhash, from, to, self_id, cand,
                                 n, err);
        for (int k = 0; k < 4 && rc == FS_OK; k++)
            for (int i = 0; i < n[k]; i++)
                story_consider(cand[k][i].item_id, cand[k][i].simhash,
                               simhash, &best, &best_item);
    }
    if (rc != FS_OK || !best_item)
        return rc;
    rc = store_stmt(st, STMT_STORY_OF_ITEM,
                    "SELECT story_id FROM item_story WHERE item_id = ?1",
                    &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, best_item);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *story = sqlite3_column_int64(stmt, 0);
    else if (src != SQLITE_DONE)
        rc = store_sql_error(st, src, "reading a story", err);
    store_stmt_done(stmt);
    return rc;
}

fs_code store_story_find(struct store *st, int64_t self_id,
                         const char *link, const char *canonical_url,
                         const char *title, const char *summary,
                         const char *body, int64_t when,
                         struct story_place *out, fs_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *url = canonical_url && *canonical_url ? canonical_url : link;
    fs_code rc = FS_OK;
    if (url && *url) {
        struct strbuf key = STRBUF_INIT;
        store_url_key(url, &key);
        if (key.len)
            out->url_key = strbuf_detach(&key, NULL);
        strbuf_release(&key);
    }
    const char *texts[] = {title, summary, body};
    uint64_t h;
    if (store_simhash(texts, 3, &h) >= STORY_MIN_WORDS) {
        out->simhash = (int64_t)h;
        out->has_hash = 1;
    }
    if (out->url_key)
        rc = story_by_url(st, self_id, out->url_key, &out->story_id, err);
    if (rc == FS_OK && !out->story_id && out->has_hash)
        rc = story_by_simhash(st, self_id, out->simhash, when,
                              &out->story_id, err);
    return rc;
}

/* Delete an item's item_story row.  The deleted signature comes back
 * (RETURNING; all of a DELETE's changes are made by its first step) so
 * that story_index.c drops the item's bands; the update hook it watches
 * for other deletes is told this one is ours. */
static fs_code story_unset(struct store *st, int64_t item_id, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_STORY_UNSET,
                            "DELETE FROM item_story WHERE item_id = ?1"
                            " RETURNING simhash, at",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item_id);
    story_index_own_delete(st, 1);
    int src = sqlite3_step(stmt);
    story_index_own_delete(st, 0);
    if (src == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
        int64_t simhash = sqlite3_column_int64(stmt, 0);
        int64_t at = sqlite3_column_int64(stmt, 1);
        story_index_remove_item(st, at, item_id, simhash);
    } else if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = store_sql_error(st, src, "re-placing an item in its story",
                             err);
    }
    store_stmt_done(stmt);
    return rc;
}

/* Write the item_story row (and its bands, if its week is held);
 * `placed`: the item has a row already, which goes first. */
static fs_code story_write(struct store *st, int64_t item_id,
                           const struct story_place *p, int64_t story_id,
                           int64_t when, int placed, fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc;
    if (placed) {
        rc = story_unset(st, item_id, err);
        if (rc != FS_OK)
            return rc;
    }
    rc = store_stmt(st, STMT_STORY_SET,
                    "INSERT INTO item_story"
                    " (item_id, story_id, url_key, simhash, at)"
                    " VALUES (?1, ?2, ?3, ?4, ?5)",
                    &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item_id);
    sqlite3_bind_int64(stmt, 2, story_id);
    store_bind_text(stmt, 3, p->url_key);
    if (p->has_hash)
        sqlite3_bind_int64(stmt, 4, p->simhash);
    sqlite3_bind_int64(stmt, 5, when);
    rc = store_step_done(st, stmt, "placing an item in its story", err);
    if (rc == FS_OK && p->has_hash)
        story_index_add_item(st, when, item_id, p->simhash);
    return rc;
}

/* Place a new item (called by item_insert, in its transaction). */
fs_code store_story_place_new(struct store *st, int64_t item_id,
                              const struct store_item *it, int64_t when,
                              fs_error *err)
{
    struct story_place p;
    fs_code rc = store_story_find(st, item_id, it->link, it->canonical_url,
                                  it->title, it->summary, it->body, when, &p,
                                  err);
    if (rc == FS_OK)
        rc = story_write(st, item_id, &p, p.story_id ? p.story_id : item_id,
                         when, 0, err);
    story_place_release(&p);
    return rc;
}

/* How many items share story_id, counting up to 2 (enough to know). */
static fs_code story_size(struct store *st, int64_t story_id, int *n,
                          fs_error *err)
{
    sqlite3_stmt *stmt;
    fs_code rc = store_stmt(st, STMT_STORY_SIZE,
                            "SELECT count(*) FROM (SELECT 1 FROM item_story"
                            " WHERE story_id = ?1 LIMIT 2)",
                            &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, story_id);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *n = sqlite3_column_int(stmt, 0);
    else
        rc = store_sql_error(st, src, "sizing a story", err);
    store_stmt_done(stmt);
    return rc;
}

/* The stored text and URLs of an item, owned copies. */
struct item_text {
    char *title, *summary, *body, *link, *canonical_url;
    int64_t when, story_id; /* story_id 0: not placed yet */
};

static void item_text_release(struct item_text *t)
{
    free(t->title);
    free(t->summary);
    free(t->body);
    free(t->link);
    free(t->canonical_url);
}

static fs_code item_text_load(struct store *st, int64_t item_id,
                              struct item_text *t, fs_error *err)
{
    sqlite3_stmt *stmt;
    memset(t, 0, sizeof(*t));
    fs_code rc = store_stmt(
        st, STMT_STORY_ITEM_TEXT,
        "SELECT i.title, i.summary, i.body, i.link, i.canonical_url,"
        " coalesce(i.published, i.updated, i.first_seen), s.story_id"
        " FROM items i LEFT JOIN item_story s ON s.item_id = i.id"
        " WHERE i.id = ?1",
        &stmt, err);
    if (rc != FS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, item_id);
    int src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        t->title = fs_strdup(store_col_text(stmt, 0));
        t->summary = fs_strdup(store_col_text(stmt, 1));
        t->body = fs_strdup(store_col_text(stmt, 2));
        t->link = fs_strdup(store_col_text(stmt, 3));
        t->canonical_url = fs_strdup(store_col_text(stmt, 4));
        t->when = sqlite3_column_int64(stmt, 5);
        t->story_id = sqlite3_column_int64(stmt, 6);
    } else if (src == SQLITE_DONE) {
        rc = fs_error_set(err, FS_EINVAL, "%s: no item with id %lld",
                          st->path, (long long)item_id);
    } else {
        rc = store_sql_error(st, src, "reading an item", err);
    }
    store_stmt_done(stmt);
    return rc;
}

fs_code store_story_replace(struct store *st, int64_t item_id, fs_error *err)
{
    struct item_text t;
    struct story_place p = {0};
    int n = 0;
    fs_code rc = item_text_load(st, item_id, &t, err);
    if (rc != FS_OK)
        return rc;
    rc = store_story_find(st, item_id, t.link, t.canonical_url, t.title,
                          t.summary, t.body, t.when, &p, err);
    int64_t story = item_id;
    if (rc == FS_OK && t.story_id)
        rc = story_size(st, t.story_id, &n, err);
    if (n > 1)
        story = t.story_id;            /* shared: keep it */
    else if (p.story_id)
        story = p.story_id;            /* alone: join what it duplicates */
    if (rc == FS_OK)
        rc = story_write(st, item_id, &p, story, t.when, t.story_id != 0,
                         err);
    story_place_release(&p);
    item_text_release(&t);
    return rc;
}

/* ---- migration ------------------------------------------------------- */

fs_code store_story_backfill(struct store *st, fs_error *err)
{
    /* The ids are read first: placing writes to item_story. */
    sqlite3_stmt *ids;
    int src = sqlite3_prepare_v2(st->db,
                                 "SELECT id FROM items WHERE id NOT IN"
                                 " (SELECT item_id FROM item_story)"
                                 " ORDER BY id",
                                 -1, &ids, NULL);
    if (src != SQLITE_OK)
        return store_sql_error(st, src, "listing items to place", err);
    int64_t *v = NULL;
    size_t n = 0, alloc = 0;
    while ((src = sqlite3_step(ids)) == SQLITE_ROW) {
        FS_GROW(v, n + 1, alloc);
        v[n++] = sqlite3_column_int64(ids, 0);
    }
    sqlite3_finalize(ids);
    fs_code rc = src == SQLITE_DONE
                     ? FS_OK
                     : store_sql_error(st, src, "listing items", err);
    /* Oldest first, so each story's id is its first item's. */
    for (size_t i = 0; rc == FS_OK && i < n; i++)
        rc = store_story_replace(st, v[i], err);
    free(v);
    return rc;
}

/*
 * decode.c — HTTP Content-Encoding decoding: gzip, deflate, br, zstd.
 *
 * libcurl can decode these itself, but its gzip/deflate decoder is zlib,
 * and inflating was 40% of the fetch thread's CPU on a feeds-only crawl
 * of gzip-serving sites.  ISA-L's inflate (libisal, Intel's storage
 * acceleration library) decodes the same bytes about 3x faster (2,000
 * generated feeds, 79 MB: zlib 0.200 s, ISA-L 0.062 s).  Turning libcurl's
 * decoding off is all-or-nothing per transfer, so brotli and zstd are
 * decoded here as well, with the libraries libcurl itself uses for them.
 *
 * A decoder is a stack of up to FETCH_MAX_CODINGS layers, one per coding
 * listed in Content-Encoding; they were applied in the order listed, so
 * the last one listed is undone first.  Each layer but the innermost
 * decodes into a chunk buffer of its own and hands it to the next; the
 * innermost decodes straight into the body, in place, so a body is never
 * copied.
 *
 * Invariants:
 *  - The body never grows past `max` bytes (0: no cap): the innermost
 *    layer is given at most max - len + 1 bytes of room, so a bomb stops
 *    one byte past the cap, having decoded no more (FS_ELIMIT); any other
 *    layer hands on at most max + max/8 + DECODE_CHUNK bytes, and stops
 *    when the layer after it has ended (layer_deliver).
 *  - Every error names the coding and says what was wrong; it is
 *    FS_EPARSE for bad data, FS_ELIMIT for the cap.
 *  - Bytes after the end of a gzip, deflate or br stream are ignored, as
 *    libcurl does, and counted (fetch_decoder_ignored: the caller stops
 *    the transfer); a zstd body may hold several frames (RFC 8878).
 *  - The gzip header is read here (gzip_header_len), ISA-L only inflates
 *    and checks the trailer.
 *  - fetch_decoder_end() fails when a stream stopped before its end (a
 *    body cut short with a length that still matched, or a lying server).
 *  - zstd frames may not ask for a window above 8 MB (RFC 9659), so a
 *    hostile frame cannot make us allocate gigabytes.
 */
#include "fetch_int.h"

#include <brotli/decode.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zstd.h>

#define FETCH_MAX_CODINGS 5      /* as libcurl: a longer stack is hostile */
#define DECODE_CHUNK 32768       /* room given to a layer per call */
#define ZSTD_WINDOW_LOG_MAX 23   /* 8 MB, RFC 9659 */
/* A gzip header's optional name, comment and extra field are unbounded;
 * a real one is a few dozen bytes. */
#define GZIP_HEADER_MAX 65536

enum coding { CODING_GZIP, CODING_DEFLATE, CODING_BR, CODING_ZSTD };

static const char *const coding_names[] = {"gzip", "deflate", "br", "zstd"};

struct layer {
    enum coding coding;
    struct inflate_state *isal;  /* gzip, deflate: once the header is in */
    BrotliDecoderState *br;
    ZSTD_DStream *zstd;
    unsigned char head[2];       /* deflate: first bytes, zlib or raw? */
    int head_len;
    struct strbuf gzip_header;   /* gzip: its header, until complete */
    int ended;                   /* the stream (zstd: a frame) ended */
    int done;                    /* nothing more is read: the stream, or
                                    the layer after this one, ended */
    uint64_t made;               /* bytes handed to the layer after */
    unsigned char *chunk;        /* output of any layer but the innermost */
};

struct fetch_decoder {
    int n;                       /* layers[0] is undone first */
    size_t ignored;              /* bytes after the end of layers[0] */
    struct layer layers[FETCH_MAX_CODINGS];
};

/* What one call of a library did. */
enum step { STEP_ROOM, STEP_INPUT, STEP_END, STEP_ERROR };

static fs_code layer_init(struct layer *l, enum coding c, fs_error *err)
{
    memset(l, 0, sizeof(*l));
    l->coding = c;
    switch (c) {
    case CODING_GZIP:   /* once its header is read (gzip_start) */
    case CODING_DEFLATE: /* at the first two bytes (deflate_start) */
        break;
    case CODING_BR:
        l->br = BrotliDecoderCreateInstance(NULL, NULL, NULL);
        if (!l->br)
            fs_oom();
        break;
    case CODING_ZSTD:
        l->zstd = ZSTD_createDStream();
        if (!l->zstd)
            fs_oom();
        if (ZSTD_isError(ZSTD_DCtx_setParameter(l->zstd, ZSTD_d_windowLogMax,
                                                ZSTD_WINDOW_LOG_MAX)))
            return fs_error_set(err, FS_EPARSE, "zstd: cannot limit the "
                                                "window size");
        break;
    }
    return FS_OK;
}

static void layer_release(struct layer *l)
{
    free(l->isal);
    strbuf_release(&l->gzip_header);
    if (l->br)
        BrotliDecoderDestroyInstance(l->br);
    if (l->zstd)
        ZSTD_freeDStream(l->zstd);
    free(l->chunk);
}

/* HTTP's "deflate" is the zlib format (RFC 9110 8.4.1.2), but servers
 * have long sent raw deflate under that name, so, as libcurl and browsers
 * do, the first two bytes decide: a valid zlib header or raw data. */
static void deflate_start(struct layer *l)
{
    unsigned cmf = l->head[0], flg = l->head[1];
    int zlib = (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 &&
               ((cmf << 8) | flg) % 31 == 0;
    l->isal = fs_malloc(sizeof(*l->isal));
    isal_inflate_init(l->isal);
    l->isal->crc_flag = zlib ? ISAL_ZLIB : ISAL_DEFLATE;
}

/* The length of the gzip header (RFC 1952) at the start of b[0..n): 0 when
 * more bytes are needed, -1 when it is not a gzip header.  ISA-L reads the
 * header itself too, but with a header check (FHCRC) split across calls
 * it reported a checksum mismatch on valid data, so the header is read
 * here, whole, and ISA-L only inflates and checks the trailer. */
static long gzip_header_len(const unsigned char *b, size_t n)
{
    enum { FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16 };
    if (n >= 1 && b[0] != 0x1f)
        return -1;
    if (n >= 2 && b[1] != 0x8b)
        return -1;
    if (n >= 3 && b[2] != 8) /* deflate, the only method */
        return -1;
    if (n >= 4 && (b[3] & 0xe0)) /* reserved flags */
        return -1;
    if (n < 10)
        return 0;
    size_t at = 10;
    unsigned flags = b[3];
    if (flags & FEXTRA) {
        if (n < at + 2)
            return 0;
        at += 2 + (size_t)(b[at] | b[at + 1] << 8);
    }
    for (unsigned f = FNAME; f <= FCOMMENT; f <<= 1) {
        if (!(flags & f))
            continue;
        const unsigned char *z = at < n ? memchr(b + at, 0, n - at) : NULL;
        if (!z)
            return 0;
        at = (size_t)(z - b) + 1;
    }
    if (flags & FHCRC)
        at += 2;
    return at <= n ? (long)at : 0;
}

static void gzip_start(struct layer *l)
{
    l->isal = fs_malloc(sizeof(*l->isal));
    isal_inflate_init(l->isal);
    l->isal->crc_flag = ISAL_GZIP_NO_HDR_VER; /* the trailer is checked */
}

static const char *isal_error(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK:       return "invalid block";
    case ISAL_INVALID_SYMBOL:      return "invalid symbol";
    case ISAL_INVALID_LOOKBACK:    return "invalid distance";
    case ISAL_INVALID_WRAPPER:     return "invalid header";
    case ISAL_UNSUPPORTED_METHOD:  return "unsupported method";
    case ISAL_INCORRECT_CHECKSUM:  return "checksum mismatch";
    case ISAL_NEED_DICT:           return "needs a preset dictionary";
    default:                       return "corrupt data";
    }
}

/* One call of the layer's library: consume from *in, produce into out
 * (room bytes); *made gets the bytes produced.  STEP_ROOM: call again
 * (output full or input left), STEP_INPUT: all input used, STEP_END: the
 * stream ended. */
static enum step layer_step(struct layer *l, const unsigned char **in,
                            size_t *n, unsigned char *out, size_t room,
                            size_t *made, const char **why)
{
    *made = 0;
    switch (l->coding) {
    case CODING_GZIP:
    case CODING_DEFLATE: {
        struct inflate_state *s = l->isal;
        uint32_t feed = *n > UINT32_MAX ? UINT32_MAX : (uint32_t)*n;
        uint32_t space = room > UINT32_MAX ? UINT32_MAX : (uint32_t)room;
        s->next_in = (uint8_t *)*in;
        s->avail_in = feed;
        s->next_out = out;
        s->avail_out = space;
        int rc = isal_inflate(s);
        *in += feed - s->avail_in;
        *n -= feed - s->avail_in;
        *made = space - s->avail_out;
        if (rc != ISAL_DECOMP_OK) {
            *why = isal_error(rc);
            return STEP_ERROR;
        }
        if (s->block_state == ISAL_BLOCK_FINISH)
            return STEP_END;
        return *n == 0 && s->avail_out > 0 ? STEP_INPUT : STEP_ROOM;
    }
    case CODING_BR: {
        size_t avail_in = *n, avail_out = room;
        const uint8_t *next_in = *in;
        uint8_t *next_out = out;
        BrotliDecoderResult r = BrotliDecoderDecompressStream(
            l->br, &avail_in, &next_in, &avail_out, &next_out, NULL);
        *in = next_in;
        *n = avail_in;
        *made = room - avail_out;
        switch (r) {
        case BROTLI_DECODER_RESULT_SUCCESS:
            return STEP_END;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
            return STEP_ROOM;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
            return STEP_INPUT;
        default:
            *why = BrotliDecoderErrorString(
                BrotliDecoderGetErrorCode(l->br));
            return STEP_ERROR;
        }
    }
    case CODING_ZSTD: {
        ZSTD_inBuffer ib = {*in, *n, 0};
        ZSTD_outBuffer ob = {out, room, 0};
        size_t r = ZSTD_decompressStream(l->zstd, &ob, &ib);
        *in += ib.pos;
        *n -= ib.pos;
        *made = ob.pos;
        if (ZSTD_isError(r)) {
            *why = ZSTD_getErrorName(r);
            return STEP_ERROR;
        }
        /* 0: a frame is decoded and flushed; another may follow.  A call
         * that read nothing (output was full at the frame's end) reports
         * the next frame's header size, which does not unend the frame. */
        if (r == 0)
            l->ended = 1;
        else if (ib.pos)
            l->ended = 0;
        return *n == 0 && ob.pos < ob.size ? STEP_INPUT : STEP_ROOM;
    }
    }
    *why = "unknown coding";
    return STEP_ERROR;
}

static fs_code layer_push(struct fetch_decoder *d, int k,
                          const unsigned char *in, size_t n,
                          struct strbuf *body, size_t max, fs_error *err);

/* Hand what layer k made to the layer after it, or add it to the body.
 * A layer that is not the innermost may hand on at most a little more
 * than the cap (compressed data is hardly ever bigger than what it
 * decodes to): else a stack such as "gzip, gzip" would inflate without
 * bound what the layer after it discards after its end, or a stream of
 * empty deflate blocks that decodes to nothing. */
static fs_code layer_deliver(struct fetch_decoder *d, int k, size_t made,
                             struct strbuf *body, size_t max, fs_error *err)
{
    if (k + 1 < d->n) {
        struct layer *l = &d->layers[k];
        l->made += made;
        if (max && l->made > (uint64_t)max + max / 8 + DECODE_CHUNK)
            return fs_error_set(err, FS_ELIMIT, "larger than %zu bytes "
                                "after decoding (%s within %s)", max,
                                coding_names[d->layers[k + 1].coding],
                                coding_names[l->coding]);
        fs_code rc = layer_push(d, k + 1, l->chunk, made, body, max, err);
        if (d->layers[k + 1].done)
            l->done = 1; /* the rest is bytes after that stream's end */
        return rc;
    }
    strbuf_setlen(body, body->len + made);
    if (max && body->len > max)
        return fs_error_set(err, FS_ELIMIT, "larger than %zu bytes after "
                                            "decoding", max);
    return FS_OK;
}

/* Where layer k writes: its chunk, or the body's free space (the
 * innermost layer), at most one byte past the cap. */
static unsigned char *layer_room(struct fetch_decoder *d, int k,
                                 struct strbuf *body, size_t max,
                                 size_t *room)
{
    struct layer *l = &d->layers[k];
    if (k + 1 < d->n) {
        if (!l->chunk)
            l->chunk = fs_malloc(DECODE_CHUNK);
        *room = DECODE_CHUNK;
        return l->chunk;
    }
    strbuf_grow(body, DECODE_CHUNK);
    *room = body->alloc - body->len - 1;
    if (max && max - body->len < *room - 1) /* len <= max, always */
        *room = max - body->len + 1;
    return (unsigned char *)body->buf + body->len;
}

static fs_code layer_push(struct fetch_decoder *d, int k,
                          const unsigned char *in, size_t n,
                          struct strbuf *body, size_t max, fs_error *err)
{
    struct layer *l = &d->layers[k];
    const char *name = coding_names[l->coding];
    if (l->coding == CODING_GZIP && !l->isal) {
        strbuf_add(&l->gzip_header, in, n);
        long len = gzip_header_len((unsigned char *)l->gzip_header.buf,
                                   l->gzip_header.len);
        if (len < 0)
            return fs_error_set(err, FS_EPARSE, "bad gzip data: not a gzip "
                                                "header");
        if (len == 0) {
            if (l->gzip_header.len > GZIP_HEADER_MAX)
                return fs_error_set(err, FS_EPARSE, "bad gzip data: header "
                                    "longer than %d bytes", GZIP_HEADER_MAX);
            return FS_OK;
        }
        gzip_start(l);
        struct strbuf rest = l->gzip_header; /* owns what follows it */
        strbuf_init(&l->gzip_header, 0);
        fs_code rc = layer_push(d, k, (unsigned char *)rest.buf + len,
                                rest.len - (size_t)len, body, max, err);
        strbuf_release(&rest);
        return rc;
    }
    if (l->coding == CODING_DEFLATE && !l->isal) {
        while (n && l->head_len < 2) {
            l->head[l->head_len++] = *in++;
            n--;
        }
        if (l->head_len < 2)
            return FS_OK;
        deflate_start(l);
        fs_code rc = layer_push(d, k, l->head, 2, body, max, err);
        if (rc != FS_OK || !n)
            return rc;
    }
    int idle = 0; /* calls in a row that neither read nor wrote */
    while (!l->done) {
        size_t room, made;
        const char *why = NULL;
        const unsigned char *before = in;
        unsigned char *out = layer_room(d, k, body, max, &room);
        enum step s = layer_step(l, &in, &n, out, room, &made, &why);
        if (s == STEP_ERROR)
            return fs_error_set(err, FS_EPARSE, "bad %s data: %s", name,
                                why);
        if (made) {
            fs_code rc = layer_deliver(d, k, made, body, max, err);
            if (rc != FS_OK)
                return rc;
        }
        if (s == STEP_END)
            l->ended = l->done = 1;
        else if (s == STEP_INPUT)
            return FS_OK;
        if (in == before && !made && ++idle > 2)
            return fs_error_set(err, FS_EPARSE, "bad %s data: the decoder "
                                                "made no progress", name);
        if (in != before || made)
            idle = 0;
    }
    if (k == 0)
        d->ignored += n; /* bytes after the end: ignored, as libcurl does */
    return FS_OK;
}

/* The coding a Content-Encoding token names, or -1. */
static int coding_of(const char *tok, size_t len)
{
    static const struct { const char *name; enum coding c; } names[] = {
        {"gzip", CODING_GZIP}, {"x-gzip", CODING_GZIP},
        {"deflate", CODING_DEFLATE}, {"br", CODING_BR},
        {"zstd", CODING_ZSTD},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i].name) == len &&
            strncasecmp(tok, names[i].name, len) == 0)
            return (int)names[i].c;
    return -1;
}

fs_code fetch_decoder_new(const char *encodings, struct fetch_decoder **out,
                          fs_error *err)
{
    enum coding stack[FETCH_MAX_CODINGS];
    int n = 0;
    *out = NULL;
    for (const char *p = encodings; p && *p;) {
        p += strspn(p, " \t\r\n,");
        size_t len = strcspn(p, " \t\r\n,");
        if (!len)
            break;
        if (len == 8 && strncasecmp(p, "identity", 8) == 0) {
            p += len;
            continue;
        }
        int c = coding_of(p, len);
        if (c < 0)
            return fs_error_set(err, FS_EPARSE, "unsupported "
                                "Content-Encoding '%.*s' (feedsift "
                                "decodes %s)", (int)(len > 40 ? 40 : len),
                                p, FETCH_ACCEPT_ENCODING);
        if (n == FETCH_MAX_CODINGS)
            return fs_error_set(err, FS_EPARSE, "more than %d "
                                "Content-Encodings stacked",
                                FETCH_MAX_CODINGS);
        stack[n++] = (enum coding)c;
        p += len;
    }
    if (!n)
        return FS_OK; /* identity only: no decoder */
    struct fetch_decoder *d = fs_calloc(1, sizeof(*d));
    for (int i = 0; i < n; i++) {
        fs_code rc = layer_init(&d->layers[d->n++], stack[n - 1 - i], err);
        if (rc != FS_OK) {
            fetch_decoder_free(d);
            return rc;
        }
    }
    *out = d;
    return FS_OK;
}

fs_code fetch_decoder_write(struct fetch_decoder *d, const void *in,
                            size_t n, struct strbuf *body, size_t max,
                            fs_error *err)
{
    return layer_push(d, 0, in, n, body, max, err);
}

size_t fetch_decoder_ignored(const struct fetch_decoder *d)
{
    return d->ignored;
}

fs_code fetch_decoder_end(struct fetch_decoder *d, fs_error *err)
{
    for (int k = 0; k < d->n; k++)
        if (!d->layers[k].ended && !d->layers[k].done)
            return fs_error_set(err, FS_EPARSE, "%s data cut short: the "
                                "body ended inside the compressed stream",
                                coding_names[d->layers[k].coding]);
    return FS_OK;
}

void fetch_decoder_free(struct fetch_decoder *d)
{
    if (!d)
        return;
    for (int k = 0; k < d->n; k++)
        layer_release(&d->layers[k]);
    free(d);
}

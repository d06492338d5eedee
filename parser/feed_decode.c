/*
 * feed_decode.c — raw feed bytes to UTF-8 XML text that libxml2 can parse
 * safely and completely.
 *
 * Encoding precedence (RFC 3023 as feedparser applies it): a byte order
 * mark (or the UTF-16/32 pattern of "<?") is definitive; then the HTTP
 * charset parameter; then the XML declaration; then UTF-8.  ISO-8859-1 and
 * US-ASCII are read as their superset Windows-1252, GB2312/GBK as GB18030
 * and EUC-KR as CP949, because real feeds labelled so use the extra
 * characters.  When the chosen encoding is unknown or the bytes are not
 * valid in it, we record an error and fall back to UTF-8, then
 * Windows-1252 (which decodes everything but five bytes), then ISO-8859-1.
 *
 * The XML declaration is removed from the output so that libxml2 never
 * second-guesses the conversion.
 *
 * Entities: XML knows five named entities; feeds use HTML's (&nbsp;,
 * &eacute;).  Outside comments, CDATA and PIs, every "&name;" that is
 * neither predefined nor declared in the internal DTD subset becomes a
 * numeric reference when HTML defines it, else "&amp;name;"; a bare '&'
 * becomes "&amp;".  Each fix is an error (the input was not well-formed)
 * but loses nothing.  External entities are never loaded: that is up to
 * the parser options (no NOENT, no DTDLOAD) and to feed_node_text(), which
 * expands only internal entities whose value is plain text.
 */
#include "feed_internal.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <libxml/HTMLparser.h>
#include <string.h>

void feed_add_error(struct feed *feed, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    /* errors are few: an exact-size array keeps struct feed simple */
    feed->errors = fs_realloc(feed->errors,
                              (feed->n_errors + 1) * sizeof(*feed->errors));
    feed->errors[feed->n_errors++] = feed_clean_string(sb.buf, sb.len);
    strbuf_release(&sb);
}

/* ---- encoding detection ---------------------------------------------- */

/* Unicode family from a BOM or the "<?" pattern; sets *skip to the BOM
 * length.  NULL when the bytes look ASCII-compatible. */
static const char *decode_sniff_unicode(const unsigned char *d, size_t len,
                                        size_t *skip)
{
    *skip = 0;
    if (len >= 4 && !memcmp(d, "\xFF\xFE\x00\x00", 4))
        return *skip = 4, "UTF-32LE";
    if (len >= 4 && !memcmp(d, "\x00\x00\xFE\xFF", 4))
        return *skip = 4, "UTF-32BE";
    if (len >= 3 && !memcmp(d, "\xEF\xBB\xBF", 3))
        return *skip = 3, "UTF-8";
    if (len >= 2 && !memcmp(d, "\xFF\xFE", 2))
        return *skip = 2, "UTF-16LE";
    if (len >= 2 && !memcmp(d, "\xFE\xFF", 2))
        return *skip = 2, "UTF-16BE";
    if (len >= 4 && !memcmp(d, "\x00\x00\x00\x3C", 4))
        return "UTF-32BE";
    if (len >= 4 && !memcmp(d, "\x3C\x00\x00\x00", 4))
        return "UTF-32LE";
    if (len >= 4 && !memcmp(d, "\x00\x3C\x00\x3F", 4))
        return "UTF-16BE";
    if (len >= 4 && !memcmp(d, "\x3C\x00\x3F\x00", 4))
        return "UTF-16LE";
    /* no declaration at all: "<r" as UTF-16 */
    if (len >= 4 && d[0] == 0 && d[1] == '<' && d[2] == 0 && d[3])
        return "UTF-16BE";
    if (len >= 4 && d[0] == '<' && d[1] == 0 && d[2] && d[3] == 0)
        return "UTF-16LE";
    return NULL;
}

/* Length of the XML declaration at the start of d (after whitespace),
 * 0 if none; the encoding pseudo-attribute is copied into enc. */
static size_t decode_xml_decl(const char *d, size_t len, char *enc,
                              size_t encsize)
{
    size_t i = 0;
    enc[0] = '\0';
    while (i < len && isspace((unsigned char)d[i]))
        i++;
    if (len - i < 6 || memcmp(d + i, "<?xml", 5) != 0 ||
        !isspace((unsigned char)d[i + 5]))
        return 0;
    size_t end = i + 5;
    while (end + 1 < len && !(d[end] == '?' && d[end + 1] == '>'))
        end++;
    if (end + 1 >= len)
        return 0;
    const char *p = d + i;
    const char *e = d + end;
    for (const char *q = p; q + 8 < e; q++) {
        if (memcmp(q, "encoding", 8) != 0)
            continue;
        q += 8;
        while (q < e && (isspace((unsigned char)*q) || *q == '='))
            q++;
        if (q >= e || (*q != '"' && *q != '\''))
            break;
        char quote = *q++;
        size_t n = 0;
        while (q < e && *q != quote && n + 1 < encsize)
            enc[n++] = *q++;
        enc[n] = '\0';
        break;
    }
    return end + 2;
}

/* The iconv name we really decode a label with (supersets, see top, and
 * the Python/IANA names glibc spells differently). */
static const char *decode_effective_name(const char *label)
{
    static const struct {
        const char *label, *name;
    } supersets[] = {
        {"iso-8859-1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"},
        {"latin1", "WINDOWS-1252"},     {"latin-1", "WINDOWS-1252"},
        {"us-ascii", "WINDOWS-1252"},   {"ascii", "WINDOWS-1252"},
        {"gb2312", "GB18030"},          {"gbk", "GB18030"},
        {"euc-kr", "CP949"},            {"x-sjis", "SHIFT_JIS"},
        {"utf-16", "UTF-16"},           {"utf-32", "UTF-32"},
        {"mac-roman", "MACINTOSH"},     {"macroman", "MACINTOSH"},
        {"x-mac-roman", "MACINTOSH"},
    };
    for (size_t i = 0; i < sizeof(supersets) / sizeof(*supersets); i++)
        if (fs_strcaseeq(label, supersets[i].label))
            return supersets[i].name;
    return label;
}

/* Convert with iconv; 0 on success (out holds UTF-8), -1 unknown name,
 * -2 invalid input. */
static int decode_iconv(const char *from, const char *data, size_t len,
                        struct strbuf *out)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return -1;
    char *in = (char *)data;
    size_t inleft = len;
    int rc = 0;
    strbuf_reset(out);
    while (inleft > 0) {
        strbuf_grow(out, inleft * 2 + 16);
        char *o = out->buf + out->len;
        size_t oleft = out->alloc - out->len - 1;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        strbuf_setlen(out, (size_t)(o - out->buf));
        if (r == (size_t)-1 && errno != E2BIG) {
            rc = -2;
            break;
        }
    }
    iconv_close(cd);
    return rc;
}

static int decode_is_utf8(const char *name)
{
    return fs_strcaseeq(name, "UTF-8") || fs_strcaseeq(name, "UTF8");
}

/* Decode into out (UTF-8) with the encoding label names; 0 on success,
 * -1 unknown encoding, -2 bytes invalid in it. */
static int decode_with(const char *name, const char *data, size_t len,
                       struct strbuf *out)
{
    if (!decode_is_utf8(name))
        return decode_iconv(name, data, len, out);
    if (feed_utf8_span(data, len, 0) != len && !fs_utf8_valid(data, len))
        return -2; /* (the fast span stops at C0 controls too) */
    strbuf_reset(out);
    strbuf_add(out, data, len);
    return 0;
}

/* Decode with the encoding name (label as given, for messages) into out,
 * falling back to UTF-8, Windows-1252, ISO-8859-1. */
static void decode_bytes_into(const char *name, const char *label,
                              const char *data, size_t len,
                              struct feed *feed, struct strbuf *out)
{
    int rc = decode_with(name, data, len, out);
    if (rc == 0)
        return;
    if (rc == -1)
        feed_add_error(feed, "unknown character encoding '%s'", label);
    else
        feed_add_error(feed, "document is not valid %s", label);
    if (!decode_is_utf8(name) && decode_with("UTF-8", data, len, out) == 0)
        return;
    if (decode_iconv("WINDOWS-1252", data, len, out) == 0)
        return;
    decode_iconv("ISO-8859-1", data, len, out); /* every byte is valid */
}

/* Decode into out, falling back as described at the top.  Returns the
 * UTF-8 text: data itself when it already is valid UTF-8 labelled so (no
 * copy of a large feed), else out->buf; *text_len gets its length.  With
 * trust_utf8, bytes labelled UTF-8 are not checked (*trusted = 1). */
static const char *decode_bytes(const char *data, size_t len,
                                const char *label, int trust_utf8,
                                int *trusted, struct feed *feed,
                                struct strbuf *out, size_t *text_len)
{
    const char *name = decode_effective_name(label);
    if (decode_is_utf8(name) &&
        (trust_utf8 || feed_utf8_span(data, len, 0) == len ||
         fs_utf8_valid(data, len))) {
        *trusted = trust_utf8;
        *text_len = len;
        return data;
    }
    decode_bytes_into(name, label, data, len, feed, out);
    *text_len = out->len;
    return out->buf;
}

/* ---- entities -------------------------------------------------------- */

struct decode_entities {
    char **declared; /* general entities of the internal subset */
    size_t n_declared, alloc_declared;
    int reported_html, reported_unknown, reported_amp, reported_charref;
};

static int decode_is_name_char(int c, int first)
{
    return isalpha(c) || c == '_' || c == ':' || c >= 0x80 ||
           (!first && (isdigit(c) || c == '-' || c == '.'));
}

/* Copy a "<!DOCTYPE ...>" (with its internal subset) and note the general
 * entities it declares.  Returns bytes consumed. */
static size_t decode_doctype(const char *s, size_t len,
                             struct decode_entities *ents, struct feed *feed,
                             struct strbuf *out)
{
    size_t i = 0;
    int depth = 0;
    char quote = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '"' || c == '\'')
            quote = c;
        else if (c == '[')
            depth++;
        else if (c == ']')
            depth--;
        else if (c == '>' && depth <= 0)
            break;
        else if (c == '<' && len - i > 9 && !memcmp(s + i, "<!ENTITY", 8)) {
            size_t j = i + 8;
            while (j < len && isspace((unsigned char)s[j]))
                j++;
            if (j < len && s[j] == '%')
                continue; /* parameter entity */
            size_t k = j;
            while (k < len && decode_is_name_char((unsigned char)s[k], k == j))
                k++;
            if (k > j) {
                FS_GROW(ents->declared, ents->n_declared + 1,
                        ents->alloc_declared);
                ents->declared[ents->n_declared++] =
                    fs_strndup(s + j, k - j);
                size_t v = k;
                while (v < len && isspace((unsigned char)s[v]))
                    v++;
                /* Say so: a feed that needs a file or URL read to make
                 * sense is broken, or an attack (XXE). */
                if (len - v >= 6 && (!memcmp(s + v, "SYSTEM", 6) ||
                                     !memcmp(s + v, "PUBLIC", 6)))
                    feed_add_error(feed,
                                   "external entity &%.*s; is never loaded",
                                   (int)(k - j), s + j);
            }
        }
    }
    if (i < len)
        i++;
    strbuf_add(out, s, i);
    return i;
}

static int decode_is_declared(const struct decode_entities *ents,
                              const char *name)
{
    static const char *const predefined[] = {"amp", "lt", "gt", "quot",
                                             "apos"};
    for (size_t i = 0; i < 5; i++)
        if (!strcmp(name, predefined[i]))
            return 1;
    for (size_t i = 0; i < ents->n_declared; i++)
        if (!strcmp(name, ents->declared[i]))
            return 1;
    return 0;
}

/* The numeric character reference "&#...;" at s[0]: its length (0 when
 * s holds none) and, in *cp, the code point (0x110000 when too long). */
static size_t decode_charref(const char *s, size_t len, unsigned long *cp)
{
    size_t i = 1;
    if (i >= len || s[i] != '#')
        return 0;
    i++;
    int hex = i < len && (s[i] == 'x' || s[i] == 'X');
    if (hex)
        i++;
    size_t d = i;
    while (i < len && (hex ? isxdigit((unsigned char)s[i])
                           : isdigit((unsigned char)s[i])))
        i++;
    if (i == d || i >= len || s[i] != ';')
        return 0;
    *cp = i - d > 8 ? 0x110000UL : strtoul(s + d, NULL, hex ? 16 : 10);
    return i + 1;
}

/* A code point XML lets a character reference name. */
static int decode_char_allowed(unsigned long cp)
{
    return !(cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
             (cp < 0x20 && cp != 9 && cp != 10 && cp != 13) ||
             cp == 0xFFFE || cp == 0xFFFF);
}

/* Handle the '&' at s[0]; returns bytes consumed. */
static size_t decode_ampersand(const char *s, size_t len,
                               struct decode_entities *ents,
                               struct feed *feed, struct strbuf *out)
{
    size_t i = 1;
    unsigned long cp;
    size_t ref = decode_charref(s, len, &cp);
    if (ref) {
        /* A reference to no character (beyond U+10FFFF, a surrogate, a
         * C0 control XML forbids) is U+FFFD, as in HTML. */
        if (decode_char_allowed(cp)) {
            strbuf_add(out, s, ref);
        } else {
            if (!ents->reported_charref++)
                feed_add_error(feed, "reference to no character: %.*s",
                               (int)ref, s);
            strbuf_addstr(out, "&#xFFFD;");
        }
        return ref;
    }
    if (i < len && s[i] == '#') {
        /* "&#" without a complete reference: a bare ampersand */
    } else {
        while (i < len && i < 64 &&
               decode_is_name_char((unsigned char)s[i], i == 1))
            i++;
        if (i > 1 && i < len && s[i] == ';') {
            char name[64];
            memcpy(name, s + 1, i - 1);
            name[i - 1] = '\0';
            if (decode_is_declared(ents, name)) {
                strbuf_add(out, s, i + 1);
                return i + 1;
            }
            const htmlEntityDesc *html = htmlEntityLookup((xmlChar *)name);
            if (html) {
                if (!ents->reported_html++)
                    feed_add_error(feed,
                                   "undefined entity &%s; (read as HTML)",
                                   name);
                strbuf_addf(out, "&#%u;", html->value);
            } else {
                if (!ents->reported_unknown++)
                    feed_add_error(feed, "undefined entity &%s; kept as text",
                                   name);
                strbuf_addstr(out, "&amp;");
                strbuf_add(out, s + 1, i);
            }
            return i + 1;
        }
    }
    if (!ents->reported_amp++)
        feed_add_error(feed, "unescaped '&' in document");
    strbuf_addstr(out, "&amp;");
    return 1;
}

/* A DOCTYPE before the root element?  Only there can it declare entities
 * (and report external ones); one later is not well-formed, and any
 * "&name;" it might declare is caught by decode_needs_fixing anyway. */
static int decode_prolog_has_doctype(const char *s, size_t len)
{
    const char *end = s + len;
    for (const char *p = s; (p = memchr(p, '<', (size_t)(end - p)));) {
        size_t left = (size_t)(end - p);
        if (left >= 9 && !memcmp(p, "<!DOCTYPE", 9))
            return 1;
        const char *close = left >= 4 && !memcmp(p, "<!--", 4) ? "-->"
                            : left >= 2 && p[1] == '?'          ? "?>"
                                                                : NULL;
        if (!close)
            return 0; /* the root element: the prolog is over */
        const char *e = memmem(p + 2, left - 2, close, strlen(close));
        if (!e)
            return 0;
        p = e;
    }
    return 0;
}

/* Would decode_fix_entities change anything in s?  Only at an '&' that
 * does not start a predefined entity or a reference to an allowed
 * character, or when a DOCTYPE in the prolog may declare entities.  Most
 * feeds need no fix, and then the parser reads the bytes in place (no
 * copy). */
static int decode_needs_fixing(const char *s, size_t len)
{
    static const struct {
        const char *s;
        size_t n;
    } predefined[] = {
        {"&amp;", 5}, {"&lt;", 4}, {"&gt;", 4}, {"&quot;", 6}, {"&apos;", 6},
    };
    if (decode_prolog_has_doctype(s, len))
        return 1;
    const char *end = s + len;
    for (const char *p = s; (p = memchr(p, '&', (size_t)(end - p))); p++) {
        size_t left = (size_t)(end - p);
        int fine = 0;
        /* the names differ in their first letter but for amp / apos:
         * compare only those that can match (feeds hold thousands) */
        char c = left >= 2 ? p[1] : '\0';
        for (size_t k = 0; k < 5 && !fine; k++)
            fine = predefined[k].s[1] == c && left >= predefined[k].n &&
                   !memcmp(p, predefined[k].s, predefined[k].n);
        unsigned long cp;
        if (!fine && !(decode_charref(p, left, &cp) &&
                       decode_char_allowed(cp)))
            return 1;
    }
    return 0;
}

/* Copy from s up to and including the terminator (or to the end). */
static size_t decode_copy_until(const char *s, size_t len, const char *term,
                                struct strbuf *out)
{
    size_t tl = strlen(term);
    const char *e = len >= tl ? memmem(s, len, term, tl) : NULL;
    size_t n = e ? (size_t)(e - s) + tl : len;
    strbuf_add(out, s, n);
    return n;
}

static void decode_fix_entities(const char *s, size_t len, struct feed *feed,
                                struct strbuf *out)
{
    struct decode_entities ents = {0};
    size_t i = 0;
    while (i < len) {
        const char *p = s + i;
        size_t left = len - i;
        if (*p == '<' && left >= 4 && !memcmp(p, "<!--", 4))
            i += decode_copy_until(p, left, "-->", out);
        else if (*p == '<' && left >= 9 && !memcmp(p, "<![CDATA[", 9))
            i += decode_copy_until(p, left, "]]>", out);
        else if (*p == '<' && left >= 2 && p[1] == '?')
            i += decode_copy_until(p, left, "?>", out);
        else if (*p == '<' && left >= 9 && !memcmp(p, "<!DOCTYPE", 9))
            i += decode_doctype(p, left, &ents, feed, out);
        else if (*p == '&')
            i += decode_ampersand(p, left, &ents, feed, out);
        else {
            /* copy a run of ordinary bytes at once */
            size_t n = 1;
            while (n < left && p[n] != '<' && p[n] != '&')
                n++;
            strbuf_add(out, p, n);
            i += n;
        }
    }
    for (size_t k = 0; k < ents.n_declared; k++)
        free(ents.declared[k]);
    free(ents.declared);
}

const char *feed_decode(const char *data, size_t len,
                        const char *http_charset, int trust_utf8,
                        int *trusted, struct feed *feed,
                        struct strbuf *scratch, size_t *out_len)
{
    size_t skip;
    const char *unicode =
        decode_sniff_unicode((const unsigned char *)data, len, &skip);
    char declared[64];
    struct strbuf text = STRBUF_INIT;
    struct strbuf nonul = STRBUF_INIT; /* data without NUL bytes */
    int stripped = 0;                  /* data points into nonul */
    const char *utf8;
    size_t utf8_len;

    /* A raw NUL ends the document for libxml2 (every item after it would
     * be lost) and is never text, so it goes before anything else.  Only
     * for ASCII-compatible encodings: in UTF-16/32 zero bytes are part of
     * the characters. */
    if (!unicode && memchr(data, 0, len)) {
        size_t dropped = 0;
        strbuf_grow(&nonul, len);
        for (const char *p = data, *end = data + len; p < end;) {
            const char *z = memchr(p, 0, (size_t)(end - p));
            size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
            strbuf_add(&nonul, p, n);
            p += n;
            for (; p < end && !*p; p++)
                dropped++;
        }
        feed_add_error(feed, "%zu NUL byte%s removed", dropped,
                       dropped == 1 ? "" : "s");
        data = nonul.buf;
        len = nonul.len;
        stripped = 1;
    }

    if (unicode) {
        utf8 = decode_bytes(data + skip, len - skip, unicode, trust_utf8,
                            trusted, feed, &text, &utf8_len);
    } else {
        decode_xml_decl(data, len, declared, sizeof(declared));
        const char *label = http_charset && *http_charset ? http_charset
                            : declared[0]                 ? declared
                                                          : "UTF-8";
        /* A UTF-16/32 label on bytes without the matching pattern is a
         * lie (the document is ASCII-compatible); read it as UTF-8. */
        if (fs_startswith(decode_effective_name(label), "UTF-16") ||
            fs_startswith(decode_effective_name(label), "UTF-32")) {
            feed_add_error(feed, "declared %s but the document is not",
                           label);
            label = "UTF-8";
        }
        utf8 = decode_bytes(data, len, label, trust_utf8, trusted, feed,
                            &text, &utf8_len);
    }

    int converted = utf8 == text.buf; /* else utf8 points into data */
    size_t decl = decode_xml_decl(utf8, utf8_len, declared, sizeof(declared));
    utf8 += decl;
    utf8_len -= decl;
    if (!decode_needs_fixing(utf8, utf8_len)) {
        *out_len = utf8_len;
        if (!converted && !stripped)
            return utf8; /* the caller's bytes, as they are */
        size_t off = (size_t)(utf8 - (converted ? text.buf : nonul.buf));
        strbuf_release(scratch);
        if (converted) {
            *scratch = text;
            strbuf_release(&nonul);
        } else {
            *scratch = nonul;
        }
        return scratch->buf + off;
    }
    strbuf_reset(scratch);
    strbuf_grow(scratch, utf8_len + 64); /* fixes rarely grow it */
    decode_fix_entities(utf8, utf8_len, feed, scratch);
    strbuf_release(&text);
    strbuf_release(&nonul);
    *out_len = scratch->len;
    return scratch->buf;
}

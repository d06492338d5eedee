/*
 * test_html_text.c — html_to_text(): tags dropped, script/style removed,
 * block elements as line breaks, entities decoded, plain text kept.  Then
 * its fast path for simple fragments against libxml2's HTML parser
 * (html_to_text_libxml) on generated fragments: the two must agree byte
 * for byte, whichever path a fragment takes.
 */
#include "feed_internal.h"
#include "tap.h"
#include "testrand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long gen_state = TEST_RAND_SEED;
static unsigned gen_pick(unsigned n)
{
    return test_rand(&gen_state, n);
}

/* Text pieces: words, spaces and line ends, references good and bad,
 * UTF-8, characters libxml2 drops or reads its own way. */
static const char *const gen_text[] = {
    /* the fast path takes these (GEN_GOOD of them) */
    "word", "Caf\xC3\xA9", " ", "  ", "\n", "\r\n", "\t", "&amp;", "&lt;",
    "&gt;", "&quot;", "&nbsp;", "&eacute;", "&rsquo;", "&#8212;", "&#x2019;",
    "&#146;", "&#10;", "&#9;", "a > b", "x]]>y", "\xEF\xBB\xBF",
    "\xE2\x80\x94", "&#1114111;", "&frac12;", "\x7F", "'\"",
    /* and leaves these to libxml2 */
    "&#0;", "&#xD800;", "&#X41;", "&bogus;", "&amp", "AT&T", "& ", "1 < 2",
    "\xEF\xBF\xBF", "&#99999999;", "&#65",
};
#define GEN_GOOD 27
/* Tags: the fast path's own, with attributes, and some it leaves alone. */
static const char *const gen_tags[] = {
    "p", "b", "i", "em", "strong", "span", "a", "div", "blockquote", "ul",
    "ol", "li", "h1", "h3", "P", "B", "td", "pre", "code", "sup", "table",
    "script", "font", "u",
};
static const char *const gen_attrs[] = {
    "", "", "", " href=\"http://x.example/a?b=1&amp;c=2\"", " class='c'",
    " title=\"a > b\"", " hidden", " id=x", "  data-x=\"1\" ", "/",
};

static void gen_fragment(struct strbuf *sb, int depth)
{
    unsigned n = 1 + gen_pick(5);
    for (unsigned k = 0; k < n; k++) {
        unsigned what = gen_pick(10);
        if (what < 5 || depth > 4) {
            strbuf_addstr(sb, gen_text[gen_pick(
                gen_pick(8) ? GEN_GOOD : sizeof(gen_text) / sizeof(*gen_text))]);
        } else if (what == 5) {
            strbuf_addstr(sb, gen_pick(2) ? "<br>" : "<br />");
        } else if (what == 6 && gen_pick(4) == 0) {
            /* a stray or mismatched end tag, a comment */
            static const char *const odd[] = {"</p>", "</b>", "</li>",
                                              "<!-- c -->", "</br>", "<p/>"};
            strbuf_addstr(sb, odd[gen_pick(sizeof(odd) / sizeof(*odd))]);
        } else {
            /* mostly the fast path's tags, well nested */
            const char *tag = gen_tags[gen_pick(
                gen_pick(3) ? 12 : sizeof(gen_tags) / sizeof(*gen_tags))];
            strbuf_addf(sb, "<%s%s>", tag,
                        gen_attrs[gen_pick(sizeof(gen_attrs) /
                                           sizeof(*gen_attrs))]);
            gen_fragment(sb, depth + 1);
            if (gen_pick(12))
                strbuf_addf(sb, "</%s>", tag);
        }
    }
}

/* Fast path or not, html_to_text() must equal the libxml2 path. */
static void test_fast_path(void)
{
    int bad = 0;
    const int n = 20000;
    for (int k = 0; k < n; k++) {
        struct strbuf in = STRBUF_INIT, fast = STRBUF_INIT,
                      ref = STRBUF_INIT;
        gen_fragment(&in, 0);
        html_to_text(&fast, in.buf, in.len);
        html_to_text_libxml(&ref, in.buf, in.len);
        if (strcmp(fast.buf, ref.buf) && bad++ < 5)
            printf("# fragment %d: \"%s\"\n#   html_to_text: \"%s\"\n"
                   "#   libxml2:      \"%s\"\n", k, in.buf, fast.buf, ref.buf);
        strbuf_release(&in);
        strbuf_release(&fast);
        strbuf_release(&ref);
    }
    char what[80];
    snprintf(what, sizeof(what), "%d generated fragments: fast path == libxml2",
             n);
    is_int(bad, 0, what);
}

static void text_is(const char *html, const char *want, const char *what)
{
    struct strbuf sb = STRBUF_INIT;
    html_to_text(&sb, html, strlen(html));
    is_str(sb.buf, want, what);
    strbuf_release(&sb);
}

int main(void)
{
    text_is("<p>China sets <b>rare-earth</b> quotas</p>",
            "China sets rare-earth quotas", "inline tags dropped");
    text_is("<p>One</p><p>Two</p>", "One\nTwo", "blocks become lines");
    text_is("a<br>b<br/>c", "a\nb\nc", "br is a line break");
    text_is("x<script>alert('no')</script>y<style>p{}</style>z", "xyz",
            "script and style dropped");
    text_is("  lots   of\n\n  space  <i>here</i> ", "lots of space here",
            "whitespace collapsed");
    text_is("Caf&eacute; &amp; &lt;b&gt; &#8212; &#x2019;",
            "Caf\xC3\xA9 & <b> \xE2\x80\x94 \xE2\x80\x99",
            "plain text: entities decoded, nothing else");
    text_is("line one\nline two", "line one\nline two",
            "plain text: line breaks kept");
    text_is("AT&T &bogus; 5 & 6", "AT&T &bogus; 5 & 6",
            "plain text: stray ampersands kept");
    text_is("<b>Caf&eacute;</b> &nbsp;x", "Caf\xC3\xA9 \xC2\xA0x",
            "HTML: entities decoded");
    text_is("It&#146;s", "It\xE2\x80\x99s", "C1 reference read as cp1252");
    text_is("<div><ul><li>a</li><li>b</li></ul></div>", "a\nb", "lists");
    text_is("</p>stray end tag<p>", "stray end tag", "tag soup");
    text_is("", "", "empty");
    text_is("1 < 2 and <b>3</b> > 2", "1 < 2 and 3 > 2",
            "lone angle brackets are text");
    text_is("Q&A: <em>rare earths</em> &amp; magnets",
            "Q&A: rare earths & magnets", "bare ampersand in HTML");
    text_is("<h2>Title</h2>Body text<table><tr><td>a</td><td>b</td></tr>"
            "</table>", "Title\nBody text\na\nb", "headings and tables");
    text_is("<!-- comment -->text", "text", "comments dropped");

    struct strbuf sb = STRBUF_INIT;
    strbuf_addstr(&sb, "prefix:");
    html_to_text(&sb, "<i>x</i>", 8);
    is_str(sb.buf, "prefix:x", "appends to out");
    strbuf_reset(&sb);
    html_to_text(&sb, "\xFF\xFE<b>bad\xC3</b>", 11);
    ok(fs_utf8_valid(sb.buf, sb.len), "invalid UTF-8 input gives valid UTF-8");
    strbuf_release(&sb);
    test_fast_path();
    return tap_done();
}

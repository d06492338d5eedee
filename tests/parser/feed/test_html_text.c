/*
 * test_html_text.c — html_to_text(): tags dropped, script/style removed,
 * block elements as line breaks, entities decoded, plain text kept.
 */
#include "parser.h"
#include "tap.h"

#include <string.h>

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
    return tap_done();
}

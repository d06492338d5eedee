/*
 * test_html_sanitize.c — html_sanitize() against hostile markup (the
 * usual XSS filter-evasion vectors: script, event handlers, javascript:
 * with entity / whitespace / case obfuscation, svg and math, style
 * expressions, data: URLs, conditional comments, mXSS through noscript,
 * unclosed tags), the exact output for ordinary markup, and
 * feed_fill_content_html() / "content_html" in feed_to_json().
 *
 * Every hostile vector is checked twice: by the invariants of the output
 * as a browser would parse it (re-parsed with libxml2's HTML parser: no
 * forbidden element, no on* / style attribute, no URL with a forbidden
 * scheme) and for idempotence (sanitising the output changes nothing).
 */
#include "parser.h"
#include "tap.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <stdlib.h>
#include <string.h>

static char *sanitize(const char *html, const char *base)
{
    struct strbuf sb = STRBUF_INIT;
    html_sanitize(&sb, html, strlen(html), base);
    return strbuf_detach(&sb, NULL);
}

/* A URL value as a browser's URL parser sees it, lower-cased. */
static void browser_url(const char *v, char *out, size_t size)
{
    size_t n = 0;
    while (*v && (unsigned char)*v <= 0x20)
        v++;
    for (; *v && n + 1 < size; v++)
        if (*v != '\t' && *v != '\n' && *v != '\r')
            out[n++] = (char)tolower((unsigned char)*v);
    out[n] = '\0';
}

static int url_is_safe(const char *v)
{
    char u[64];
    browser_url(v, u, sizeof(u));
    if (!strncmp(u, "data:", 5))
        return !strncmp(u, "data:image/png", 14) ||
               !strncmp(u, "data:image/gif", 14) ||
               !strncmp(u, "data:image/jpeg", 15) ||
               !strncmp(u, "data:image/webp", 15);
    /* A scheme is ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":"; with any
     * other character before the first ':' the URL is relative. */
    size_t n = strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789+-.");
    if (u[n] != ':' || !isalpha((unsigned char)u[0]))
        return 1;
    return !strncmp(u, "http:", 5) || !strncmp(u, "https:", 6) ||
           !strncmp(u, "mailto:", 7);
}

/* What is wrong with the output, as a browser would parse it; NULL if
 * nothing. */
static const char *output_problem(const char *html)
{
    static const char *const forbidden[] = {
        "script", "style", "iframe", "object", "embed", "svg", "math",
        "form", "input", "meta", "base", "link", "frame", "applet",
        "noscript", "textarea", "button", "template"};
    static char why[128];
    struct strbuf doc = STRBUF_INIT;
    strbuf_addf(&doc, "<html><body>%s</body></html>", html);
    htmlDocPtr d = htmlReadMemory(doc.buf, (int)doc.len, NULL, "UTF-8",
                                  HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                      HTML_PARSE_NOWARNING |
                                      HTML_PARSE_RECOVER);
    strbuf_release(&doc);
    const char *problem = NULL;
    xmlNode *n = d ? xmlDocGetRootElement(d) : NULL;
    while (n && !problem) {
        if (n->type == XML_COMMENT_NODE)
            problem = "comment";
        if (n->type == XML_ELEMENT_NODE) {
            for (size_t i = 0; i < sizeof(forbidden) / sizeof(*forbidden); i++)
                if (!strcmp((const char *)n->name, forbidden[i])) {
                    snprintf(why, sizeof(why), "element <%s>", forbidden[i]);
                    problem = why;
                }
            for (xmlAttr *a = n->properties; a && !problem; a = a->next) {
                const char *an = (const char *)a->name;
                xmlChar *v = xmlNodeListGetString(d, a->children, 1);
                if (!strncmp(an, "on", 2) || !strcmp(an, "style") ||
                    !strcmp(an, "class") || !strcmp(an, "id") ||
                    !strcmp(an, "srcset") || !strcmp(an, "action") ||
                    strchr(an, ':')) {
                    snprintf(why, sizeof(why), "attribute %s", an);
                    problem = why;
                } else if (v && !url_is_safe((const char *)v) &&
                           (!strcmp(an, "href") || !strcmp(an, "src") ||
                            !strcmp(an, "cite") || !strcmp(an, "poster"))) {
                    snprintf(why, sizeof(why), "%s=%.60s", an, v);
                    problem = why;
                }
                xmlFree(v);
            }
        }
        if (n->children) {
            n = n->children;
            continue;
        }
        while (n && !n->next)
            n = n->parent;
        if (n)
            n = n->next;
    }
    xmlFreeDoc(d);
    return problem;
}

static const char *const hostile[] = {
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://x.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(1)`>",
    "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;"
    "&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099"
    "&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A"
    "&#x61&#x6C&#x65&#x72&#x74>",
    "<a href=\"jav&#x09;ascript:alert(1)\">tab entity</a>",
    "<a href=\"jav\tascript:alert(1)\">raw tab</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">newline</a>",
    "<a href=\" &#14;  javascript:alert(1)\">leading control</a>",
    "<a href=\"&#1;javascript:alert(1)\">C0</a>",
    "<a href=\"java&NewLine;script:alert(1)\">html5 entity</a>",
    "<a href=\"javascript&colon;alert(1)\">colon entity</a>",
    "<a href=\"vbscript:msgbox(1)\">vb</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">"
    "d</a>",
    "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert('XSS')>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<math><maction actiontype=\"statusline\" xlink:href=\"javascript:"
    "alert(1)\">x</maction></math>",
    "<SCRIPT/XSS SRC=\"http://x.example/xss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(1)>",
    "<<SCRIPT>alert(\"XSS\");//<</SCRIPT>",
    "<SCRIPT SRC=http://x.example/xss.js?< B >",
    "<iframe src=http://x.example/scriptlet.html <",
    "<BODY BACKGROUND=\"javascript:alert(1)\">",
    "<IMG DYNSRC=\"javascript:alert(1)\" LOWSRC=\"javascript:alert(1)\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert(1)\");}</STYLE>"
    "<UL><LI>XSS</br>",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert(1);\">",
    "<TABLE BACKGROUND=\"javascript:alert(1)\"><TD BACKGROUND=\"javascript:"
    "alert(1)\">",
    "<DIV STYLE=\"background-image: url(javascript:alert(1))\">x</DIV>",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">x</DIV>",
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    "<BASE HREF=\"javascript:alert(1);//\">",
    "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://x.example/s.html\">"
    "</OBJECT>",
    "<EMBED SRC=\"data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9z"
    "Y3JpcHQ+PC9zdmc+\" type=\"image/svg+xml\"></EMBED>",
    "<form action=\"javascript:alert(1)\"><input type=submit></form>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">"
    "</noscript>",
    "<video poster=javascript:alert(1)><source onerror=\"alert(1)\" "
    "src=\"javascript:x\"></video>",
    "<details open ontoggle=alert(1)><summary>s</summary></details>",
    "<a href=\"https://ok.example/\" target=\"_blank\" rel=\"opener\" "
    "id=\"x\" class=\"y\">fine</a>",
    "<xss onclick=\"alert(1)\" style=\"x:expression(alert(1))\">custom</xss>",
    "<p>unclosed <b>bold <i>italic <a href=\"javascript:x\">link",
    "<table><tr><td onclick=alert(1)>cell",
    "</div></body></html><script>alert(1)</script>",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?php echo 1; ?><p>after a PI</p>",
    "<a href=\"&#x6A;avascript&#x3A;alert(1)\">hex entities</a>",
    "<img src=\"  javascript:alert(1)\"><img src=\"java\nscript:alert(1)\">",
};

static void test_hostile(void)
{
    for (size_t i = 0; i < sizeof(hostile) / sizeof(*hostile); i++) {
        char *out = sanitize(hostile[i], "http://base.example/dir/");
        const char *problem = output_problem(out);
        char what[200];
        snprintf(what, sizeof(what), "hostile %zu: %.100s", i, hostile[i]);
        for (char *p = what; *p; p++) /* one TAP line */
            if ((unsigned char)*p < 0x20)
                *p = ' ';
        ok(problem == NULL, what);
        if (problem)
            printf("#   output: %s\n#   problem: %s\n", out, problem);
        char *again = sanitize(out, "http://base.example/dir/");
        snprintf(what, sizeof(what), "hostile %zu: idempotent", i);
        is_str(again, out, what);
        free(again);
        free(out);
    }
}

static void check(const char *html, const char *base, const char *want,
                  const char *what)
{
    char *out = sanitize(html, base);
    is_str(out, want, what);
    free(out);
}

static void test_exact(void)
{
    const char *base = "http://base.example/dir/page";
    check("<p onclick=\"x()\">Hi <script>alert(1)</script><b>bold</b></p>",
          base, "<p>Hi <b>bold</b></p>", "script and handler removed");
    check("<a href=\"jav&#x09;ascript:alert(1)\">x</a>", base, "<a>x</a>",
          "tab-obfuscated javascript: href dropped, text kept");
    check("<a href=\"../rel?a=1&amp;b=2\" title=\"t\">r</a>", base,
          "<a href=\"http://base.example/rel?a=1&amp;b=2\" title=\"t\">r</a>",
          "relative href resolved, & re-escaped, title kept");
    check("<img src=\"img/p.png\" alt=\"a &lt; b\" width=\"10\" "
          "srcset=\"x.png 2x\" onerror=\"x\">",
          base,
          "<img src=\"http://base.example/dir/img/p.png\" alt=\"a &lt; b\" "
          "width=\"10\">",
          "img: src resolved, alt and width kept, srcset and onerror dropped");
    check("<img src=\"javascript:x\" alt=\"gone\">after", base, "after",
          "img whose src is refused goes");
    check("<img src=\"data:image/png;base64,iVBORw0KGgo=\">", NULL,
          "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
          "data:image/png kept in img src");
    check("<a href=\"data:image/png;base64,iVBORw0KGgo=\">d</a>", NULL,
          "<a>d</a>", "data: URL refused in href");
    check("<a href=\"mailto:desk@example.com\">m</a>", base,
          "<a href=\"mailto:desk@example.com\">m</a>", "mailto kept in href");
    check("<a href=\"other/page\">rel</a>", NULL,
          "<a href=\"other/page\">rel</a>",
          "relative href kept as is without a base");
    check("text &amp; <i>unclosed <b>tags", NULL,
          "text &amp; <i>unclosed <b>tags</b></i>",
          "leading text stays bare, unclosed tags closed");
    check("<font color=\"red\">red</font> <span class=\"c\">s</span> "
          "<form action=\"/x\"><input name=\"q\">in form</form>",
          NULL, "red <span>s</span> in form",
          "unknown tags unwrapped, class dropped, form unwrapped, input gone");
    check("caf&eacute; &#8212; \xE4\xB8\xAD\xE6\x96\x87 &lt;tag&gt;", NULL,
          "caf\xC3\xA9 \xE2\x80\x94 \xE4\xB8\xAD\xE6\x96\x87 &lt;tag&gt;",
          "entities decoded, UTF-8 kept, < re-escaped");
    check("<!-- c --><div><!--[if IE]><b>x</b><![endif]-->d</div>", NULL,
          "<div>d</div>", "comments removed");
    check("<table><tr><td colspan=\"2\" style=\"x\">c</td></tr></table>",
          NULL,
          "<table><tr><td colspan=\"2\">c</td></tr></table>",
          "table attributes filtered");
    check("<a href=\"https://x.example/a b\">sp</a>", NULL,
          "<a href=\"https://x.example/a%20b\">sp</a>",
          "the serialiser escapes URL characters");
    check("<div>a<script>b</script>c<style>d</style>e</div>", NULL,
          "<div>ace</div>", "text around dropped elements joins");
    check("", NULL, "", "empty input, empty output");
    check("   ", NULL, "", "blank input, empty output");
    check("x\xFF\xFEy", NULL, "x\xEF\xBF\xBD\xEF\xBF\xBDy",
          "invalid UTF-8 replaced");
}

static void test_deep(void)
{
    struct strbuf sb = STRBUF_INIT;
    for (int i = 0; i < 20000; i++)
        strbuf_addstr(&sb, "<div><span>");
    strbuf_addstr(&sb, "deep<script>x</script>");
    char *out = sanitize(sb.buf, NULL);
    ok(out && !strstr(out, "script"), "20000 nested elements: no crash");
    free(out);
    strbuf_release(&sb);
}

static void test_feed_items(void)
{
    static const char doc[] =
        "<rss version=\"2.0\"><channel><title>t</title>"
        "<item><title>a</title><description>&lt;p&gt;sum&lt;/p&gt;"
        "</description><content:encoded xmlns:content=\"http://purl.org/rss/"
        "1.0/modules/content/\">&lt;p onclick=&quot;x&quot;&gt;body "
        "&lt;a href=&quot;/x&quot;&gt;l&lt;/a&gt;&lt;/p&gt;"
        "</content:encoded></item>"
        "<item><title>b</title><description>only &lt;b&gt;summary&lt;/b&gt;"
        "&lt;script&gt;x&lt;/script&gt;</description></item>"
        "<item><title>c</title></item></channel></rss>";
    struct feed f;
    fs_error err = {0};
    feed_parse(doc, strlen(doc), "http://feed.example/f.xml", NULL, &f, &err);
    ok(f.n_items == 3 && !f.items[0].content_html,
       "feed_parse leaves content_html NULL");
    feed_fill_content_html(&f);
    if (f.n_items == 3) {
        is_str(f.items[0].content_html,
               "<p>body <a href=\"http://feed.example/x\">l</a></p>",
               "content wins, sanitised, link already absolute");
        is_str(f.items[1].content_html, "only <b>summary</b>",
               "summary when there is no content");
        ok(f.items[2].content_html == NULL, "neither: NULL");
    }
    json_t *j = feed_to_json(&f);
    json_t *items = json_object_get(j, "items");
    is_str(json_string_value(
               json_object_get(json_array_get(items, 1), "content_html")),
           "only <b>summary</b>", "JSON content_html");
    ok(json_is_null(json_object_get(json_array_get(items, 2), "content_html")),
       "JSON content_html null");
    json_decref(j);
    feed_fill_content_html(&f); /* again: replaces, does not leak */
    feed_release(&f);
}

int main(void)
{
    test_hostile();
    test_exact();
    test_deep();
    test_feed_items();
    return tap_done();
}

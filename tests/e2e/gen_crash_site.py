#!/usr/bin/env python3
"""A site that keeps publishing, for the crash test (test_crash.py).

Site(root, base, n_feeds) writes root/feeds/feed_N.rss and one article page
per item under root/articles/.  Each publish(k) adds k ordinary items
spread over the feeds and one rare-earth quota story (the shipped rules
alert on it) published by feed 0 and feed 1 under two different links and
guids, then rewrites every feed with all its items, newest first.

Texts are made of generated words (fixed seed, no clock input), so no two
stories are near-duplicates of each other and no ordinary item mentions
rare earths or quotas.  Stdlib only.
"""
import os
import random

SYLLABLES = ("ka", "lo", "mi", "ter", "va", "dun", "sel", "ro", "pi", "gan",
             "bru", "fe", "nos", "tal", "quin", "zo", "har", "wel", "ix",
             "om", "del", "cur", "sta", "ben", "rik", "lu", "mor", "pet")


class Site:
    def __init__(self, root, base, n_feeds=6, seed=1):
        self.root = root
        self.base = base
        self.n_feeds = n_feeds
        self.rng = random.Random(seed)
        self.items = {f: [] for f in range(n_feeds)}  # feed -> [item dict]
        self.quota = []       # story titles
        self.serial = 0
        self.time = 1743984000  # 2025-04-07T00:00:00Z, +10 minutes per item
        os.makedirs(os.path.join(root, "feeds"), exist_ok=True)
        os.makedirs(os.path.join(root, "articles"), exist_ok=True)

    def word(self):
        return "".join(self.rng.choice(SYLLABLES)
                       for _ in range(self.rng.randint(2, 3)))

    def sentence(self, n=12):
        return " ".join(self.word() for _ in range(n)).capitalize() + "."

    def feed_url(self, f):
        return "%s/feeds/feed_%d.rss" % (self.base, f)

    def write_feed_list(self, path):
        with open(path, "w") as out:
            for f in range(self.n_feeds):
                out.write("%s Feed %d\n" % (self.feed_url(f), f))

    def _add(self, f, title, paragraphs):
        self.serial += 1
        self.time += 600
        slug = "f%d-%d" % (f, self.serial)
        link = "%s/articles/%s.html" % (self.base, slug)
        body = "".join("<p>%s</p>" % p for p in paragraphs)
        with open(os.path.join(self.root, "articles", slug + ".html"),
                  "w") as out:
            out.write("<!DOCTYPE html><html><head><title>%s</title></head>"
                      "<body><nav>Home | World | Markets</nav><article>"
                      "<h1>%s</h1>%s</article><footer>(c) Crash Wire"
                      "</footer></body></html>" % (title, title, body))
        self.items[f].append({"guid": "crash-%s" % slug, "title": title,
                              "link": link, "time": self.time,
                              "summary": paragraphs[0]})

    def publish(self, k):
        for _ in range(k):
            f = self.rng.randrange(self.n_feeds)
            self._add(f, self.sentence(8)[:-1],
                      [self.sentence(30) for _ in range(4)])
        # The quota story, in two feeds: one story, one alert.
        title = ("Beijing sets rare earth mining quotas as %s"
                 % " ".join(self.word() for _ in range(5)))
        paras = ["China issued new rare earth mining quotas on Monday, "
                 + self.sentence(25)] + [self.sentence(30) for _ in range(3)]
        self.quota.append(title)
        self._add(0, title, paras)
        self._add(1, title, paras)
        for f in range(self.n_feeds):
            self._write_feed(f)

    def _write_feed(self, f):
        import email.utils
        out = ['<?xml version="1.0" encoding="utf-8"?>',
               '<rss version="2.0"><channel><title>Crash Wire %d</title>' % f,
               "<link>%s/</link>" % self.base]
        for it in reversed(self.items[f]):
            out.append("<item><title>%s</title><link>%s</link><guid "
                       'isPermaLink="false">%s</guid><pubDate>%s</pubDate>'
                       "<description>%s</description></item>" % (
                           it["title"], it["link"], it["guid"],
                           email.utils.formatdate(it["time"], usegmt=True),
                           it["summary"]))
        out.append("</channel></rss>\n")
        path = os.path.join(self.root, "feeds", "feed_%d.rss" % f)
        tmp = path + ".tmp"
        with open(tmp, "w") as fh:
            fh.write("\n".join(out))
        os.replace(tmp, path)  # the server never serves half a feed

    def all_guids(self):
        return [(f, it["guid"]) for f in self.items for it in self.items[f]]

    def quota_titles(self):
        return list(self.quota)

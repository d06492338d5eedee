#!/usr/bin/env python3
"""Write the short demo article pages in demo/site/news/ from STORIES.

Run once after editing STORIES; the pages are committed so the demo and the
tests do not depend on this script.  The three long pages in demo/site/
(seed-article.html, export-controls.html, markets-wrap.html) are written by
hand.
"""
import html
import os

STORIES = {
    "fishing-quotas": (
        "EU Ministers Agree Baltic Fishing Quotas for 2026",
        ["European Union fisheries ministers agreed on catch limits for cod, "
         "herring and sprat in the Baltic Sea after overnight talks in Brussels.",
         "Environmental groups said the fishing quotas for western herring "
         "remain above scientific advice, while fleets in Poland and Denmark "
         "warned of job losses in coastal communities."]),
    "heart-rate": (
        "Study Links Resting Heart Rate to Long-Term Fitness",
        ["Researchers following 40,000 adults for a decade found that a lower "
         "resting heart rate was associated with better cardiovascular health.",
         "The authors cautioned that wearable devices vary in accuracy and "
         "that readings should be discussed with a doctor."]),
    "gold-medal": (
        "Swimmer Wins Gold Medal in 200m Freestyle at World Championships",
        ["The 21-year-old touched the wall first in a championship record "
         "time, adding gold to the silver she won in the relay.",
         "Her coach said the result was the reward for two years of altitude "
         "training camps."]),
    "election-won": (
        "Incumbent Mayor Won Re-Election by a Narrow Margin",
        ["The mayor won a third term after a recount confirmed a margin of "
         "312 votes, the city's election board said on Tuesday.",
         "Turnout was 41 percent, slightly up from the previous vote."]),
    "ecb-rates": (
        "ECB Holds Interest Rates Steady, Signals Cuts Later This Year",
        ["The European Central Bank kept its deposit rate unchanged at its "
         "policy meeting, as inflation in the euro area eased toward its "
         "2 percent target.",
         "Bond yields fell after the bank's president said further rate cuts "
         "were possible if wage growth keeps slowing."]),
    "yen-slides": (
        "Yen Slides to Three-Month Low Against the Dollar",
        ["The Japanese yen weakened past 155 per U.S. dollar in Tokyo trading "
         "as investors bet the interest-rate gap with the United States would "
         "persist.",
         "Finance ministry officials said they were watching currency moves "
         "with a high sense of urgency."]),
    "steel-tariffs": (
        "Canada Imposes Retaliatory Tariffs on U.S. Steel and Aluminum",
        ["Ottawa announced 25 percent tariffs on C$30 billion of U.S. steel and "
         "aluminum imports in response to new American import duties.",
         "Industry groups on both sides of the border warned the dispute would "
         "raise costs for carmakers and construction firms."]),
    "sanctions-oil": (
        "U.S. Treasury Sanctions Tanker Fleet Over Russian Oil Shipments",
        ["The Treasury Department's Office of Foreign Assets Control imposed "
         "sanctions on 14 tankers and their owners for carrying Russian crude "
         "above the G7 price cap.",
         "The designations freeze any U.S. assets of the companies and bar "
         "Americans from dealing with them."]),
    "rare-earth-magnets": (
        "Automakers Scramble for Rare Earth Magnets as Supplies Tighten",
        ["European and Japanese carmakers are searching for alternative "
         "suppliers of rare earth magnets used in electric motors after "
         "shipments from China slowed.",
         "Neodymium and dysprosium prices rose for a third week, according to "
         "trade data."]),
}

TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | Demo Wire</title>
<link rel="canonical" href="/news/{slug}.html">
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/markets">Markets</a></nav></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By Demo Wire staff</p>
{paras}
</article>
<aside><h2>Most read</h2><ul>
<li><a href="/news/a.html">Dow Hits 50,000 as U.S. Stocks Stage Strong Rebound Amid AI Volatility</a></li>
<li><a href="/news/b.html">Gold and Silver Prices Rebound After Volatile Week</a></li>
</ul></aside></main>
<footer>&copy; 2025 Demo Wire</footer>
</body></html>
"""

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "site", "news")
os.makedirs(here, exist_ok=True)
for slug, (title, paras) in STORIES.items():
    body = "\n".join("<p>%s</p>" % html.escape(p) for p in paras)
    with open(os.path.join(here, slug + ".html"), "w") as f:
        f.write(TEMPLATE.format(title=html.escape(title), slug=slug, paras=body))

"""Rules for the device a tweet of Donald Trump's 2015-16 campaign was sent from
(``benchmarks/text.py``'s ``trump_tweets``: "Android" or "iPhone").

Written from what was published about this account in 2016 (David Robinson, "Text analysis
of Trump's tweets confirms he writes only the (angrier) Android half", Variance Explained,
2016-08-09): the campaign staff's iPhone tweets carry links, pictures and hashtags and
announce events; the candidate's own Android tweets quote others by hand ('"@name: ...')
and use emotionally charged words. The word lists below are that article's kind of
evidence, written before looking at how often each word meets each device here; they are
not tuned on the labels.
"""

from fewlabels.weak import ABSTAIN, keyword_lf, labeling_function, regex_lf

lfs = [
    regex_lf("text", r"https?://", "iPhone", name="link"),
    regex_lf("text", r"#\w+", "iPhone", name="hashtag"),
    keyword_lf(
        "text",
        ["join me", "tomorrow", "tonight", "tickets", "live", "rally", "watch", "tune in"],
        "iPhone",
        name="event",
    ),
    keyword_lf("text", ["thank you", "thanks"], "iPhone", name="thanks"),
    regex_lf("text", r'^\s*"@', "Android", name="manual_quote"),
    keyword_lf(
        "text",
        [
            "badly",
            "crazy",
            "weak",
            "dumb",
            "joke",
            "loser",
            "terrible",
            "sad",
            "failing",
            "dishonest",
            "low energy",
            "overrated",
            "pathetic",
            "boring",
            "nasty",
        ],
        "Android",
        name="charged",
    ),
    keyword_lf("text", ["i will", "i am", "i was", "i have"], "Android", name="first_person"),
]


@labeling_function()
def exclaims_without_link(x):
    """An exclamation with no link or hashtag: the candidate's own voice."""
    text = x.text
    if text != text:  # a blank tweet
        return ABSTAIN
    if "!" in text and "http" not in text and "#" not in text:
        return "Android"
    return ABSTAIN


lfs.append(exclaims_without_link)

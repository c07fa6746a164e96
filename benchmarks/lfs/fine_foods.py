"""Keyword LFs for the fine-food reviews (``fewlabels.datasets.load("fine_foods")``).

Classes: "great" (a five-star review) and "other". Written from what reviewers say, before
looking at how often each word meets each class; they are the kind of rules a first hour of
weak supervision gives, not tuned on the labels.
"""

from fewlabels.weak import ABSTAIN, keyword_lf, labeling_function, regex_lf

lfs = [
    keyword_lf("review", ["love", "loved", "loves"], "great", name="love"),
    keyword_lf(
        "review", ["excellent", "outstanding", "superb", "amazing"], "great", name="excellent"
    ),
    keyword_lf("review", ["delicious", "yummy", "tasty"], "great", name="delicious"),
    keyword_lf(
        "review", ["favorite", "favourite", "the best", "best ever"], "great", name="favorite"
    ),
    keyword_lf(
        "review",
        ["highly recommend", "highly recommended", "must have", "must try"],
        "great",
        name="recommend",
    ),
    keyword_lf("review", ["perfect", "wonderful", "fantastic"], "great", name="perfect"),
    keyword_lf(
        "review", ["disappointed", "disappointing", "disappointment"], "other", name="disappointed"
    ),
    keyword_lf(
        "review", ["terrible", "awful", "horrible", "disgusting", "gross"], "other", name="terrible"
    ),
    keyword_lf(
        "review",
        ["waste", "refund", "return it", "returned", "threw it away", "throw away"],
        "other",
        name="waste",
    ),
    keyword_lf("review", ["bland", "stale", "tasteless", "rancid"], "other", name="bland"),
    keyword_lf(
        "review", ["okay", "ok", "not bad", "decent", "average", "so-so"], "other", name="lukewarm"
    ),
    regex_lf(
        "review", r"\bnot (?:very |that |as )?(?:good|great|worth)\b", "other", name="not_good"
    ),
    keyword_lf(
        "review",
        ["never again", "never buy", "won't buy", "will not buy", "wouldn't buy"],
        "other",
        name="never_again",
    ),
]


@labeling_function()
def but_then(x):
    """A review that turns ("..., but ...") is rarely five stars."""
    text = x.review
    if text != text:  # a blank review
        return ABSTAIN
    return "other" if " but " in text.lower() and "love" not in text.lower() else ABSTAIN


lfs.append(but_then)

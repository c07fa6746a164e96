"""Rule LFs for spambase (KEEL; columns f0..f56 in UCI's order): class 1 spam, 0 not.

From UCI's feature list: f6 "remove", f15 "free", f19 "credit", f22 "000", f23 "money",
f24 "hp", f26 "george", f44 "re", f45 "edu", f51 "!", f52 "$", f54 the average length of
capital runs. A spammer's words (money, free, remove, $, !) vote spam; the words of the
HP Labs mailbox the ham came from (hp, george, edu, re:) vote ham. Cut-offs are "the word
occurs" (> 0) or round values, not fitted to labels.
"""

from fewlabels.weak import threshold_lf

SPAM, HAM = 1, 0

lfs = [
    threshold_lf("f6", 0, SPAM, name="remove"),
    threshold_lf("f15", 0.2, SPAM, name="free"),
    threshold_lf("f19", 0, SPAM, name="credit"),
    threshold_lf("f22", 0, SPAM, name="000"),
    threshold_lf("f23", 0, SPAM, name="money"),
    threshold_lf("f52", 0.05, SPAM, name="dollar"),
    threshold_lf("f51", 0.4, SPAM, name="exclamation"),
    threshold_lf("f54", 5, SPAM, name="capital_runs"),
    threshold_lf("f24", 0, HAM, name="hp"),
    threshold_lf("f26", 0, HAM, name="george"),
    threshold_lf("f45", 0, HAM, name="edu"),
    threshold_lf("f44", 0.5, HAM, name="re"),
    threshold_lf("f54", 1.5, HAM, above=False, name="few_capitals"),
]
